#!/usr/bin/env bash
# podman 5 itself: `podman run --rm` of a busybox directory (true as the
# command) on a hostnic network, which hands the container a stand-in NIC,
# beside podman's own bridge network, both with a static address (--ip)
# and firewall_driver none. Debian trixie's podman 5.4 runs in the root
# tests/e2e/netavark_test.sh --podman5 makes and caches (netavark_lib.sh).
# Wall time of the whole `podman run`, median of N, the two taking turns so
# both see the same machine load.
#
#     bench/podman5_run.sh [N]      (as root; default N=10)
#
# HOSTNIC_BIN is the daemon (default build/hostnic), HOSTNIC_CNI_BIN the
# plugin executable (default build/hostnic-cni). Runs in a private network
# namespace of its own (unshare -n), where podman's bridge is made too.
source "$(dirname "${BASH_SOURCE[0]}")/plugin_prologue.sh"
N=${1:-10}
source "$ROOT/tests/e2e/netavark_lib.sh"
podman5_root "${HOSTNIC_PODMAN5_CACHE:-/var/cache/hostnic-podman5}" || exit 1
W=$(mktemp -d /tmp/hostnic-p5b.XXXXXX)
ip link set lo up
ip link add hnpb1 address 52:54:0e:cb:00:21 type veth peer name hnpb1p
"$BIN" --socket "$W/s.sock" --state-dir "$W/state" --log-level warn >"$W/d.log" 2>&1 &
DP=$!
trap 'podman5_leave; kill $DP 2>/dev/null; wait $DP 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 50); do "$BIN" status --socket "$W/s.sock" >/dev/null 2>&1 && break; sleep 0.1; done
ip netns add hnpb-shared-$$ && ip netns del hnpb-shared-$$   # /run/netns a shared mount
podman5_config "$W" "$PLUGIN"
podman5_enter "$PODMAN5_ROOT" "$W" || exit 1
podman5 network create -d hostnic --disable-dns -o device=hnpb1 -o "socket=$W/s.sock" -o "state-dir=$W/copies" \
  --subnet 10.9.0.0/24 --gateway 10.9.0.1 nic >/dev/null || exit 1
podman5 network create --disable-dns --subnet 10.9.1.0/24 --gateway 10.9.1.1 br >/dev/null || exit 1

# cycle NETWORK IP: one `podman run --rm`, in microseconds; fails loudly.
cycle() {
  local t0 t1 out
  t0=$(date +%s%N)
  out=$(podman5 run --rm --network "$1" --ip "$2" --rootfs "$W/bb" true 2>&1) ||
    { echo "podman run on $1 failed: $out" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

echo "$(podman5 --version); N=$N"
echo "hostnic once: $(podman5 run --rm --network nic --ip 10.9.0.5 --rootfs "$W/bb" ip -o addr show eth0 |
  awk '{print $2, $4}')"
ip -o link show hnpb1 >/dev/null && echo "  after podman run --rm: hnpb1 is home"
cycle br 10.9.1.5 >/dev/null  # podman's bridge made once before timing
: >"$W/hostnic"; : >"$W/bridge"
for _ in $(seq "$N"); do
  cycle nic 10.9.0.5 >>"$W/hostnic"
  cycle br 10.9.1.5 >>"$W/bridge"
done
printf 'podman run --rm, median of %s: hostnic %s ms, bridge %s ms\n' \
  "$N" "$(median <"$W/hostnic")" "$(median <"$W/bridge")"
