#!/usr/bin/env bash
# Runs every hostnic test on a fresh Debian bookworm machine, as root:
#
#     sudo scripts/test.sh
#
# 1. installs the build and test dependencies that are missing (quiet apt;
#    those only the Docker, podman and containerd steps use, in the
#    background while it builds: HOSTNIC_LATE_TEST_DEPS),
# 2. builds everything (Release) in build/,
# 3. runs the unit and integration tests (ctest, twice as many at once as
#    CPUs: they mostly wait), then builds the Debian
#    package and installs, checks and removes it (tests/package/deb_test.sh),
# 4. runs the end-to-end tests against a real dockerd (tests/e2e/run.sh),
#    then hostnic as a CNI plugin under podman (tests/e2e/cni_podman_test.sh,
#    reported SKIPPED when podman is missing), then pods made the way
#    kubelet makes them, through containerd's CRI plugin
#    (tests/e2e/cri_test.sh; SKIPPED, with the reason, when containerd
#    cannot run here), then hostnic as podman 5's netavark plugin under
#    Debian trixie's netavark (tests/e2e/netavark_test.sh; SKIPPED, with
#    the reason, when Debian's mirror cannot be reached), then podman 5
#    itself in a debootstrapped trixie root, cached in
#    /var/cache/hostnic-podman5 and made in the background from the
#    start when missing (netavark_test.sh --podman5; SKIPPED, with the reason,
#    when the mirror cannot be reached),
# 5. runs the managed-plugin end-to-end tests (tests/e2e/plugin_test.sh:
#    docker plugin create/enable, plugin restart, upgrade, swarm); they are
#    reported SKIPPED, with the reason, when no debian:bookworm-slim base image
#    can be made here (without Docker Hub it is debootstrapped, in the
#    background from the start: scripts/plugin.sh base-tree),
# 5b. runs a core subset of both suites against Docker 26.1 (trixie) and
#    28.5 (sid), fetched from Debian's mirror and unpacked beside the
#    system's runc (tests/e2e/engines.sh; fetched in the background from
#    the start); an engine that cannot be fetched or started is reported
#    SKIPPED with the reason,
# 6. builds the unit and integration tests with clang's ASan+UBSan and TSan
#    and runs them (scripts/sanitize.sh all),
# 7. fuzzes the request handlers, the DHCP decoder, the CNI parser and the
#    netavark decoders for a
#    bounded time (tests/fuzz/run.sh),
# then prints a summary: each step's seconds and result. Exits non-zero if
# anything failed.
#
# The clang builds of steps 6 and 7 start first, in the background at nice 19
# while the Release build, ctest and steps 4-5b leave CPU idle (their output
# goes to build/clang-build.log), and get full priority once those are done.
# There are two: ASan+UBSan with the fuzz targets in one tree (build-asan/,
# coverage in the libraries), TSan (build-tsan/). Steps 6 and 7 then only
# run, beside each other (the fuzzers and the sanitized tests each keep
# about one core busy). Step 5 publishes the plugin with
# build/hostnic in the image (scripts/plugin.sh --binary) instead of
# compiling hostnic again inside docker build.
#
# Environment: HOSTNIC_E2E=0 skips steps 4, 5 and 5b; HOSTNIC_PLUGIN_E2E=0 skips
# step 5; HOSTNIC_ENGINES (default "26.1 28.5"; empty skips 5b) and
# HOSTNIC_ENGINES_FULL=1 (every case and step there, not the core subset);
# HOSTNIC_E2E_TIMEOUT (seconds, default 900) bounds step 4's Docker suite,
# HOSTNIC_CNI_TIMEOUT (default 300) its podman suite, HOSTNIC_CRI_TIMEOUT
# (default 300) its containerd suite, HOSTNIC_NETAVARK_TIMEOUT (default 300)
# its netavark suite, HOSTNIC_PODMAN5_TIMEOUT (default 600, room for the
# first debootstrap) its podman 5 suite, and
# HOSTNIC_PLUGIN_TIMEOUT (default 1500) step 5; HOSTNIC_SANITIZE=0 and
# HOSTNIC_FUZZ=0 skip steps 6 and 7; HOSTNIC_FUZZ_SECONDS (default 60) bounds
# the fuzzing; HOSTNIC_UNITY_TESTS=OFF compiles the unit tests file by file
# in every tree (default: in batches, docs/testing.md); extra arguments are
# passed to tests/e2e/run.sh (case name filters).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_root
# What the build, ctest and the background jobs use first; the Docker
# steps' packages come in the background (late_deps_start).
early_deps=()
for p in "${HOSTNIC_TEST_DEPS[@]}"; do
  [[ " ${HOSTNIC_LATE_TEST_DEPS[*]} " == *" $p "* ]] || early_deps+=("$p")
done
set -e
ensure_packages "${HOSTNIC_BUILD_DEPS[@]}" "${early_deps[@]}"
set +e

# failures LOG ROW: what failed, from the lines a suite prints for it:
# "FAIL name..." (a case or step; "FAIL ROW: reason" names the reason),
# "FAILED: what" (sanitize.sh, tests/fuzz/run.sh), and ctest's list after
# "The following tests FAILED:"; comma-separated.
failures() {
  { sed -n "s/^FAIL $2: \(.\{1,80\}\).*/\1/p" "$1"
    sed -n 's/^FAIL \([^ :]*\).*/\1/p; s/^FAILED: //p' "$1" | grep -vx -e "$2" -e ''
    sed -n '/^The following tests FAILED:/,$ s/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1/p' "$1"
  } | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g'
}

# verdict ROW RC LOG [COUNT]: a suite's row from its exit status and output,
# by the one convention every suite follows: exit 77 with "SKIP ROW: why"
# is SKIPPED (why); 0 is PASS, with the suite's own count line ("COUNT: ...")
# and what it skipped; 124 is a timeout; anything else FAIL, naming what
# failed (its "FAIL name..." lines).
verdict() {
  local row=$1 rc=$2 log=$3 count=${4:-} why counts skipped flaky failed
  why=$(sed -n "s/^SKIP $row: //p" "$log" | head -n 1)
  if [ "$rc" -eq 77 ] && [ -n "$why" ]; then echo "SKIPPED ($why)"; return; fi
  if [ "$rc" -eq 0 ]; then
    [ -n "$count" ] && counts=$(sed -n "s/^$count: //p" "$log" | head -n 1)
    skipped=$(grep -m1 '^skipped: ' "$log")
    [ -z "$skipped" ] && [ -n "$why" ] && skipped="skipped: $why"
    counts=${counts:+$counts${skipped:+; }}$skipped
    flaky=$(grep -m1 '^flaky ' "$log")
    counts=${counts:+$counts${flaky:+; }}$flaky
    echo "PASS${counts:+ ($counts)}"
    return
  fi
  failed=$(failures "$log" "$row")
  if [ "$rc" -eq 124 ]; then echo "FAIL (timed out${failed:+; failed before: $failed})"
  else echo "FAIL${failed:+ ($failed)}"; fi
}

# The lock every test that uses the host's network, dockerd, containerd or
# podman takes (docs/testing.md): two such suites at once on one machine
# tear down each other's NICs, daemons and sockets.
NET_LOCK=/tmp/hostnic-net.lock

# run_suite ROW SECONDS COUNT CMD...: runs a suite bounded by SECONDS, holding
# NET_LOCK, its output shown and kept for verdict; fills result[ROW] and
# took[ROW].
run_suite() {
  local row=$1 limit=$2 count=$3 log rc t0=$SECONDS
  shift 3
  log=$(mktemp "/tmp/hostnic-$row.XXXXXX.log")
  timeout -s TERM "$limit" flock -o "$NET_LOCK" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  result[$row]=$(verdict "$row" "$rc" "$log" "$count")
  took[$row]=$((SECONDS - t0))
  keep_reasons "$row" "$log"
  rm -f "$log"
}

# keep_reasons ROW LOG: a failed row's "FAIL name: reason" lines and any
# row's "RETRY name: reason" lines, kept for the end of the run, where a CI
# log's tail shows them (the fuzzers' output comes between a suite and the
# summary).
reasons_log=$HOSTNIC_ROOT/build/failure-reasons.log
keep_reasons() {
  [[ ${result[$1]} == FAIL* ]] || grep -q '^RETRY ' "$2" || return 0
  { echo "-- $1"; grep -E '^(FAIL |FAILED: |RETRY )' "$2" | cut -c1-400 | head -n 20; } >>"$reasons_log"
}

# bg_start NAME NICE LOG CMD...: CMD in the background at NICE, its output
# in LOG, in a process group of its own (set -m) but in this session: with
# the kernel's autogroup scheduling, nice only weighs against the processes
# of the same session (setsid would make it a group of equal weight to the
# Docker steps). Sets bg_pid[NAME] and bg_t0[NAME]; an interrupted run kills
# every such group (the EXIT trap below).
declare -A bg_pid=() bg_t0=()
bg_start() {
  local name=$1 niceness=$2 log=$3
  shift 3
  bg_t0[$name]=$SECONDS
  set -m
  nice -n "$niceness" "$@" >"$log" 2>&1 </dev/null &
  bg_pid[$name]=$!
  set +m
}

# bg_wait NAME: full priority for NAME's group, then waits for it; returns
# its exit status (0 when it was not started).
bg_wait() {
  local pid=${bg_pid[$1]:-} rc
  [ -n "$pid" ] || return 0
  renice -n "$(nice)" -g "$pid" >/dev/null 2>&1
  wait "$pid"
  rc=$?
  unset "bg_pid[$1]"
  return "$rc"
}

# fuzz_start SECONDS: tests/fuzz/run.sh in the background, its output kept
# for fuzz_finish: the fuzzers and the sanitized tests each keep about one
# core busy, so they share the two cores instead of taking turns. The
# targets are built.
fuzz_log=$HOSTNIC_ROOT/build/fuzz.log
fuzz_start() {
  bg_start fuzz 0 "$fuzz_log" env HOSTNIC_FUZZ_BUILT=1 \
    timeout -s TERM 3600 "$HOSTNIC_ROOT/tests/fuzz/run.sh" "$1"
}

# fuzz_finish: waits for the fuzzers, shows their output (the log is
# build/fuzz.log), fills result[fuzz].
fuzz_finish() {
  local rc
  bg_wait fuzz
  rc=$?
  # Without libFuzzer's progress lines and recommended dictionaries (all of
  # it stays in the log), which would push everything else out of a CI log's
  # tail.
  grep -vE '^#[0-9]+[[:space:]]|^"' "$fuzz_log"
  result[fuzz]=$(verdict fuzz "$rc" "$fuzz_log")
  took[fuzz]=$((SECONDS - bg_t0[fuzz]))
  keep_reasons fuzz "$fuzz_log"
}

# run_engine ENGINE: the core subset (or everything) of both suites against
# that engine, one dockerd start for both; fills result[e2e-E], result[plugin-E].
run_engine() {
  local engine=$1 log rc e2e_cases plugin_steps t0=$SECONDS
  e2e_cases=${ENGINE_E2E[$engine]:-}
  plugin_steps=${ENGINE_PLUGIN[$engine]:-}
  if [ "${HOSTNIC_ENGINES_FULL:-0}" = 1 ]; then e2e_cases=""; plugin_steps=""; fi
  say "Docker $engine: e2e ${e2e_cases:-(all)} and managed plugin ${plugin_steps:-(all)} (tests/e2e/engines.sh)"
  log=$(mktemp /tmp/hostnic-engine.XXXXXX.log)
  bg_wait engines-fetch
  # Each suite's output and status into a log of its own.
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout -s TERM "${HOSTNIC_ENGINE_TIMEOUT:-900}" flock -o "$NET_LOCK" \
    "$HOSTNIC_ROOT/tests/e2e/engines.sh" run "$engine" -- \
    bash -c '"$1"/tests/e2e/run.sh ${2:+--exact $2} 2>&1 | tee "$5.e2e"; echo "${PIPESTATUS[0]}" >"$5.e2e-rc"
             if [ -f "$3/config.json" ]; then
               HNP_PLUGIN_DIR=$3 HNP_STEPS=$4 "$1"/tests/e2e/plugin_test.sh 2>&1 | tee "$5.plugin"
               echo "${PIPESTATUS[0]}" >"$5.plugin-rc"
             fi' \
    _ "$HOSTNIC_ROOT" "$e2e_cases" "$PLUGIN_DIR" "$plugin_steps" "$log" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local why
  why=$(sed -n "s/^SKIP docker-$engine: //p" "$log" | head -n 1)
  if [ "$rc" -eq 77 ] && [ -n "$why" ]; then
    result[e2e-$engine]="SKIPPED ($why)"
    result[plugin-$engine]="SKIPPED ($why)"
  elif [ "$rc" -eq 124 ]; then
    result[e2e-$engine]="FAIL (timed out)"
    result[plugin-$engine]="FAIL (timed out)"
  else
    result[e2e-$engine]=$(verdict e2e "$(cat "$log.e2e-rc" 2>/dev/null || echo 1)" "$log.e2e" e2e)
    keep_reasons "e2e-$engine" "$log.e2e"
    if [ -f "$log.plugin-rc" ]; then
      result[plugin-$engine]=$(verdict plugin "$(cat "$log.plugin-rc")" "$log.plugin" plugin)
      keep_reasons "plugin-$engine" "$log.plugin"
    else
      result[plugin-$engine]="SKIPPED (no plugin directory: the 20.10 plugin suite did not publish one)"
    fi
  fi
  took[e2e-$engine]=$((SECONDS - t0))
  say "Docker $engine: $((SECONDS - t0))s"
  rm -f "$log" "$log".*
}

# clang_builds_start: the builds of steps 6 and 7 that are enabled, in the
# background at nice 19 (bg_start).
clang_log=$HOSTNIC_ROOT/build/clang-build.log
clang_builds_start() {
  [ "${HOSTNIC_SANITIZE:-1}" = 0 ] && [ "${HOSTNIC_FUZZ:-1}" = 0 ] && return 0
  say "building for the sanitizers and the fuzzers in the background (log: build/clang-build.log)"
  # shellcheck disable=SC2016  # expanded by the inner bash
  bg_start clang 19 "$clang_log" bash -c 'rc=0
    [ "$2" = 0 ] || "$1"/scripts/sanitize.sh --build-only all || rc=1
    [ "$3" = 0 ] || "$1"/tests/fuzz/run.sh --build-only || rc=1
    exit $rc' _ "$HOSTNIC_ROOT" "${HOSTNIC_SANITIZE:-1}" "${HOSTNIC_FUZZ:-1}"
}

# clang_builds_wait: full priority for the background builds, then waits for
# them; fills result[clang-build].
clang_builds_wait() {
  [ -n "${bg_pid[clang]:-}" ] || return 0
  if bg_wait clang; then
    result[clang-build]="PASS (in the background from the start)"
  else
    result[clang-build]="FAIL (build/clang-build.log)"
    tail -n 30 "$clang_log" >&2
  fi
  took[clang-build]=$((SECONDS - bg_t0[clang]))
  say "sanitizer and fuzzer builds: ${result[clang-build]}, ${took[clang-build]}s (log: build/clang-build.log)"
}
# podman 5's root (debootstrap, minutes on a fresh machine) is made in the
# background from the start, beside the build (at nice 10 it takes little
# from it; the download comes first), while the steps before it run; its
# step waits for it.
podman5_root_start() {
  [ "${HOSTNIC_E2E:-1}" = 0 ] && return 0
  bg_start podman5-root 10 "$HOSTNIC_ROOT/build/podman5-root.log" \
    "$HOSTNIC_ROOT/tests/e2e/netavark_test.sh" --podman5-root
}
podman5_root_wait() {
  [ -n "${bg_pid[podman5-root]:-}" ] || return 0
  bg_wait podman5-root
  tail -n 2 "$HOSTNIC_ROOT/build/podman5-root.log" >&2
}
# The managed plugin's base image, when it must be debootstrapped (no
# Docker Hub; minutes on a fresh machine, like podman 5's root), is made as
# a tree (scripts/plugin.sh base-tree: no dockerd, no network lock) in the
# background from the start; the plugin row waits for it and only imports it.
plugin_base_start() {
  { [ "${HOSTNIC_E2E:-1}" = 0 ] || [ "${HOSTNIC_PLUGIN_E2E:-1}" = 0 ]; } && return 0
  bg_start plugin-base 10 "$HOSTNIC_ROOT/build/plugin-base.log" "$HOSTNIC_ROOT/scripts/plugin.sh" base-tree
}
plugin_base_wait() {
  [ -n "${bg_pid[plugin-base]:-}" ] || return 0
  bg_wait plugin-base
  tail -n 2 "$HOSTNIC_ROOT/build/plugin-base.log" >&2
}
# The Docker, podman and containerd steps' packages (HOSTNIC_LATE_TEST_DEPS:
# on a fresh machine most of the download and unpacking) are installed in
# the background from the start, beside the build and ctest; the package
# step waits for them (nothing else calls apt-get meanwhile: the packages
# the background jobs ask for came first).
late_deps_log=$HOSTNIC_ROOT/build/late-deps.log
late_deps_start() {
  [ "${HOSTNIC_E2E:-1}" = 0 ] && return 0
  # shellcheck disable=SC2016  # expanded by the inner bash
  bg_start late-deps 10 "$late_deps_log" bash -c 'source "$1/scripts/common.sh"; ensure_packages "${@:2}"' \
    _ "$HOSTNIC_ROOT" "${HOSTNIC_LATE_TEST_DEPS[@]}"
}
late_deps_wait() {
  [ -n "${bg_pid[late-deps]:-}" ] || return 0
  bg_wait late-deps && return 0
  cat "$late_deps_log" >&2
  die "installing the Docker steps' packages failed (above; build/late-deps.log)"
}
# The other engines' packages (tests/e2e/engines.sh fetch: about 80 s each
# of download and unpacking on a fresh machine, nothing touched but the
# cache) are fetched in the background from the start, beside the build
# instead of on the e2e rows' path; run_engine waits for them, and a fetch
# that failed there is tried again, and reported, by `engines.sh run`.
engines_fetch_start() {
  { [ "${HOSTNIC_E2E:-1}" = 0 ] || [ -z "$ENGINES" ]; } && return 0
  # shellcheck disable=SC2016,SC2086  # expanded by the inner bash; a list
  bg_start engines-fetch 10 "$HOSTNIC_ROOT/build/engines-fetch.log" bash -c \
    'for e in "${@:2}"; do "$1"/tests/e2e/engines.sh fetch "$e"; done' _ "$HOSTNIC_ROOT" $ENGINES
}
# An interrupted run does not leave the background groups behind, but for
# apt-get: a dpkg killed half way leaves the machine's packages half
# configured, so it finishes on its own.
# shellcheck disable=SC2154  # n: the loop variable inside the trap
trap 'for n in "${!bg_pid[@]}"; do
        [ "$n" = late-deps ] || kill -- -"${bg_pid[$n]}" 2>/dev/null
      done' EXIT

started=$SECONDS
declare -A result took
order=(build ctest package e2e cni-podman cri netavark podman5 plugin)
result=([build]=skipped [ctest]=skipped [package]=skipped [e2e]=skipped [cni-podman]=skipped
        [cri]=skipped [netavark]=skipped [podman5]=skipped [plugin]=skipped [sanitize]=skipped
        [fuzz]=skipped)
ENGINES=${HOSTNIC_ENGINES-26.1 28.5}
for engine in $ENGINES; do
  order+=("e2e-$engine" "plugin-$engine")
  result[e2e-$engine]=skipped
  result[plugin-$engine]=skipped
done
order+=(clang-build sanitize fuzz)
result[clang-build]=skipped
# The core subset on the other engines (docs/engines.md says why these):
# 28.5 changed the most around remote drivers, 26.1 sits between. Whole
# case names (run.sh --exact): `dhcp6` alone, not every case it is part of.
engine_core="journey dhcp-pool-pick block-metadata block-metadata-attack endpoint-mac endpoint-ifname endpoint-sysctls gateway-from-ipam"
declare -A ENGINE_E2E=(
  [26.1]="$engine_core"
  [28.5]="$engine_core ipv6-only gw-priority dhcp6 dhcp6-ipv6-only slaac address6-refused"
)
declare -A ENGINE_PLUGIN=(
  [26.1]="publish install journey"
  [28.5]="publish install journey restart upgrade-registry"
)
PLUGIN_DIR=$HOSTNIC_ROOT/build/plugin-dir
# The failed tests' own output under the sanitizers, shown again at the end.
san_report=$HOSTNIC_ROOT/build/sanitize-failures.log

mkdir -p "$HOSTNIC_ROOT/build"
rm -f "$reasons_log"
late_deps_start
clang_builds_start
engines_fetch_start
plugin_base_start
podman5_root_start
t0=$SECONDS
if (build_hostnic); then
  result[build]=PASS
  took[build]=$((SECONDS - t0))
  say "running unit and integration tests (ctest)"
  # Twice as many tests at once as CPUs: most integration tests wait on
  # their namespaces, daemons and timeouts (cmake/tests.cmake).
  run_suite ctest 3600 "" ctest --test-dir "$HOSTNIC_ROOT/build" --output-on-failure --timeout 300 \
    -j "$(($(nproc) * 2))"
  late_deps_wait
  say "building, installing and removing the Debian package (tests/package/deb_test.sh)"
  run_suite package 600 package "$HOSTNIC_ROOT/tests/package/deb_test.sh" "$HOSTNIC_ROOT/build"
  if [ "${HOSTNIC_E2E:-1}" = 0 ]; then
    say "HOSTNIC_E2E=0: skipping the end-to-end tests"
  else
    say "running end-to-end tests against a real dockerd (tests/e2e/run.sh)"
    run_suite e2e "${HOSTNIC_E2E_TIMEOUT:-900}" e2e "$HOSTNIC_ROOT/tests/e2e/run.sh" "$@"
    say "running hostnic as a CNI plugin under podman (tests/e2e/cni_podman_test.sh)"
    run_suite cni-podman "${HOSTNIC_CNI_TIMEOUT:-300}" cni-e2e "$HOSTNIC_ROOT/tests/e2e/cni_podman_test.sh"
    say "running pods through containerd's CRI plugin, as kubelet does (tests/e2e/cri_test.sh)"
    run_suite cri "${HOSTNIC_CRI_TIMEOUT:-300}" cri "$HOSTNIC_ROOT/tests/e2e/cri_test.sh"
    say "running hostnic as podman 5's netavark plugin (tests/e2e/netavark_test.sh)"
    run_suite netavark "${HOSTNIC_NETAVARK_TIMEOUT:-300}" netavark "$HOSTNIC_ROOT/tests/e2e/netavark_test.sh"
    say "running podman 5 itself in a Debian trixie root (tests/e2e/netavark_test.sh --podman5)"
    t1=$SECONDS
    podman5_root_wait
    run_suite podman5 "${HOSTNIC_PODMAN5_TIMEOUT:-600}" podman5 \
      "$HOSTNIC_ROOT/tests/e2e/netavark_test.sh" --podman5
    took[podman5]=$((SECONDS - t1))   # with the wait for the root
    if [ "${HOSTNIC_PLUGIN_E2E:-1}" = 0 ]; then
      say "HOSTNIC_PLUGIN_E2E=0: skipping the managed-plugin tests"
    else
      say "running managed-plugin end-to-end tests (tests/e2e/plugin_test.sh)"
      rm -rf "$PLUGIN_DIR"
      t1=$SECONDS
      plugin_base_wait
      run_suite plugin "${HOSTNIC_PLUGIN_TIMEOUT:-1500}" plugin \
        env HNP_SAVE_PLUGIN_DIR="$PLUGIN_DIR" HNP_BINARY="$HOSTNIC_ROOT/build/hostnic" \
        "$HOSTNIC_ROOT/tests/e2e/plugin_test.sh"
      took[plugin]=$((SECONDS - t1))   # with the wait for the base tree
    fi
    for engine in $ENGINES; do
      run_engine "$engine"
    done
  fi
  clang_builds_wait
  if [ "${HOSTNIC_FUZZ:-1}" = 0 ]; then
    say "HOSTNIC_FUZZ=0: skipping the fuzzer"
  else
    say "fuzzing the request handlers, DHCP decoder, CNI and netavark parsers for ${HOSTNIC_FUZZ_SECONDS:-60}s (tests/fuzz/run.sh, beside the sanitizers; its output follows theirs)"
    fuzz_start "${HOSTNIC_FUZZ_SECONDS:-60}"
  fi
  if [ "${HOSTNIC_SANITIZE:-1}" = 0 ]; then
    say "HOSTNIC_SANITIZE=0: skipping the sanitizer builds"
  else
    say "running the tests under ASan+UBSan and TSan (scripts/sanitize.sh all)"
    rm -f "$san_report"
    run_suite sanitize 3600 flaky env HOSTNIC_SAN_REPORT="$san_report" "$HOSTNIC_ROOT/scripts/sanitize.sh" all
  fi
  [ -z "${bg_pid[fuzz]:-}" ] || fuzz_finish
else
  result[build]=FAIL
  took[build]=$((SECONDS - t0))
fi

echo
echo "==== hostnic test summary ($((SECONDS - started))s) ===="
status=0
for step in "${order[@]}"; do
  # Seconds of wall time; an engine's row counts both of its suites.
  secs=${took[$step]:+${took[$step]}s}
  printf '  %-11s %6s  %s\n' "$step" "$secs" "${result[$step]}"
  case "${result[$step]}" in FAIL*) status=1 ;; esac
done
if [ -s "$reasons_log" ]; then
  echo
  echo "==== why each failed row failed, and why a case needed a second try (the whole output is above)"
  cat "$reasons_log"
fi
if [ "$status" -eq 0 ]; then echo "  ALL PASSED"; exit 0; fi
echo "  SOME TESTS FAILED"
# The sanitizers' findings are far above by now: their failed tests' output
# once more, last, where a CI log's tail shows it.
if [[ ${result[sanitize]} == FAIL* ]] && [ -s "$san_report" ]; then
  echo
  echo "==== sanitize: the failed tests' output (all of it: $san_report)"
  head -n 300 "$san_report"
fi
exit 1
