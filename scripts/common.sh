# shellcheck shell=bash
# The one shell library: scripts/run.sh and scripts/test.sh, and every test
# suite and benchmark (tests/e2e/*, tests/package, bench/) source it (not run).
# Debian bookworm, run as root. Everything here is idempotent.

HOSTNIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What it takes to build build/hostnic and its unit/integration tests.
# make: cmake only *recommends* it, so a minimal machine may lack it.
# clang and libbpf-dev: the metadata guard's XDP program (src/guard/).
HOSTNIC_BUILD_DEPS=(cmake make g++ pkg-config libcpp-httplib-dev nlohmann-json3-dev
                    libnl-3-dev libnl-route-3-dev libspdlog-dev libcli11-dev
                    googletest libgtest-dev libgmock-dev libsystemd-dev help2man
                    clang libbpf-dev)
# What the end-to-end tests need on top: a real Docker engine, a static
# busybox for the test image, ip(8) for the stand-in NICs, dnsmasq for the
# cloud's DHCP server, docker-registry for the managed plugin's registry flow,
# containernetworking-plugins for the CNI tests' IPAM plugins and host-device,
# podman (its CNI backend) for the CNI end-to-end tests, python3-yaml to
# check docs/kubernetes.md's manifests, containerd (its CRI plugin) and
# python3-grpcio with python3-grpc-tools for the CRI client of
# tests/e2e/cri_test.sh, jq and debian-archive-keyring (trixie's netavark
# is fetched with it) for tests/e2e/netavark_test.sh, debootstrap for its
# podman 5 root.
HOSTNIC_TEST_DEPS=(docker.io busybox-static iproute2 curl util-linux dnsmasq-base docker-registry
                   containernetworking-plugins podman python3-yaml
                   containerd runc python3-grpcio python3-grpc-tools jq debian-archive-keyring
                   debootstrap
                   clang-14 libclang-rt-14-dev llvm-14)
# Of those, what only the Docker, podman and containerd steps use (after
# ctest and the build): scripts/test.sh installs them in the background
# while it builds, the rest (what the build, ctest and its background jobs
# use) before it starts anything.
HOSTNIC_LATE_TEST_DEPS=(docker.io docker-registry containernetworking-plugins podman
                        containerd runc python3-grpcio python3-grpc-tools)

say() { printf '[hostnic] %s\n' "$*" >&2; }
die() { printf '[hostnic] error: %s\n' "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" -eq 0 ] ||
    die "this needs root (it installs packages and manages network devices); run it with sudo"
}

# ensure_packages PKG...: installs the ones that are not installed yet, quietly.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
  say "installing ${missing[*]} (apt-get, this happens once)"
  local log
  log=$(mktemp /tmp/hostnic-apt.XXXXXX)
  if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    die "apt-get update failed (see above): check the machine's apt sources and network"
  fi
  # Lock::Timeout: another install on the machine (scripts/test.sh's own in
  # the background) is waited for, not failed.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "${missing[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2; rm -f "$log"
    die "apt-get install ${missing[*]} failed (see above)"
  fi
  rm -f "$log"
  say "installed ${missing[*]}"
}

# build_hostnic [TARGET...]: configures and builds a Release tree in build/.
# Output is kept in build/build.log and shown only when something fails.
build_hostnic() {
  local build="$HOSTNIC_ROOT/build" jobs log args=()
  jobs=$(nproc 2>/dev/null || echo 2)
  mkdir -p "$build"
  log="$build/build.log"
  for t in "$@"; do args+=(--target "$t"); done
  say "building hostnic (Release) in build/ ..."
  # The unit tests in batches of files (cmake/tests.cmake), file by file when
  # a batch does not compile (two files' file-local names clash).
  if ! { cmake -S "$HOSTNIC_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOSTNIC_BUILD_TESTS=ON \
           -DHOSTNIC_UNITY_TESTS="${HOSTNIC_UNITY_TESTS:-ON}" &&
         cmake --build "$build" -j "$jobs" "${args[@]}"; } >"$log" 2>&1 &&
     ! { [ "${HOSTNIC_UNITY_TESTS:-ON}" = ON ] &&
         echo "a batch of unit test files did not compile; building them file by file" &&
         cmake -S "$HOSTNIC_ROOT" -B "$build" -DHOSTNIC_UNITY_TESTS=OFF &&
         cmake --build "$build" -j "$jobs" "${args[@]}"; } >>"$log" 2>&1; then
    grep -E -m 40 -i 'error|fatal|undefined reference' "$log" >&2 || tail -n 40 "$log" >&2
    die "build failed; full output in build/build.log"
  fi
  [ -x "$build/hostnic" ] || die "build finished but build/hostnic is missing; see build/build.log"
  say "built build/hostnic"
}

# ---------------------------------------------------------------- tests
# What every test suite shares (tests/e2e/*, tests/package, bench/): the
# output conventions scripts/test.sh reads, one case runner, one dockerd.

note() { printf '    %s\n' "$*" >&2; }
one_line() { printf '%s' "$*" | tr '\n' ' ' | cut -c1-800; }

# poll SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds (0) or
# SECONDS have passed (1).
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# add_veth_nic NIC MAC PEER NETNS: a veth that plays a hot-plugged NIC: NIC
# with MAC on the host, its far end PEER (down) in namespace NETNS.
add_veth_nic() {
  ip link add "$1" type veth peer name "$3" &&
    ip link set "$1" address "$2" &&
    ip link set "$3" netns "$4"
}

# suite_skip ROW REASON: the whole suite cannot run here (a missing runtime,
# an unreachable mirror): "SKIP ROW: REASON" and exit status 77, which
# scripts/test.sh reports as the row SKIPPED with the reason.
suite_skip() {
  printf 'SKIP %s: %s\n' "$1" "$2"
  exit 77
}

# Cases. A case (or step) is a function run_case runs in a subshell with
# set -eEuo pipefail: `fail MESSAGE` ends it failed, `skip REASON` ends it
# skipped, and a command that fails unexpectedly fails it naming its line.
# run_case prints "PASS name (Ns)", "FAIL name: reason" or "SKIP name:
# reason" on stdout and adds the name to PASSED, FAILED or SKIPPED. A suite
# may define case_started, case_cleanup (after every case) and case_failed
# (after a failed one, e.g. to show its daemon's log). CASE_DIR holds the
# reason files; suites set it to their work directory. A suite whose cases
# are written to return non-zero instead (no set -e; they restart the
# suite's own daemon, so they run in its shell) sets CASE_RETURNS=1: its
# cases run in the suite's shell, and `fail` records and returns 1.
PASSED=() SKIPPED=() FAILED=() FLAKY=()
CASES=()
register_case() { CASES+=("$1:$2"); }

# fail MESSAGE: ends the current case as failed with MESSAGE as its reason.
fail() {
  [ -z "${CASE_DIR:-}" ] || printf '%s\n' "$*" >>"$CASE_DIR/case.reason"
  note "FAIL: $*"
  [ "${CASE_RETURNS:-0}" = 1 ] && return 1
  exit 1
}

# skip REASON: ends the current case as skipped (never counted as a pass).
skip() {
  [ -z "${CASE_DIR:-}" ] || printf '%s\n' "$*" >>"$CASE_DIR/case.skip"
  note "SKIP: $*"
  exit 0
}

# select_cases [--exact] [WORD...]: sets `selected` to the registered cases
# whose names contain one of the words (every case without words); fails,
# listing the cases, when none matches. With --exact each word is a whole
# case name, and one that names no case fails (a list kept in a script, e.g.
# scripts/test.sh's per-engine cases, selects exactly what it lists).
select_cases() {
  local c w exact=0 unknown=()
  if [ "${1:-}" = --exact ]; then exact=1; shift; fi
  selected=()
  for c in "${CASES[@]}"; do
    if [ "$#" -eq 0 ]; then selected+=("$c"); continue; fi
    for w in "$@"; do
      if ((exact)); then [ "${c%%:*}" = "$w" ] || continue
      else case "${c%%:*}" in *"$w"*) ;; *) continue ;; esac
      fi
      selected+=("$c")
      break
    done
  done
  if ((exact)); then
    for w in "$@"; do
      printf '%s\n' "${CASES[@]%%:*}" | grep -qxF -- "$w" || unknown+=("$w")
    done
  fi
  [ "${#selected[@]}" -gt 0 ] && [ "${#unknown[@]}" -eq 0 ] && return 0
  echo "no case matches '${unknown[*]:-$*}'; cases: $(printf '%s ' "${CASES[@]%%:*}")" >&2
  return 1
}

# run_case NAME FUNCTION: runs one case (see above). With CASE_RETRY=1 a
# failed case is cleaned up and run once more: "RETRY name: reason" says why
# the first try failed, and a pass on the second try is reported as
# "PASS name (Ns, passed on the second try; first: reason)" and listed as
# flaky by case_summary (the suite still passes).
run_case() {
  local name=$1 fn=$2 rc reason first="" try t0=$SECONDS
  for try in 1 2; do
    : >"$CASE_DIR/case.reason"
    rm -f "$CASE_DIR/case.skip"
    printf '[%s] ---- %s\n' "${SUITE:-test}" "$name" >&2
    ! declare -F case_started >/dev/null || case_started
    if [ "${CASE_RETURNS:-0}" = 1 ]; then
      "$fn"
    else (
      set -eEuo pipefail
      trap 'fail "unexpected failure at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR
      "$fn"
    ) fi
    rc=$?
    # All of it on one line: a reason's first line is often the command, its
    # next ones the engine's answer, which says why.
    reason=$(grep -v '^[[:space:]]*$' "$CASE_DIR/case.reason" | head -n 8 | paste -sd'|' - |
             sed 's/|/ | /g' | cut -c1-300)
    ! declare -F case_cleanup >/dev/null || case_cleanup
    if [ "$rc" -eq 0 ] || [ "$try" -eq 2 ] || [ "${CASE_RETRY:-0}" != 1 ]; then break; fi
    first=${reason:-exit status $rc}
    echo "RETRY $name: $first"
    ! declare -F case_failed >/dev/null || case_failed
  done
  if [ "$rc" -eq 0 ] && [ -s "$CASE_DIR/case.skip" ]; then
    echo "SKIP $name: $(head -n 1 "$CASE_DIR/case.skip")"
    SKIPPED+=("$name")
  elif [ "$rc" -eq 0 ]; then
    echo "PASS $name ($((SECONDS - t0))s${first:+, passed on the second try; first: $first})"
    PASSED+=("$name")
    [ -z "$first" ] || FLAKY+=("$name")
  else
    echo "FAIL $name: ${reason:-exit status $rc}${first:+ (first try: $first)}"
    FAILED+=("$name")
    ! declare -F case_failed >/dev/null || case_failed
  fi
}

# case_summary SUITE SINCE: "SUITE: N passed, N skipped, N failed (Ts)" and
# the names skipped and failed; returns 1 when a case failed.
case_summary() {
  echo
  echo "$1: ${#PASSED[@]} passed, ${#SKIPPED[@]} skipped, ${#FAILED[@]} failed ($((SECONDS - $2))s)"
  [ "${#SKIPPED[@]}" -eq 0 ] || echo "skipped: ${SKIPPED[*]}"
  [ "${#FLAKY[@]}" -eq 0 ] || echo "flaky (passed on the second try): ${FLAKY[*]}"
  [ "${#FAILED[@]}" -eq 0 ] || { echo "failed: ${FAILED[*]}"; return 1; }
}

# ensure_dockerd CLIENT WORKDIR: a dockerd answering CLIENT (Debian's docker
# or another engine's): the one already answering on /var/run/docker.sock,
# else one started here (log WORKDIR/dockerd.log, its PID in
# WORKDIR/dockerd.pid for stop_dockerd), given 90 s to answer. Installs
# docker.io when the client or dockerd is missing. Returns 1, showing the
# end of dockerd's log, when no engine answers.
ensure_dockerd() {
  local client=$1 work=$2
  if [ ! -x "$client" ] || ! command -v dockerd >/dev/null; then
    (ensure_packages docker.io) || { say "no Docker engine here (apt-get install docker.io)"; return 1; }
  fi
  if timeout 60 "$client" info >/dev/null 2>&1; then
    say "using the dockerd already answering on /var/run/docker.sock"
    return 0
  fi
  say "starting dockerd (log: $work/dockerd.log)"
  # 9>&-: a suite's lock (fd 9) stays the suite's, not dockerd's.
  dockerd >"$work/dockerd.log" 2>&1 </dev/null 9>&- &
  echo $! >"$work/dockerd.pid"
  # shellcheck disable=SC2016  # expanded by the inner bash
  if ! poll 90 bash -c 'kill -0 "$1" 2>/dev/null || exit 0; timeout 10 "$2" info >/dev/null 2>&1' _ \
         "$!" "$client" || ! timeout 10 "$client" info >/dev/null 2>&1; then
    say "dockerd did not come up; its log ends with:"
    tail -n 20 "$work/dockerd.log" >&2
    return 1
  fi
}

# stop_dockerd WORKDIR: stops the dockerd ensure_dockerd started, by its PID.
stop_dockerd() {
  local pid
  pid=$(cat "$1/dockerd.pid" 2>/dev/null) || return 0
  rm -f "$1/dockerd.pid"
  kill -0 "$pid" 2>/dev/null || return 0
  say "stopping the dockerd we started (pid $pid)"
  kill -TERM "$pid" 2>/dev/null
  # shellcheck disable=SC2016  # expanded by the inner bash
  poll 30 bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid" || kill -KILL "$pid" 2>/dev/null
  return 0
}

# stop_pidfile FILE SECONDS: stops the process whose PID FILE holds (one this
# suite started), SIGTERM, then SIGKILL after SECONDS; removes FILE.
stop_pidfile() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  rm -f "$1"
  kill "$pid" 2>/dev/null || return 0
  # shellcheck disable=SC2016  # expanded by the inner bash
  poll "$2" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid" || kill -9 "$pid" 2>/dev/null
  return 0
}

# hostnic_start BIN SOCKET LOG [FLAG...]: a daemon of the suite's own on
# SOCKET, its output appended to LOG; sets HOSTNIC_PID and waits up to 10 s
# for `hostnic status` to answer (1 if it does not).
hostnic_start() {
  local bin=$1 sock=$2 log=$3
  shift 3
  "$bin" --socket "$sock" "$@" >>"$log" 2>&1 &
  HOSTNIC_PID=$!
  poll 10 "$bin" status --socket "$sock" >/dev/null 2>&1
}

# hostnic_stop [SIGNAL]: stops the daemon hostnic_start started and waits.
hostnic_stop() {
  [ -n "${HOSTNIC_PID:-}" ] || return 0
  kill "-${1:-TERM}" "$HOSTNIC_PID" 2>/dev/null
  wait "$HOSTNIC_PID" 2>/dev/null
  HOSTNIC_PID=
}
