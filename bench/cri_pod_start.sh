#!/usr/bin/env bash
# A pod's start and stop through containerd's CRI plugin, as kubelet asks
# for them (RunPodSandbox, StopPodSandbox, RemovePodSandbox over the CRI
# gRPC API), with hostnic as the pod's network beside the reference `bridge`
# plugin, on one containerd instance of our own (tests/e2e/cri/lib.sh).
#
#     bench/cri_pod_start.sh [N]      (as root; default N=20 pods per round)
#
# Both use static addresses so no DHCP exchange is timed: hostnic hands the
# veth stand-in NIC hnr0 over with Debian's `static` IPAM plugin, `bridge`
# makes a veth into the bridge hnr-br0 with `host-local`. containerd reads
# one network from its conf dir, so the rounds alternate between the two
# networks (hostnic, bridge, hostnic, bridge), containerd restarted with the
# other conf dir between rounds. Each pod is timed in the CRI client's own
# process; prints the median per plugin and the ratio. Needs build/hostnic
# and build/cri/ (tests/e2e/cri_test.sh makes it; else a dockerd for the
# pause image). Removes everything it made on exit.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/tests/e2e/cri/lib.sh"
BIN=${HOSTNIC_BIN:-$ROOT/build/hostnic}
N=${1:-20}
MAC=52:54:0e:cb:01:01
W=$(mktemp -d /tmp/hostnic-cri-bench.XXXXXX)
DP=
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$BIN" ] || { echo "no $BIN; build first" >&2; exit 2; }
why=$(cri_missing)
[ -z "$why" ] || { echo "containerd cannot run here: $why" >&2; exit 2; }

cleanup() {
  cri_teardown "$W/cri"
  [ -z "$DP" ] || { kill "$DP" 2>/dev/null; wait "$DP" 2>/dev/null; }
  ip link del hnr0 2>/dev/null
  ip link del hnr-br0 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

cri_stubs || exit 1
cri_pause_tar /usr/bin/docker || exit 1
ip link del hnr0 2>/dev/null
ip link add hnr0 address "$MAC" type veth peer name hnr0p
"$BIN" --socket "$W/hostnic.sock" --state-dir "$W/state" --allow-nic "$MAC" \
  --log-level warn >"$W/hostnic.log" 2>&1 </dev/null &
DP=$!
for _ in $(seq 50); do "$BIN" status --socket "$W/hostnic.sock" >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$W/bin" "$W/hostnic.d" "$W/bridge.d"
for p in loopback bridge host-local static; do ln -s "/usr/lib/cni/$p" "$W/bin/$p"; done
# The CNI plugin executable: build/hostnic-cni where the build makes one.
PLUGIN=${HOSTNIC_CNI_BIN:-$ROOT/build/hostnic-cni}
[ -x "$PLUGIN" ] || PLUGIN=$BIN
ln -s "$PLUGIN" "$W/bin/hostnic"
cat >"$W/hostnic.d/10-bench.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench",
 "plugins": [{"type": "hostnic", "socket": "$W/hostnic.sock", "device": "hnr0",
              "ipam": {"type": "static", "addresses": [{"address": "10.9.0.5/24", "gateway": "10.9.0.1"}]}}]}
EOF
cat >"$W/bridge.d/10-bench.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench",
 "plugins": [{"type": "bridge", "bridge": "hnr-br0",
              "ipam": {"type": "host-local", "subnet": "10.9.1.0/24", "dataDir": "$W/host-local"}}]}
EOF

# round PLUGIN: N pods on that plugin's network; appends "run stop rm" ms
# lines to $W/PLUGIN.ms.
round() {
  cri_config "$W/cri" "$W/bin" "$W/$1.d"
  cri_start "$W/cri" || exit 1
  crictl "$W/cri" cycle "bench-$1" hnr-bench "$N" >>"$W/$1.ms" ||
    { echo "the $1 round failed; containerd's log ends with:" >&2; tail -n 5 "$W/cri/containerd.log" >&2; exit 1; }
  cri_stop "$W/cri"
}

median() {  # COLUMN FILE
  awk -v c="$1" '{print $c}' "$2" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'
}

for plugin in hostnic bridge hostnic bridge; do round "$plugin"; done
printf '%s\n' "containerd $(containerd --version | awk '{print $3}'), $((2 * N)) pods per plugin, alternating rounds of $N"
printf '%-8s %16s %17s %19s\n' plugin "RunPodSandbox ms" "StopPodSandbox ms" "RemovePodSandbox ms"
for plugin in hostnic bridge; do
  printf '%-8s %16s %17s %19s\n' "$plugin" "$(median 1 "$W/$plugin.ms")" \
    "$(median 2 "$W/$plugin.ms")" "$(median 3 "$W/$plugin.ms")"
done
awk -v h="$(median 1 "$W/hostnic.ms")" -v b="$(median 1 "$W/bridge.ms")" \
  'BEGIN {printf "RunPodSandbox median, hostnic / bridge: %.2f\n", h / b}'
