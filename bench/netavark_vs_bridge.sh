#!/usr/bin/env bash
# podman 5's network setup and teardown through Debian trixie's netavark
# 1.14 (tests/e2e/netavark_lib.sh fetches and caches it): hostnic's plugin
# handing a stand-in NIC to the container, beside netavark's own bridge
# driver (a veth on a bridge), both with a static address as podman's IPAM
# gives it and NETAVARK_FW=none. setup+teardown latency, median of N, the
# two taking turns so both see the same machine load.
#
#     bench/netavark_vs_bridge.sh [N]      (as root; default N=20)
#
# HOSTNIC_BIN is the daemon (default build/hostnic), HOSTNIC_CNI_BIN the
# plugin executable (default build/hostnic-cni). Runs in a private network
# namespace of its own (unshare -n); the container namespace is made with
# `ip netns add` and removed after.
source "$(dirname "${BASH_SOURCE[0]}")/plugin_prologue.sh"
N=${1:-20}
source "$ROOT/tests/e2e/netavark_lib.sh"
netavark_fetch "$ROOT/build/netavark-cache" || exit 1
W=$(mktemp -d /tmp/hostnic-nvb.XXXXXX)
NS=hnvb-$$
MAC=52:54:0e:cb:00:11
ip link set lo up
ip link add hnvb1 address $MAC type veth peer name hnvb1p
mkdir -p "$W/plugins" "$W/nv" "$W/state"
ln -s "$PLUGIN" "$W/plugins/hostnic"
"$BIN" --socket "$W/s.sock" --state-dir "$W/state" --log-level warn >"$W/d.log" 2>&1 &
DP=$!
trap 'kill $DP 2>/dev/null; wait $DP 2>/dev/null; ip netns del $NS 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 50); do "$BIN" status --socket "$W/s.sock" >/dev/null 2>&1 && break; sleep 0.1; done
ip netns add "$NS"

ID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
CID=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
conf() {  # DRIVER: setup's stdin as podman writes it for that network
  local extra
  case $1 in
    hostnic) extra="\"network_interface\":\"\",\"options\":{\"device\":\"hnvb1\",\"socket\":\"$W/s.sock\",\"state-dir\":\"$W/copies\"}" ;;
    bridge) extra='"network_interface":"hnvbbr0","options":{}' ;;
  esac
  printf '{"container_id":"%s","container_name":"b","networks":{"n":{"interface_name":"eth0","static_ips":["10.9.0.5"]}},"network_info":{"n":{"name":"n","id":"%s","driver":"%s",%s,"ipv6_enabled":false,"internal":false,"dns_enabled":false,"subnets":[{"subnet":"10.9.0.0/24","gateway":"10.9.0.1"}],"ipam_options":{"driver":"host-local"}}}}' \
    "$CID" "$ID" "$1" "$extra"
}
nv() { NETAVARK_FW=none "${NETAVARK[@]}" --config "$W/nv" --plugin-directory "$W/plugins" "$@"; }

# cycle DRIVER: one setup+teardown, in ms; fails loudly.
cycle() {
  local c t0 t1 out
  c=$(conf "$1")
  t0=$(date +%s%N)
  out=$(nv setup "/var/run/netns/$NS" <<<"$c" 2>&1) || { echo "$1 setup failed: $out" >&2; exit 1; }
  out=$(nv teardown "/var/run/netns/$NS" <<<"$c" 2>&1) || { echo "$1 teardown failed: $out" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

echo "$NETAVARK_VERSION; N=$N"
echo "hostnic once: $(nv setup "/var/run/netns/$NS" <<<"$(conf hostnic)" | tr -d '\n' | cut -c1-160)"
ip -n "$NS" -o addr show dev eth0 | awk '{print "  in the container: " $2 " " $4}'
nv teardown "/var/run/netns/$NS" <<<"$(conf hostnic)" >/dev/null
ip -o link show hnvb1 >/dev/null && echo "  after teardown: hnvb1 is home"
cycle bridge >/dev/null  # the bridge made once before timing
: >"$W/hostnic" ; : >"$W/bridge"
for _ in $(seq "$N"); do
  cycle hostnic >>"$W/hostnic"
  cycle bridge >>"$W/bridge"
done
printf 'setup+teardown through netavark, median of %s: hostnic %s ms, bridge %s ms\n' \
  "$N" "$(median <"$W/hostnic")" "$(median <"$W/bridge")"
