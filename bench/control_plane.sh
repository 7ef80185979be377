#!/usr/bin/env bash
# Control-plane benchmark: per-call latency of CreateEndpoint/Join/Leave/
# DeleteEndpoint over the daemon's socket as the number of NICs grows, plus
# resident memory and start time. Each size runs in a network namespace of its
# own (veth pairs stand in for hot-plugged NICs), so the host is untouched.
#
#   bench/control_plane.sh [SIZES...]     default: 8 128 1024
#
# Needs root and a build in build/ (scripts/run.sh or scripts/test.sh make it).
# State goes to tmpfs (driver cost) and to disk (with the fsyncs a real
# deployment pays); compare the rows of one run, not across machines.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/hostnic
BENCH=build/rpc_bench
[[ -x $BIN && -x $BENCH ]] || { echo "build first: cmake --build build" >&2; exit 1; }
SIZES=("${@:-8 128 1024}")
read -r -a SIZES <<<"${SIZES[*]}"
CYCLES=${CYCLES:-1000}
PREFIX=02:42:b0:00
WORK=$(mktemp -d /var/tmp/hostnic-bench.XXXXXX)
NS=hnbench-$$
PID=

cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK" /dev/shm/hostnic-bench-$$
}
trap cleanup EXIT

run_size() {  # $1 = NICs, $2 = state dir kind (tmpfs|disk)
  local n=$1 kind=$2 state sock batch i
  ip netns add "$NS"
  batch=$WORK/batch
  : >"$batch"
  for ((i = 0; i < n; i++)); do
    printf 'link add hb%d address %s:%02x:%02x type veth peer name hbp%d\n' \
      "$i" "$PREFIX" $((i / 256)) $((i % 256)) "$i" >>"$batch"
  done
  ip -n "$NS" -batch "$batch"
  if [[ $kind == tmpfs ]]; then state=/dev/shm/hostnic-bench-$$; else state=$WORK/state; fi
  rm -rf "$state"
  sock=$WORK/hostnic.sock
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$NS" "$BIN" --socket "$sock" --state-dir "$state" --log-level warn &
  PID=$!
  until [[ -S $sock ]]; do sleep 0.005; done
  t1=$(date +%s%N)
  local out rss
  out=$("$BENCH" "$sock" "$PREFIX" "$n" "$CYCLES")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
  kill "$PID"; wait "$PID" || true; PID=
  ip netns del "$NS"
  echo "$out" | awk -v n="$n" -v kind="$kind" -v rss="$rss" \
    -v start=$(((t1 - t0) / 1000000)) \
    'NR > 1 {printf "%-6s %-6s %-16s %8.1f %8.1f %8d %8d\n", n, kind, $1, $3, $4, rss, start}'
}

printf '%-6s %-6s %-16s %8s %8s %8s %8s\n' nics state method p50_us p99_us rss_kb start_ms
for n in "${SIZES[@]}"; do
  run_size "$n" tmpfs
  run_size "$n" disk
done
