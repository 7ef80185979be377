#!/usr/bin/env bash
# Builds unit_tests and integration_tests with clang and sanitizers, and runs
# them:
#
#     scripts/sanitize.sh [--build-only] [asan|tsan|all]      (default: all)
#     scripts/sanitize.sh --build-only asan TARGET...   (those targets instead)
#
#   asan  ASan + UBSan (-fsanitize=address,undefined, -fno-sanitize-recover=all,
#         halt_on_error) in build-asan/; the same tree builds the libFuzzer
#         targets (HOSTNIC_FUZZ=ON: coverage in the libraries), so
#         tests/fuzz/run.sh builds only its fuzz executables on top
#   tsan  TSan (-fsanitize=thread, halt_on_error) in build-tsan/, with
#         scripts/tsan.supp (each entry says why it is external)
#
# Lean on purpose (CI budget): only the two test targets (and the hostnic
# binary the integration tests start), -O1 -g1 (TSan: -O0), Ninja; both trees
# are built first, then the tests of both run side by side (they mostly wait
# on their own timeouts and namespaces). --build-only builds
# and runs nothing (scripts/test.sh builds while the Docker tests run; a later
# run finds the trees up to date). Integration tests need
# root (they move themselves into a private network namespace); without root
# they are skipped by gtest, and this script says so. Prints the build and run
# time of each. Exits non-zero if a build fails, a test fails or a sanitizer
# reports anything.
#
# Each binary's whole output goes to BUILD/BINARY.log; when one fails, the
# output of each failed test (the one a sanitizer stopped is named by its
# [ RUN ] line) is printed again before the summary, which ends with one
# "FAILED: KIND BINARY: TESTS" line per failed binary. A test that failed
# without a sanitizer report or a timeout is run once more on its own; if it
# passes then, the summary names it as flaky and the run does not fail.
#
# Environment: CXX (default clang++-14), HOSTNIC_SAN_JOBS (default nproc),
# HOSTNIC_SAN_FILTER (a --gtest_filter for both binaries), HOSTNIC_SAN_TIMEOUT
# (seconds per test binary or shard, default 600: a hang fails instead of
# blocking CI), HOSTNIC_SAN_SHARDS (processes the integration tests are
# split in, run at once, default 3),
# HOSTNIC_SAN_REPORT (a file to write the failed tests' output to),
# HOSTNIC_UNITY_TESTS (default ON: the unit tests compiled in batches of
# files, cmake/tests.cmake; file by file when a batch does not compile).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
mode=${1:-all}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=(unit_tests integration_tests)
((build_only)) || [ "${targets[*]}" = "unit_tests integration_tests" ] ||
  { echo "usage: TARGET... only with --build-only" >&2; exit 2; }
cxx=${CXX:-clang++-14}
jobs=${HOSTNIC_SAN_JOBS:-$(nproc)}
filter=${HOSTNIC_SAN_FILTER:-*}
timeout_s=${HOSTNIC_SAN_TIMEOUT:-600}
# The integration tests mostly wait (38 s of CPU in 99 s under each
# sanitizer), each process in a network namespace of its own: in shards.
integration_shards=${HOSTNIC_SAN_SHARDS:-3}

case "$mode" in
  asan) kinds=(asan) ;;
  tsan) kinds=(tsan) ;;
  all) kinds=(asan tsan) ;;
  *) echo "usage: $0 [--build-only] [asan|tsan|all] [TARGET...]" >&2; exit 2 ;;
esac

if ! command -v "$cxx" >/dev/null; then
  echo "$cxx not found; apt-get install clang-14 libclang-rt-14-dev llvm-14" >&2
  exit 2
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# Symbolized reports.
for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
  if command -v "$s" >/dev/null; then
    export ASAN_SYMBOLIZER_PATH
    ASAN_SYMBOLIZER_PATH=$(command -v "$s")
    export TSAN_SYMBOLIZER_PATH=$ASAN_SYMBOLIZER_PATH
    break
  fi
done

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1:detect_invalid_pointer_pairs=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:report_error_type=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$root/scripts/tsan.supp"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
# CPU seconds (user + system) used by finished children so far: on a loaded
# machine wall time says little, CPU time is what a CI runner pays.
# (`times` must run in this shell, not in a $(...) subshell.)
times_file=$(mktemp)
cpu() {
  times >"$times_file"
  cpu_now=$(tail -n 1 "$times_file" | awk '{ t = 0; for (i = 1; i <= NF; i++) {
    split($i, p, "m"); t += p[1] * 60 + p[2] } printf "%.1f", t }')
}

declare -A summary
status=0
failed_lines=""
flaky_lines=""
failures_file=$(mktemp)
trap 'rm -f "$times_file" "$failures_file"' EXIT

# failed_tests LOG: the gtest tests that failed in LOG, blank-separated: each
# [  FAILED  ] one, and the one a sanitizer or a timeout stopped (its
# [ RUN ] line has no [ OK ] or [ FAILED ] after it, before the end or the
# next shard's "Running" line).
failed_tests() {
  awk '/^\[==========\] Running / { if (open != "" && !seen[open]++) out = out " " open; open = "" }
       /^\[ RUN      \] / { open = $4 }
       /^\[       OK \] / { open = "" }
       /^\[  FAILED  \] [^ ]+\.[^ ]+( |$)/ { if (!seen[$4]++) out = out " " $4; open = "" }
       END { if (open != "" && !seen[open]) out = out " " open; print substr(out, 2) }' "$1"
}

# failure_report KIND BIN LOG: what a failure looks like in LOG, bounded:
# each failed test's own output (from its sanitizer report on, when it has
# one), or the report printed after the last test (a leak found at exit).
failure_report() {
  local kind=$1 bin=$2 log=$3 t tests
  tests=$(failed_tests "$log")
  echo "---- $kind $bin: ${tests:-no test failed} (whole output: $log)"
  for t in $tests; do
    awk -v t="$t" 'index($0, "[ RUN      ] " t) == 1 && $4 == t { on = 1 }
                   on { print }
                   on && index($0, "[  FAILED  ] " t) == 1 { exit }' "$log" >"$log.excerpt"
    if grep -qE "$san_report" "$log.excerpt"; then
      grep -m1 -B 20 -A 100 -E "$san_report" "$log.excerpt"
    else
      tail -n 80 "$log.excerpt"
    fi
    rm -f "$log.excerpt"
  done
  [ -n "$tests" ] || grep -m1 -A 100 -E "$san_report" "$log" || tail -n 40 "$log"
}
# The first line of a sanitizer's report.
san_report='^(==[0-9]+==ERROR: |WARNING: ThreadSanitizer: |.*: runtime error: )'

# configure_kind UNITY: configures build_kind's tree (its variables), the
# unit tests in batches of files (ON, cmake/tests.cmake) or one by one (OFF).
configure_kind() {
  cmake -S "$root" -B "$dir" "${generator[@]}" -Wno-dev \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="$opt -g1" -DHOSTNIC_BUILD_TESTS=ON -DHOSTNIC_UNITY_TESTS="$1" \
    -DHOSTNIC_SANITIZE="$sanitize" -DHOSTNIC_FUZZ="$fuzz" >"$dir/configure.log" 2>&1
}

# build_kind KIND: configures and builds KIND's tree; fills built[KIND] (its
# build time) or, on a failure, summary[KIND] and status, and returns 1.
declare -A built=()
build_kind() {
  local kind=$1 sanitize fuzz=OFF opt dir t0 t1 c0 c1
  case "$kind" in
    # -O1: the fuzzers share these libraries, and their speed is coverage.
    asan) sanitize=address,undefined fuzz=ON opt=-O1 ;;
    # -O0: the TSan tree only runs the tests, which mostly wait (13 s of CPU
    # in 63 s); it compiles in about half the CPU time.
    tsan) sanitize=thread opt=-O0 ;;
  esac
  dir=$root/build-$kind
  echo "==== $kind: building ${targets[*]} in $dir ($sanitize, $opt)"
  t0=$(now); cpu; c0=$cpu_now
  mkdir -p "$dir"
  if ! configure_kind "${HOSTNIC_UNITY_TESTS:-ON}"; then
    cat "$dir/configure.log"
    summary[$kind]="FAIL (configure)"
    status=1
    return 1
  fi
  if ! cmake --build "$dir" -j "$jobs" --target "${targets[@]}"; then
    # A batch of unit test files whose file-local names clash
    # (cmake/tests.cmake) costs time, not the run.
    if [ "${HOSTNIC_UNITY_TESTS:-ON}" = OFF ] || ! configure_kind OFF ||
       ! { echo "==== $kind: building the unit tests file by file (a batch did not compile)"
           cmake --build "$dir" -j "$jobs" --target "${targets[@]}"; }; then
      summary[$kind]="FAIL (build)"
      status=1
      return 1
    fi
  fi
  t1=$(now); cpu; c1=$cpu_now
  built[$kind]="build $(secs "$t0" "$t1") s wall / $(secs "$c0" "$c1") s CPU"
}

# run_shards BIN LOG N: BIN with the filter, split in N processes run at
# once (gtest's GTEST_TOTAL_SHARDS), each bounded by timeout_s; their output
# one after the other in LOG. Returns 124 when one timed out, else the first
# non-zero status.
run_shards() {
  local bin=$1 log=$2 n=$3 i r rc=0 pids=()
  for ((i = 0; i < n; i++)); do
    GTEST_TOTAL_SHARDS=$n GTEST_SHARD_INDEX=$i \
      timeout -k 10 "$timeout_s" "$bin" --gtest_filter="$filter" >"$log.$i" 2>&1 &
    pids+=("$!")
  done
  : >"$log"
  for ((i = 0; i < n; i++)); do
    wait "${pids[i]}"
    r=$?
    if [ "$r" -eq 124 ]; then rc=124; elif [ "$rc" -eq 0 ]; then rc=$r; fi
    cat "$log.$i" >>"$log"
    rm -f "$log.$i"
  done
  return "$rc"
}

# test_kind KIND: runs KIND's two test binaries. Run in a subshell beside the
# other kind's (the tests mostly wait), so it hands its results over in
# files of its tree: KIND's summary row (sanitize.row), its "FAILED: ..."
# lines (sanitize.failed), its flaky tests (sanitize.flaky) and the failed
# tests' output (sanitize.failures). Exits non-zero when a test failed.
test_kind() {
  local kind=$1 dir=$root/build-$1 t1 t2 c1 c2 rc=0 bin
  local out=$root/build-$1/sanitize
  times_file=$out.times
  rm -f "$out".{row,failed,flaky,failures}
  touch "$out".{failed,flaky,failures}
  t1=$(now); cpu; c1=$cpu_now
  local failed=() flaky=()
  for bin in unit_tests integration_tests; do
    echo "==== $kind: running $bin (output: $dir/$bin.log)"
    if [ "$bin" = integration_tests ] && [ "$(id -u)" -ne 0 ]; then
      echo "(not root: integration tests will be skipped)"
    fi
    # A sanitizer report ends its process non-zero. The whole output goes to
    # the log (a sanitizer stops the binary in the middle of a test: its
    # [ RUN ] line names it); failures are shown below.
    local shards=1 bin_rc=0
    [ "$bin" = integration_tests ] && shards=$integration_shards
    run_shards "$dir/$bin" "$dir/$bin.log" "$shards" || bin_rc=$?
    grep -E '^\[(==========|  PASSED  |  FAILED  )\] [0-9]+ tests?[ ,.]' "$dir/$bin.log"
    [ "$bin_rc" -eq 0 ] && continue
    local names
    names=$(failed_tests "$dir/$bin.log")
    # A test that failed its own assertion, with no sanitizer report and no
    # timeout, gets one more run on its own: a pass there is a flaky test
    # (named in the summary and shown below), not a failed row. A sanitizer
    # report is never retried.
    if [ "$bin_rc" -ne 124 ] && [ -n "$names" ] &&
       ! grep -qE "$san_report" "$dir/$bin.log" &&
       timeout -k 10 "$timeout_s" "$dir/$bin" --gtest_filter="${names// /:}" \
         >"$dir/$bin.rerun.log" 2>&1; then
      flaky+=("$kind $bin: $names")
      printf '%s' "$kind $bin: $names; " >>"$out.flaky"
      failure_report "$kind" "$bin (flaky: passed when run again)" "$dir/$bin.log" >>"$out.failures"
      continue
    fi
    rc=1
    [ "$bin_rc" -eq 124 ] && names="timed out after $timeout_s s${names:+ in $names}"
    failed+=("$kind $bin: ${names:-exit $bin_rc}")
    echo "FAILED: $kind $bin: ${names:-exit $bin_rc}" >>"$out.failed"
    failure_report "$kind" "$bin" "$dir/$bin.log" >>"$out.failures"
  done
  t2=$(now); cpu; c2=$cpu_now
  local times row what
  times="${built[$kind]}, run $(secs "$t1" "$t2") s wall / $(secs "$c1" "$c2") s CPU"
  if [ "$rc" -eq 0 ]; then
    row="PASS ($times)"
    if ((${#flaky[@]})); then
      what=$(printf '%s; ' "${flaky[@]}")
      row="PASS (flaky, passed when run again: ${what%; }; $times)"
    fi
  else
    what=$(printf '%s; ' "${failed[@]}")
    row="FAIL (${what%; }; $times)"
  fi
  echo "$row" >"$out.row"
  rm -f "$times_file"
  return "$rc"
}

# Both trees are built first (each build takes every core), then their tests
# run side by side; each kind's output is shown once its tests are done, in
# order.
to_test=()
for kind in "${kinds[@]}"; do
  build_kind "$kind" || continue
  if ((build_only)); then
    summary[$kind]="BUILT (${built[$kind]})"
  else
    to_test+=("$kind")
  fi
done
declare -A test_pid=()
for kind in "${to_test[@]}"; do
  test_kind "$kind" >"$root/build-$kind/sanitize.out" 2>&1 &
  test_pid[$kind]=$!
done
for kind in "${to_test[@]}"; do
  wait "${test_pid[$kind]}" || status=1
  out=$root/build-$kind/sanitize
  cat "$out.out"
  summary[$kind]=$(cat "$out.row" 2>/dev/null || echo "FAIL (its tests did not finish: $out.out)")
  [ ! -s "$out.failed" ] || failed_lines+=$(cat "$out.failed")$'\n'
  flaky_lines+=$(cat "$out.flaky" 2>/dev/null)
  cat "$out.failures" >>"$failures_file" 2>/dev/null
done

if [ -s "$failures_file" ]; then
  echo
  echo "==== sanitizer failures (each failed test's own output)"
  cat "$failures_file"
  [ -z "${HOSTNIC_SAN_REPORT:-}" ] || cp "$failures_file" "$HOSTNIC_SAN_REPORT"
fi
echo
echo "==== sanitizer summary"
for kind in "${kinds[@]}"; do printf '  %-5s %s\n' "$kind" "${summary[$kind]}"; done
# One line per failed binary, and one naming the flaky tests, for
# scripts/test.sh's summary.
printf '%s' "$failed_lines"
[ -z "$flaky_lines" ] || echo "flaky: flaky tests, passed when run again: ${flaky_lines%; }"
exit "$status"
