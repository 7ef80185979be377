#!/usr/bin/env bash
# Fresh DHCP exchanges against a local server: how long the NIC's own address
# takes from a down NIC to its lease, the NIC put back included --
# DhcpSource::Acquire (4) or Dhcp6Source::Acquire (6).
#
#   bench/dhcp4_exchange.sh [RUNS [PAUSE_MS]]   (as root; default 100, 1100)
#   bench/dhcp6_exchange.sh [RUNS [PAUSE_MS]]
#
# (Both are bench/dhcp_exchange.sh 4|6 ...; run them under
# `flock /tmp/hostnic-net.lock`, as everything that makes links here.)
# Namespaces hnNb-client and hnNb-server (made here, removed on exit) are
# joined by a veth pair; dnsmasq serves in hnNb-server -- DHCPv4 with one
# fixed address for the NIC's MAC, as a cloud serves it (a dynamic address
# would make dnsmasq ping it first, for seconds), and DNS options; or
# DHCPv6, stateful -- and build/dhcp_bench runs RUNS exchanges in
# hnNb-client and prints p50 and p99, with the load average. PAUSE_MS between
# runs lets the kernel's once-a-second report of carrier changes (linkwatch)
# pass, so that each run sees a fresh NIC; PAUSE_MS=0 shows a NIC that
# flapped within the second. A shared, noisy machine: compare runs made side
# by side.
set -Eeuo pipefail
case ${1:-} in -h | --help | '') sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
FAMILY=$1
shift
case $FAMILY in 4 | 6) ;; *) echo "usage: $0 4|6 [RUNS [PAUSE_MS]]" >&2; exit 2 ;; esac
case ${1:-} in -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
RUNS=${1:-100}
PAUSE_MS=${2:-1100}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${DHCP_BENCH:-$ROOT/build/dhcp_bench}
C=hn${FAMILY}b-client S=hn${FAMILY}b-server NIC=hn${FAMILY}b MAC=52:54:0e:e6:${FAMILY}b:01
# One benchmark at a time (bench/lib.sh's lock): they would share the CPUs.
exec 9>/run/lock/hostnic-bench.lock
flock -n 9 || { echo "another hostnic benchmark is running (lock /run/lock/hostnic-bench.lock)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/hostnic-dhcp-bench.XXXXXX)
command -v dnsmasq >/dev/null || { echo "missing dnsmasq (apt-get install dnsmasq-base)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no $BIN: cmake --build build --target dhcp_bench" >&2; exit 1; }
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
ip -n "$C" link add "$NIC" type veth peer name "${NIC}s" netns "$S"
ip -n "$C" link set "$NIC" address "$MAC"
SERVE=(--conf-file=/dev/null --port=0 --interface="${NIC}s" --bind-interfaces
  --dhcp-authoritative --dhcp-leasefile="$WORK/leases" --pid-file="$WORK/pid")
if [ "$FAMILY" = 4 ]; then
  ip -n "$S" addr add 10.77.0.1/24 dev "${NIC}s"
  SERVE+=(--dhcp-range=10.77.0.100,10.77.0.200,255.255.255.0,2m
    --dhcp-host="$MAC,10.77.0.11" --dhcp-option=6,10.77.0.1
    --dhcp-option=15,corp.example --dhcp-option=119,corp.example,example)
else
  # The server's link-local address usable at once, as a cloud's is.
  ip netns exec "$S" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip -n "$S" addr add 2001:db8:6b::1/64 dev "${NIC}s" nodad
  # RAs too, as a cloud's router sends: without one every acquire waits
  # the whole router wait (3 s) and the bench times that wait.
  SERVE+=(--dhcp-range=2001:db8:6b::100,2001:db8:6b::200,64,2m
    --enable-ra --ra-param="${NIC}s,10,1800")
fi
ip -n "$S" link set "${NIC}s" up
ip netns exec "$S" dnsmasq "${SERVE[@]}"
result=$(ip netns exec "$C" "$BIN" "$FAMILY" "$NIC" "$MAC" "$RUNS" "$PAUSE_MS" | tail -1)
echo "DHCPv$FAMILY: $result; load average $(cut -d' ' -f1-3 /proc/loadavg)"
