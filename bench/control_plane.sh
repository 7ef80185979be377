#!/usr/bin/env bash
# Control-plane benchmark: per-call latency of CreateEndpoint/Join/Leave/
# DeleteEndpoint over the daemon's socket as the number of NICs grows, plus
# resident memory and start time. Each size runs in a network namespace of its
# own (veth pairs stand in for hot-plugged NICs), so the host is untouched.
#
#   bench/control_plane.sh [SIZES...]     default: 8 128 1024
#
# Then, on 8 NICs whose far ends share a bridge with a DHCP server (Debian's
# dnsmasq), CreateEndpoint on a null-IPAM network: the first per NIC asks
# DHCP ("CreateEndpoint/dhcp"), later ones reuse the stored lease
# ("CreateEndpoint/lease"), beside the --ip path on the same NICs.
#
# Needs root and a build of hostnic and rpc_bench in BUILD_DIR (default
# build/; scripts/run.sh or scripts/test.sh make it). State goes to tmpfs
# (driver cost) and to disk (what a real deployment pays: network records
# are fsynced, the others only written and renamed; see
# src/store/file_store.h); compare the rows of one run, not across machines.
#
# Per size and state kind it also records the daemon's threads right after
# the cycles and after IDLE_SECONDS without a call (request workers end after
# 30 s idle), and its anonymous memory (RssAnon: heap and stacks, not shared
# libraries) then.
#
# Environment: BUILD_DIR (build), CYCLES (1000 endpoint cycles per size and
# state kind), IDLE_SECONDS (31), RESULTS_DIR (bench/results:
# control_plane.tsv is written there).
set -euo pipefail
case ${1:-} in
-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$BUILD_DIR/hostnic
BENCH=$BUILD_DIR/rpc_bench
[[ -x $BIN && -x $BENCH ]] ||
  { echo "build first: cmake --build $BUILD_DIR --target hostnic rpc_bench (or set BUILD_DIR)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "must run as root" >&2; exit 1; }
SIZES=("${@:-8 128 1024}")
read -r -a SIZES <<<"${SIZES[*]}"
CYCLES=${CYCLES:-1000}
IDLE_SECONDS=${IDLE_SECONDS:-31}
RESULTS_DIR=${RESULTS_DIR:-bench/results}
mkdir -p "$RESULTS_DIR"
TSV=$RESULTS_DIR/control_plane.tsv
PREFIX=02:42:b0:00
WORK=$(mktemp -d /var/tmp/hostnic-bench.XXXXXX)
NS=hnbench-$$
PEER_NS=hnbench-peer-$$
PID=
DHCP_PID=

cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [[ -n $DHCP_PID ]] && kill "$DHCP_PID" 2>/dev/null && wait "$DHCP_PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null || true
  ip netns del "$PEER_NS" 2>/dev/null || true
  rm -rf "$WORK" /dev/shm/hostnic-bench-$$
}
trap cleanup EXIT

make_nics() {  # $1 = NICs: veth pairs hb<i> / hbp<i> in $NS
  local n=$1 batch=$WORK/batch i
  ip netns add "$NS"
  : >"$batch"
  for ((i = 0; i < n; i++)); do
    printf 'link add hb%d address %s:%02x:%02x type veth peer name hbp%d\n' \
      "$i" "$PREFIX" $((i / 256)) $((i % 256)) "$i" >>"$batch"
  done
  ip -n "$NS" -batch "$batch"
}

# run_size NICS STATE_KIND [MODE]: STATE_KIND tmpfs|disk, MODE ip|dhcp. Uses
# the NICs in $NS when it exists (the DHCP set-up), else makes and removes
# its own.
run_size() {
  local n=$1 kind=$2 mode=${3:-ip} state sock own=
  if ! ip netns list | grep -qw "$NS"; then make_nics "$n"; own=1; fi
  if [[ $kind == tmpfs ]]; then state=/dev/shm/hostnic-bench-$$; else state=$WORK/state; fi
  rm -rf "$state"
  sock=$WORK/hostnic.sock
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$NS" "$BIN" --socket "$sock" --state-dir "$state" --log-level warn &
  PID=$!
  until [[ -S $sock ]]; do
    kill -0 "$PID" 2>/dev/null || { echo "hostnic exited during start-up" >&2; PID=; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  local out rss threads idle_threads anon
  out=$("$BENCH" "$sock" "$PREFIX" "$n" "$CYCLES" "$mode")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$PID/status")
  # Request workers end after 30 s without a call: what an idle daemon keeps.
  sleep "$IDLE_SECONDS"
  idle_threads=$(awk '/^Threads/ {print $2}' "/proc/$PID/status")
  anon=$(awk '/RssAnon/ {print $2}' "/proc/$PID/status")
  kill "$PID"; wait "$PID" || true; PID=
  [[ -z $own ]] || ip netns del "$NS"
  echo "$out" | awk -v n="$n" -v kind="$kind" -v rss="$rss" \
    -v start=$(((t1 - t0) / 1000000)) -v threads="$threads" -v idle="$idle_threads" -v anon="$anon" \
    'NR > 1 {printf "%s\t%s\t%s\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%d\n", n, kind, $1, $3, $4, rss, start, threads, idle, anon}' |
    tee -a "$TSV" | awk -F'\t' '{printf "%-6s %-6s %-16s %8s %8s %8s %8s %7s %7s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}'
}

{
  printf '# %s, %s vCPU, kernel %s; CYCLES=%s\n' "$(date -u '+%F %H:%MZ')" "$(nproc)" "$(uname -r)" "$CYCLES"
  printf 'nics\tstate\tmethod\tp50_us\tp99_us\trss_kb\tstart_ms\tthreads\tidle_threads\tanon_kb\n'
} >"$TSV"
printf '%-6s %-6s %-16s %8s %8s %8s %8s %7s %7s %8s\n' nics state method p50_us p99_us rss_kb start_ms threads idle anon_kb
for n in "${SIZES[@]}"; do
  run_size "$n" tmpfs
  run_size "$n" disk
done

# The NIC's own address: 8 NICs on a bridge with dnsmasq (per-MAC leases).
command -v dnsmasq >/dev/null || apt-get install -y -q dnsmasq-base >/dev/null
make_nics 8
ip netns add "$PEER_NS"
ip -n "$PEER_NS" link add hbbr type bridge
ip -n "$PEER_NS" addr add 192.168.78.1/24 dev hbbr
ip -n "$PEER_NS" link set hbbr up
for ((i = 0; i < 8; i++)); do
  ip -n "$NS" link set "hbp$i" netns "$PEER_NS"
  ip -n "$PEER_NS" link set "hbp$i" master hbbr
  ip -n "$PEER_NS" link set "hbp$i" up
done
# Per-MAC addresses, as a cloud serves them (a dynamic range would also
# measure dnsmasq's ping check before each new offer, about 3 s).
hosts=()
for ((i = 0; i < 8; i++)); do
  hosts+=("--dhcp-host=$PREFIX:00:$(printf %02x "$i"),192.168.78.$((10 + i))")
done
ip netns exec "$PEER_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 "${hosts[@]}" \
  --no-resolv --no-hosts --interface=hbbr --bind-interfaces --dhcp-authoritative \
  --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
  --dhcp-range=192.168.78.10,192.168.78.250,255.255.255.0,1h \
  --dhcp-option=option:router,192.168.78.1 --log-facility="$WORK/dnsmasq.log" &
DHCP_PID=$!
sleep 0.5
CYCLES_SAVED=$CYCLES
CYCLES=${DHCP_CYCLES:-200}
run_size 8 tmpfs ip
run_size 8 tmpfs dhcp
CYCLES=$CYCLES_SAVED
kill "$DHCP_PID"; wait "$DHCP_PID" 2>/dev/null || true; DHCP_PID=
ip netns del "$NS"; ip netns del "$PEER_NS"
