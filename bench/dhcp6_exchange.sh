#!/usr/bin/env bash
# Fresh DHCPv6 exchanges against a local server: how long Dhcp6Source::Acquire
# takes from a down NIC to its lease, NIC put back included.
#
#   bench/dhcp6_exchange.sh [RUNS [PAUSE_MS]]   (as root; default 100, 1100)
#
# Namespaces hn6b-client and hn6b-server (made here, removed on exit) are
# joined by a veth pair; dnsmasq (DHCPv6, stateful, 2-minute leases) serves
# in hn6b-server, build/dhcp6_bench runs RUNS exchanges in hn6b-client and
# prints p50 and p99. PAUSE_MS between runs lets the kernel's once-a-second
# report of carrier changes (linkwatch) pass, so that each run sees a fresh
# NIC; PAUSE_MS=0 shows a NIC that flapped within the second. A shared, noisy
# machine: compare runs made side by side.
set -Eeuo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
RUNS=${1:-100}
PAUSE_MS=${2:-1100}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${DHCP6_BENCH:-$ROOT/build/dhcp6_bench}
C=hn6b-client S=hn6b-server MAC=52:54:0e:e6:6b:01
# One benchmark at a time (bench/lib.sh's lock): they would share the CPUs.
exec 9>/run/lock/hostnic-bench.lock
flock -n 9 || { echo "another hostnic benchmark is running (lock /run/lock/hostnic-bench.lock)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/hostnic-dhcp6-bench.XXXXXX)
command -v dnsmasq >/dev/null || { echo "missing dnsmasq (apt-get install dnsmasq-base)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no $BIN: cmake --build build --target dhcp6_bench" >&2; exit 1; }
cleanup() {
  [ -s "$WORK/pid" ] && kill "$(cat "$WORK/pid")" 2>/dev/null || true
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$S" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns del "$C" 2>/dev/null || true
ip netns del "$S" 2>/dev/null || true
ip netns add "$C"; ip netns add "$S"
# The server's link-local address usable at once, as a cloud's is.
ip netns exec "$S" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip -n "$C" link add hn6b type veth peer name hn6bs netns "$S"
ip -n "$C" link set hn6b address "$MAC"
ip -n "$S" addr add 2001:db8:6b::1/64 dev hn6bs nodad
ip -n "$S" link set hn6bs up
ip netns exec "$S" dnsmasq --conf-file=/dev/null --port=0 --interface=hn6bs \
  --bind-interfaces --dhcp-authoritative \
  --dhcp-range=2001:db8:6b::100,2001:db8:6b::200,64,2m \
  --dhcp-leasefile="$WORK/leases" --pid-file="$WORK/pid"
ip netns exec "$C" "$BIN" hn6b "$MAC" "$RUNS" "$PAUSE_MS" | tail -1
