#!/usr/bin/env bash
# hostnic as a CNI plugin under a real runtime: Debian bookworm's podman with
# its CNI backend. Standalone suite (not sourced by run.sh). As root:
#
#     flock /run/lock/hostnic-docker.lock tests/e2e/cni_podman_test.sh
#
# Needs build/hostnic, podman, containernetworking-plugins, busybox-static,
# iproute2 (installed when missing; without podman it prints
# "SKIP cni-podman: why" and exits 77). podman runs with a private
# containers.conf (CONTAINERS_CONF) and CNI config dir (podman_lib.sh), so
# the host's podman settings are neither read nor changed. Creates veth NICs
# hncp1/hncp2, the netns hncp-peer (the cloud's gateway, 192.168.71.1) and a
# daemon of its own, and removes all of it on exit. One PASS/FAIL line per
# case; scripts/test.sh runs it (row cni-podman, about 30 s).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${HOSTNIC_BIN:-$ROOT/build/hostnic}
PLUGIN=${HOSTNIC_CNI_BIN:-$ROOT/build/hostnic-cni}
WORK=$(mktemp -d /tmp/hostnic-cni-e2e.XXXXXX)
NET=hncp-net
MAC1=52:54:0e:c9:00:01
MAC2=52:54:0e:c9:00:02

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$BIN" ] && [ -x "$PLUGIN" ] || { echo "no $BIN or $PLUGIN; build first" >&2; exit 2; }
source "$ROOT/scripts/common.sh"
source "$ROOT/tests/e2e/podman_lib.sh"
# The cases return non-zero (run_case, scripts/common.sh) and restart the daemon.
SUITE=cni-e2e CASE_DIR=$WORK CASE_RETURNS=1
say() { printf '[cni-e2e] %s\n' "$*" >&2; }
# scripts/test.sh installs these with the test dependencies; a machine
# without them (or without apt) skips, never passes.
(ensure_packages podman containernetworking-plugins busybox-static iproute2) || true
if ! command -v podman >/dev/null; then
  rm -rf "$WORK"
  suite_skip cni-podman "no podman (apt-get install podman containernetworking-plugins)"
fi
podman_setup "$WORK" "$PLUGIN"
mkdir -p "$WORK/state"
RUN=("${PODMAN_RUN[@]}" --network "$NET")

# The address hook plays the cloud's metadata service: one address per NIC.
cat >"$WORK/address-hook" <<'EOF'
#!/bin/sh
case "$HOSTNIC_MAC" in
  *:01) echo '{"address":"192.168.71.11/24","gateway":"192.168.71.1"}' ;;
  *:02) echo '{"address":"192.168.71.12/24","gateway":"192.168.71.1"}' ;;
  *) exit 1 ;;
esac
EOF
chmod +x "$WORK/address-hook"

cat >"$WORK/net.d/$NET.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$NET",
 "plugins": [{"type": "hostnic", "socket": "$WORK/hostnic.sock",
              "nics": ["hncp1", "hncp2"], "address": "hook"}]}
EOF

start_daemon() {
  hostnic_start "$BIN" "$WORK/hostnic.sock" "$WORK/hostnic.log" --state-dir "$WORK/state" \
    --address-hook "$WORK/address-hook" --log-level debug ||
    fail "the daemon did not start: $(tail -5 "$WORK/hostnic.log")"
}

cleanup() {
  local ids
  ids=$("${PODMAN[@]}" ps -aq --filter label=hostnic-cni-e2e 2>/dev/null)
  [ -n "$ids" ] && "${PODMAN[@]}" rm -f -t 0 $ids >/dev/null 2>&1
  hostnic_stop
  ip link del hncp1 2>/dev/null; ip link del hncp2 2>/dev/null
  ip netns del hncp-peer 2>/dev/null
  if [ "${#FAILED[@]}" -gt 0 ]; then
    say "daemon log kept: /tmp/hostnic-cni-e2e.log"
    cp "$WORK/hostnic.log" /tmp/hostnic-cni-e2e.log 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Leftovers of a killed earlier run.
ip link del hncp1 2>/dev/null; ip link del hncp2 2>/dev/null; ip netns del hncp-peer 2>/dev/null
ip netns add hncp-peer
ip -n hncp-peer link add br0 type bridge && ip -n hncp-peer link set br0 up
ip -n hncp-peer addr add 192.168.71.1/24 dev br0
for i in 1 2; do
  ip link add "hncp$i" address "52:54:0e:c9:00:0$i" type veth peer name "hncp${i}p"
  ip link set "hncp${i}p" netns hncp-peer
  ip -n hncp-peer link set "hncp${i}p" master br0 up
done
start_daemon || exit 1

podman_image "$WORK" || { echo "FAIL setup: podman import of $PODMAN_IMAGE failed"; exit 1; }
IMAGE=$PODMAN_IMAGE

pod() { "${PODMAN[@]}" "${RUN[@]}" --label hostnic-cni-e2e "$@"; }
nic_home() {  # NAME MAC: on the host, down, no address
  local link
  link=$(ip -o link show "$1" 2>/dev/null) || { fail "$1 is not on the host"; return 1; }
  case "$link" in *"$2"*) ;; *) fail "$1 has not MAC $2: $link"; return 1 ;; esac
  case "$link" in *",UP"*) fail "$1 is up on the host"; return 1 ;; esac
  [ -z "$(ip -o addr show dev "$1")" ] || { fail "$1 kept an address"; return 1; }
}

case_run_gets_the_nic() {
  local out
  out=$(pod --rm "$IMAGE" sh -c 'ip addr show eth0; ip route; ping -c1 -W3 192.168.71.1 >/dev/null && echo PING-OK') ||
    { fail "podman run: $out"; return 1; }
  case "$out" in *"$MAC1"*"192.168.71.11/24"*) ;; *) fail "eth0 is not NIC 1 with its address: $out"; return 1 ;; esac
  case "$out" in *"default via 192.168.71.1 dev eth0"*) ;; *) fail "no default route: $out"; return 1 ;; esac
  case "$out" in *PING-OK*) ;; *) fail "the gateway did not answer: $out"; return 1 ;; esac
  nic_home hncp1 "$MAC1"
}

case_parallel_pods_share_the_pool() {
  pod -d --name hncp-a "$IMAGE" sleep 300 >/dev/null || { fail "first pod"; return 1; }
  pod -d --name hncp-b "$IMAGE" sleep 300 >/dev/null || { fail "second pod"; return 1; }
  local a b out
  a=$("${PODMAN[@]}" exec hncp-a cat /sys/class/net/eth0/address)
  b=$("${PODMAN[@]}" exec hncp-b cat /sys/class/net/eth0/address)
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] || { fail "pods share or lack a NIC: '$a' '$b'"; return 1; }
  # The pool is empty now: a third pod is told no NIC is free.
  if out=$(pod --rm "$IMAGE" true 2>&1); then fail "a third pod started"; return 1; fi
  case "$out" in *"no free NIC"*) ;; *) fail "third pod's error: $out"; return 1 ;; esac
  "${PODMAN[@]}" rm -f -t 0 hncp-a hncp-b >/dev/null
  nic_home hncp1 "$MAC1" && nic_home hncp2 "$MAC2"
}

case_daemon_killed_between_add_and_del() {
  pod -d --name hncp-k "$IMAGE" sleep 300 >/dev/null || { fail "pod"; return 1; }
  hostnic_stop KILL
  start_daemon || return 1
  "${PODMAN[@]}" exec hncp-k ip addr show eth0 | grep -q 192.168.71.11/24 ||
    { fail "the pod lost its NIC when the daemon restarted"; return 1; }
  "${PODMAN[@]}" rm -f -t 0 hncp-k >/dev/null || { fail "podman rm"; return 1; }
  nic_home hncp1 "$MAC1"
  "$BIN" status --socket "$WORK/hostnic.sock" | grep -q "cni-$NET" &&
    { fail "the daemon still holds a NIC: $("$BIN" status --socket "$WORK/hostnic.sock")"; return 1; }
  return 0
}

case_daemon_down_means_try_again() {
  hostnic_stop
  local out rc=0
  out=$(pod --rm "$IMAGE" true 2>&1) && rc=1
  start_daemon || return 1
  [ "$rc" -eq 0 ] || { fail "a pod started without the daemon"; return 1; }
  case "$out" in *"does not answer"*) ;; *) fail "error without the reason: $out"; return 1 ;; esac
  nic_home hncp1 "$MAC1"
}

t0=$SECONDS
for c in run_gets_the_nic parallel_pods_share_the_pool \
         daemon_killed_between_add_and_del daemon_down_means_try_again; do
  run_case "$c" "case_$c"
done
case_summary cni-e2e "$t0"
