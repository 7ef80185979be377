# shellcheck shell=bash disable=SC2034,SC2015,SC2086
# Helpers shared by bench/data_plane.sh and bench/docker_run.sh (sourced).
#
# The world a benchmark runs in, all of it made here and removed by
# bench_cleanup (from an EXIT trap):
#   - a real dockerd: the one answering on /var/run/docker.sock, else one we
#     start and later stop by its PID (never by name);
#   - the image hostnic-bench/busybox (imported from busybox-static if absent,
#     removed again if we imported it);
#   - one stand-in NIC: a veth pair $BENCH_NIC / ${BENCH_NIC}p whose far end
#     lives in the netns $PEER_NS with $PEER_IP/24: it plays the cloud's
#     switch and gateway, and the benchmark servers run there;
#   - build/hostnic serving the driver "hostnic-bench" on its own socket, with
#     its own state dir, allowed to touch only the bench NIC (--allow-nic MAC).
# Containers and networks carry the label hostnic-bench=1; cleanup removes
# only those. Traffic only ever goes to addresses inside namespaces made here.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
# The shell library every script shares: ensure_packages, ensure_dockerd.
source "$REPO_ROOT/scripts/common.sh"
BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO_ROOT/$BUILD_DIR ;; esac
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
DOCKER=/usr/bin/docker                 # Debian's 20.10 client (accepts --mac-address)
IMAGE=hostnic-bench/busybox
LABEL=hostnic-bench=1
DRIVER=hostnic-bench
SOCKET=/run/docker/plugins/$DRIVER.sock
PEER_NS=hnb-peer
BENCH_NIC=hnb0
BENCH_MAC=52:54:0e:b0:77:01
BENCH_PREFIX=${BENCH_PREFIX:-192.168.77}   # /24 used only inside our namespaces
SUBNET=$BENCH_PREFIX.0/24
PEER_IP=$BENCH_PREFIX.1                    # far end: "cloud gateway", servers
HOSTSIDE_IP=$BENCH_PREFIX.2                # the NIC's address for host/bridge
HOSTNIC_IP=$BENCH_PREFIX.3
MACVLAN_IP=$BENCH_PREFIX.4
SLEEPER=(sh -c 'trap "exit 0" TERM INT; while :; do sleep 1 & wait $!; done')
HOST_NETNS_PID=$$                          # a process in the host netns

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
dk() { timeout 120 "$DOCKER" "$@"; }

# need CMD PACKAGE: installs the Debian package if CMD is missing.
need() {
  command -v "$1" >/dev/null 2>&1 || (ensure_packages "$2") || die "could not install $2"
}

bench_init() {
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  [ -x "$BUILD_DIR/hostnic" ] ||
    die "no $BUILD_DIR/hostnic: build first (cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2), or set BUILD_DIR"
  need ip iproute2; need nsenter util-linux; need jq jq; need curl curl
  [ -x "$DOCKER" ] || need dockerd docker.io
  [ -x "$DOCKER" ] || die "no $DOCKER (Debian's docker.io client)"
  command -v busybox >/dev/null || need busybox busybox-static
  # One benchmark at a time: they share names and would share the CPUs.
  exec 9>/run/lock/hostnic-bench.lock
  flock -n 9 || die "another hostnic benchmark is running (lock /run/lock/hostnic-bench.lock)"
  BENCH_WORK=$(mktemp -d /tmp/hostnic-bench.XXXXXX)
  mkdir -p "$BENCH_WORK/state" "$RESULTS_DIR"
}

# ------------------------------------------------------------------ dockerd
ensure_image() {
  dk image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  local rootfs=$BENCH_WORK/rootfs a
  log "importing $IMAGE from $(command -v busybox)"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for a in sh ip sleep true cat; do ln -sf busybox "$rootfs/bin/$a"; done
  tar -C "$rootfs" -c . | dk import - "$IMAGE:latest" >/dev/null
  BENCH_IMPORTED_IMAGE=1
}

# ------------------------------------------------------------ the stand-in NIC
nic_on_host() { ip -o link show dev "$BENCH_NIC" 2>/dev/null | grep -qi "link/ether $BENCH_MAC"; }

wait_nic_home() {
  local deadline=$((SECONDS + 30))
  until nic_on_host; do
    [ "$SECONDS" -lt "$deadline" ] || die "$BENCH_NIC did not come back to the host"
    sleep 0.1
  done
}

make_world() {
  ip -o link | grep -qi "link/ether $BENCH_MAC" && die "a device already has $BENCH_MAC (leftover run?)"
  ip netns add "$PEER_NS" || die "netns $PEER_NS exists (leftover run?)"
  ip -n "$PEER_NS" link set lo up
  add_veth_nic "$BENCH_NIC" "$BENCH_MAC" "${BENCH_NIC}p" "$PEER_NS"
  ip -n "$PEER_NS" addr add "$PEER_IP/24" dev "${BENCH_NIC}p"
  ip -n "$PEER_NS" link set "${BENCH_NIC}p" up
}

# -------------------------------------------------------------- hostnic
hostnic_answers() {
  [ -S "$SOCKET" ] && curl -sf --max-time 2 --unix-socket "$SOCKET" -X POST -d '{}' \
    http://hostnic/Plugin.Activate 2>/dev/null | grep -q NetworkDriver
}

start_hostnic() {
  [ -e "$SOCKET" ] && die "$SOCKET exists: another run is going on (or crashed)"
  mkdir -p "$(dirname "$SOCKET")"
  "$BUILD_DIR/hostnic" --socket "$SOCKET" --state-dir "$BENCH_WORK/state" \
    --log-level warn --allow-nic "$BENCH_MAC" >"$BENCH_WORK/hostnic.log" 2>&1 </dev/null 9>&- &
  HOSTNIC_PID=$!
  local deadline=$((SECONDS + 30))
  until hostnic_answers; do
    kill -0 "$HOSTNIC_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] ||
      { tail -n 20 "$BENCH_WORK/hostnic.log" >&2; die "hostnic did not answer on $SOCKET"; }
    sleep 0.1
  done
}

stop_hostnic() {
  [ -n "${HOSTNIC_PID:-}" ] || return 0
  kill -TERM "$HOSTNIC_PID" 2>/dev/null
  local i
  for i in $(seq 100); do kill -0 "$HOSTNIC_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$HOSTNIC_PID" 2>/dev/null
  wait "$HOSTNIC_PID" 2>/dev/null
  HOSTNIC_PID=
  [ -S "$SOCKET" ] && rm -f "$SOCKET"
}

# ------------------------------------------------------------- containers
remove_bench_objects() {
  local ids
  ids=$(dk ps -aq --filter "label=$LABEL" 2>/dev/null)
  [ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1
  ids=$(dk network ls -q --filter "label=$LABEL" 2>/dev/null)
  [ -z "$ids" ] || dk network rm $ids >/dev/null 2>&1
  return 0
}

container_pid() { dk inspect -f '{{.State.Pid}}' "$1"; }

bench_cleanup() {
  set +e
  trap - ERR
  [ -n "${BENCH_WORK:-}" ] || return 0
  log "cleaning up"
  if dk info >/dev/null 2>&1; then
    remove_bench_objects
    [ -n "${BENCH_HAD_GWBRIDGE:-}" ] || ! dk network inspect docker_gwbridge >/dev/null 2>&1 ||
      dk network rm docker_gwbridge >/dev/null 2>&1
    [ -z "${BENCH_IMPORTED_IMAGE:-}" ] || dk rmi "$IMAGE" >/dev/null 2>&1
  fi
  stop_hostnic
  ip link del "$BENCH_NIC" 2>/dev/null
  ip netns del "$PEER_NS" 2>/dev/null
  stop_dockerd "$BENCH_WORK"
  rm -rf "$BENCH_WORK"
}

# --------------------------------------------------------------- statistics
# median: the median of the numbers on stdin (NA lines ignored).
median() {
  grep -Ev '^(NA|)$' | sort -g | awk '{v[NR] = $1}
    END { if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2];
          else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B with 2 decimals, NA if either is missing.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "" || b + 0 == 0) print "NA";
                                   else printf "%.2f\n", a / b }'
}

machine_line() {
  printf '%s, %s vCPU (%s), kernel %s, docker %s' "$(date -u '+%F %H:%MZ')" "$(nproc)" \
    "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)" \
    "$(dk version -f '{{.Server.Version}}' 2>/dev/null)"
}
