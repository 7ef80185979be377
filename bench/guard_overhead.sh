#!/usr/bin/env bash
# What the metadata guard costs ordinary traffic: two identical veth NICs in
# one run, one carrying the guard's XDP program (build/guard.bpf.o, the object
# hostnic embeds) and one without, measured alternately.
#
#   bench/guard_overhead.sh [REPS]     (as root; REPS default 3)
#
# Namespaces hng-client and hng-server (made here, removed on exit) are joined
# by two veth pairs: 10.88.1.0/24 (guarded: the program on the client's end,
# so every answer the client receives goes through it, as in a container)
# and 10.88.2.0/24 (unguarded). The program is attached with `ip`, its
# address maps left empty: ordinary traffic pays the same parsing and hash
# lookups either way, and frames from a guarded address are not the point.
# Metrics: small-packet UDP the server sends to the client (iperf3 -R -u
# -l 64 -b 0: packets/s the client receives) and the round trip of a 64-byte
# UDP message (sockperf ping-pong, p50 and p99 in microseconds). Prints
# medians and guarded/unguarded ratios. A shared, noisy machine: compare the
# ratio, not the absolute numbers.
set -Eeuo pipefail
REPS=${1:-3}
DURATION=${DURATION:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OBJ=${GUARD_OBJ:-$ROOT/build/guard.bpf.o}
C=hng-client S=hng-server
for c in ip iperf3 sockperf jq; do
  command -v "$c" >/dev/null || { echo "missing $c (apt-get install iproute2 iperf3 sockperf jq)" >&2; exit 1; }
done
[ -f "$OBJ" ] || { echo "no $OBJ: build hostnic first" >&2; exit 1; }
cleanup() {
  ip netns pids "$S" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$S" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$C"; ip netns add "$S"
for n in 1 2; do
  ip -n "$C" link add hng$n type veth peer name hng${n}s netns "$S"
  ip -n "$C" addr add 10.88.$n.2/24 dev hng$n; ip -n "$C" link set hng$n up
  ip -n "$S" addr add 10.88.$n.1/24 dev hng${n}s; ip -n "$S" link set hng${n}s up
done
ip -n "$C" link set hng1 xdp obj "$OBJ" sec xdp
ip -n "$C" link show hng1 | grep -q 'prog/xdp' || { echo "the guard did not attach" >&2; exit 1; }
ip netns exec "$S" iperf3 -s -p 5201 >/dev/null 2>&1 &
ip netns exec "$S" sockperf server -i 0.0.0.0 -p 11111 >/dev/null 2>&1 &
sleep 1

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A PPS P50 P99
for r in $(seq "$REPS"); do
  for n in 1 2; do
    j=$(ip netns exec "$C" iperf3 -c 10.88.$n.1 -p 5201 -R -u -l 64 -b 0 -t "$DURATION" -J)
    PPS[$n]+="$(jq -r '.end.sum.packets - .end.sum.lost_packets' <<<"$j" | awk -v d="$DURATION" '{printf "%.0f", $1/d}') "
    out=$(ip netns exec "$C" sockperf ping-pong -i 10.88.$n.1 -p 11111 -m 64 -t "$DURATION" 2>&1)
    P50[$n]+="$(awk '/percentile 50.000/ {print $NF}' <<<"$out") "
    P99[$n]+="$(awk '/percentile 99.000/ {print $NF}' <<<"$out") "
  done
done
m() { tr ' ' '\n' <<<"$1" | grep . | median; }
printf '%-22s %14s %14s %8s\n' metric guarded unguarded ratio
for k in PPS P50 P99; do
  declare -n v=$k
  g=$(m "${v[1]}") u=$(m "${v[2]}")
  printf '%-22s %14s %14s %8s\n' \
    "$(case $k in PPS) echo 'UDP 64 B received/s';; P50) echo 'RTT p50 (us)';; P99) echo 'RTT p99 (us)';; esac)" \
    "$g" "$u" "$(awk -v g="$g" -v u="$u" 'BEGIN {printf "%.3f", (u ? g/u : 0)}')"
done
echo "($REPS repetitions of ${DURATION} s each, alternating; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
