#!/usr/bin/env bash
# Builds the libFuzzer target handlers_fuzz (clang, -fsanitize=fuzzer with
# ASan + UBSan) in build-fuzz/ and fuzzes the remote-driver API for a bounded
# time, starting from the seed corpus of real Docker requests:
#
#     tests/fuzz/run.sh [SECONDS]          (default 60)
#
# New inputs go to build-fuzz/corpus/ (kept between runs; the seeds in
# tests/fuzz/corpus/ are only read). Exits non-zero on a crash, a sanitizer
# report, a violated invariant, a leak or a timeout, printing the reproducer
# and how to replay it. To replay one input:
#
#     build-fuzz/handlers_fuzz FILE              (HOSTNIC_FUZZ_LOG=1 for logs)
#
# Environment: CXX (default clang++-14), HOSTNIC_FUZZ_JOBS (parallel fuzzing
# processes, default 1), HOSTNIC_FUZZ_ARGS (extra libFuzzer flags).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
cxx=${CXX:-clang++-14}
dir=$root/build-fuzz
jobs=${HOSTNIC_FUZZ_JOBS:-1}

case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
if ! command -v "$cxx" >/dev/null; then
  echo "$cxx not found; apt-get install clang-14 libclang-rt-14-dev llvm-14" >&2
  exit 2
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

started=$SECONDS
mkdir -p "$dir"
if ! cmake -S "$root" -B "$dir" "${generator[@]}" -Wno-dev \
       -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
       -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DHOSTNIC_BUILD_TESTS=OFF \
       -DHOSTNIC_FUZZ=ON -DHOSTNIC_SANITIZE=address,undefined \
       >"$dir/configure.log" 2>&1; then
  cat "$dir/configure.log"
  exit 2
fi
cmake --build "$dir" --target handlers_fuzz -j "$(nproc)" || exit 2
echo "built in $((SECONDS - started)) s; fuzzing for $seconds s"

for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
  if command -v "$s" >/dev/null; then
    export ASAN_SYMBOLIZER_PATH
    ASAN_SYMBOLIZER_PATH=$(command -v "$s")
    break
  fi
done
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

corpus=$dir/corpus
artifacts=$dir/artifacts
mkdir -p "$corpus" "$artifacts"
rm -f "$artifacts"/*

fuzz_started=$SECONDS
# -max_len: a script of many requests; -timeout: a hung input is a finding.
args=(-max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048
      -dict="$here/handlers.dict" -artifact_prefix="$artifacts/"
      -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then args+=(-jobs="$jobs" -workers="$jobs"); fi
# shellcheck disable=SC2086
"$dir/handlers_fuzz" "${args[@]}" ${HOSTNIC_FUZZ_ARGS:-} "$corpus" "$here/corpus"
rc=$?

found=("$artifacts"/*)
if [ "$rc" -ne 0 ] || [ -e "${found[0]}" ]; then
  echo
  echo "==== handlers_fuzz FAILED (exit $rc) after $((SECONDS - fuzz_started)) s"
  for f in "${found[@]}"; do
    [ -e "$f" ] || continue
    echo "---- reproducer $f ($(wc -c <"$f") bytes):"
    # Printable: the script is text; odd bytes show as \ooo.
    LC_ALL=C sed -n 'l 0' "$f" | head -100
    echo "---- replay: $dir/handlers_fuzz $f   (HOSTNIC_FUZZ_LOG=1 for logs)"
  done
  exit 1
fi
echo "==== handlers_fuzz: no findings in $((SECONDS - fuzz_started)) s" \
     "($(find "$corpus" -type f | wc -l) inputs in $corpus)"
