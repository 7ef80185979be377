#!/usr/bin/env bash
# Kubernetes' own path: hostnic as the CNI plugin of containerd's CRI plugin,
# driven over the CRI gRPC API (runtime.v1) the way kubelet drives it:
# RunPodSandbox with the pod's name, namespace and uid, PodSandboxStatus,
# StopPodSandbox, RemovePodSandbox. Standalone suite (not sourced by run.sh).
# As root:
#
#     tests/e2e/cri_test.sh              every case
#     tests/e2e/cri_test.sh restart      only the cases whose names contain a word
#
# The world is run.sh's (lib.sh: a dockerd, the stand-in NICs hne2..hne5 on
# the gateway bridge in the netns hne-peer, dnsmasq there for the NICs' own
# addresses, build/hostnic serving hostnic-e2e on its socket) plus a
# containerd of the suite's own (tests/e2e/cri/lib.sh: own root, state,
# socket and runc root; its CNI bin dir holds `loopback` and `hostnic`, its
# conf dir one network: the NetworkAttachmentDefinition's configuration of
# docs/kubernetes.md, socket aside, which finds hne2, hne3 and hne4 with
# their DHCP addresses). containerd runs it as the pod's own network (eth0):
# Multus, which would call the same configuration for net1, is not in
# Debian. The CRI client is tests/e2e/cri/cri_client.py, on
# stubs generated from the CRI api.proto (kept in build/cri/ with the pause
# image). Every pod is in the namespace hne-cri and is removed on exit, pass
# or fail, with containerd, its shims and everything else the suite made.
#
# Prints one PASS/FAIL/SKIP line per case and "cri: N passed, N skipped,
# N failed (Ts)"; exits 1 if a case failed. Without containerd it prints
# "SKIP cri: why" and exits 77. scripts/test.sh runs it (row cri).
# HNE_KEEP=1 keeps the logs in /tmp/hostnic-e2e-logs/ even on success.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_DIR/cri/lib.sh"
SUITE=cri

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
# scripts/test.sh installs these with the test dependencies.
(ensure_packages containerd runc python3-grpcio python3-grpc-tools util-linux) || true
why=$(cri_missing)
[ -z "$why" ] || suite_skip cri "containerd cannot run here: $why"

POD_NS=hne-cri
CNI_NET=  # the name in docs/kubernetes.md's NetworkAttachmentDefinition
# The NICs that configuration (no `nics`: every eligible NIC down on the
# host) finds here: the test daemon may touch only the stand-ins
# (--allow-nic), and hne5 is refused as a bridge port.
POOL=(hne2 hne3 hne4)

# ------------------------------------------------------------ pod helpers
# pod_run NAME UID: RunPodSandbox; prints the sandbox ID.
pod_run() {
  local out
  out=$(crictl "$CRI" run "$1" "$POD_NS" "$2" 2>&1) || fail "RunPodSandbox $1: $(one_line "$out")"
  printf '%s\n' "$out"
}

# pod_status ID: PodSandboxStatus as one JSON line (cri_client.py status).
pod_status() {
  local out
  out=$(crictl "$CRI" status "$1" 2>&1) || fail "PodSandboxStatus $1: $(one_line "$out")"
  printf '%s\n' "$out"
}

# json_field JSON KEY: a string field of the client's one-line JSON.
json_field() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" <<<"$1"; }

pod_stop() {
  local out
  out=$(crictl "$CRI" stop "$1" 2>&1) || fail "StopPodSandbox $1: $(one_line "$out")"
}

pod_rm() {
  local out
  out=$(crictl "$CRI" rm "$1" 2>&1) || fail "RemovePodSandbox $1: $(one_line "$out")"
  crictl "$CRI" ls | grep -q "^$1 " && fail "RemovePodSandbox $1 left it listed"
  return 0
}

# netns_mac PATH: the MAC of eth0 in that network namespace (from netlink:
# /sys/class/net stays the host's sysfs after nsenter --net).
netns_mac() {
  nsenter --net="$1" ip -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# pod_mac ID: the MAC of the pod's eth0.
pod_mac() { netns_mac "$(json_field "$(pod_status "$1")" netns)"; }

# expect_pod_on_own_nic ID NAME UID: the pod is ready, its eth0 is a NIC of
# the pool with that NIC's own DHCP address, gateway, routes and MTU, the
# gateway answers through it, and PodSandboxStatus reports that address as
# the pod IP (the one Kubernetes publishes). Prints the NIC's name.
expect_pod_on_own_nic() {
  local id=$1 name=$2 uid=$3 status netns mac nic out
  status=$(pod_status "$id")
  [ "$(json_field "$status" state)" = SANDBOX_READY ] || fail "pod $name is not ready: $status"
  [ "$(json_field "$status" name)/$(json_field "$status" namespace)/$(json_field "$status" uid)" = \
    "$name/$POD_NS/$uid" ] || fail "pod $name's metadata came back changed: $status"
  netns=$(json_field "$status" netns)
  [ -n "$netns" ] || fail "PodSandboxStatus of pod $name names no network namespace: $status"
  mac=$(netns_mac "$netns")
  nic=$(nic_of "$mac")
  [[ " ${POOL[*]} " == *" $nic "* ]] || fail "pod $name's eth0 has MAC '$mac', not a NIC of the pool"
  [ "$(json_field "$status" ip)" = "${NIC_DHCP_IP[$nic]}" ] ||
    fail "PodSandboxStatus gives pod $name the IP '$(json_field "$status" ip)', not $nic's own ${NIC_DHCP_IP[$nic]}"
  out=$(nsenter --net="$netns" sh -c 'ip addr; ip route')
  expect_own_address "$out" "$nic" "pod $name"
  ip link show dev "$nic" >/dev/null 2>&1 && fail "$nic is still on the host while pod $name has it"
  out=$(nsenter --net="$netns" busybox ping -c 1 -W 3 "$GATEWAY" 2>&1) ||
    fail "ping $GATEWAY from pod $name: $(one_line "$out")"
  echo "$nic"
}

# expect_held_by_pod MAC NETNS: hostnic status shows the NIC held by the CNI
# network with the pod's namespace.
expect_held_by_pod() {
  local line
  line=$("$HOSTNIC_BIN" status --socket "$SOCKET" | grep -i "$1" || true)
  expect_contains "$line" "in-container.*cni-$CNI_NET.*$2" "hostnic status, the pod's NIC"
}

# nic_free NIC: hostnic status shows the NIC free (held by nobody).
nic_free() {
  "$HOSTNIC_BIN" status --socket "$SOCKET" 2>/dev/null | grep -i "${NIC_MAC[$1]}" | grep -q "^$1 .* free"
}

expect_free() {
  nic_free "$1" ||
    fail "hostnic status does not show $1 free: $(one_line "$("$HOSTNIC_BIN" status --socket "$SOCKET" 2>&1)")"
}

# expect_cni_args VERB ID NAME UID: containerd ran the plugin for VERB with
# the pod's identity in CNI_ARGS (recorded by the bin dir's wrapper).
expect_cni_args() {
  local line
  line=$(grep "^$1 .*K8S_POD_INFRA_CONTAINER_ID=$2" "$CRI/cni-calls.log" | tail -n 1)
  [ -n "$line" ] || fail "no CNI $1 for sandbox $2 in $(one_line "$(cat "$CRI/cni-calls.log")")"
  expect_contains "$line" "(^| |;)K8S_POD_NAMESPACE=$POD_NS(;|$)" "CNI_ARGS of $1"
  expect_contains "$line" "(^| |;)K8S_POD_NAME=$3(;|$)" "CNI_ARGS of $1"
  expect_contains "$line" "(^| |;)K8S_POD_UID=$4(;|$)" "CNI_ARGS of $1"
}

new_uid() { cat /proc/sys/kernel/random/uuid; }

# pod_cleanup: every pod removed (EXIT trap of a case's subshell, so also
# after a failure); containerd and the daemon are brought back first if the
# case left either down.
pod_cleanup() {
  daemon_alive || start_daemon || true
  cri_alive "$CRI" || cri_start "$CRI" || true
  cri_remove_pods "$CRI"
}

# ------------------------------------------------------------------ cases
# A pod's whole life as kubelet drives it, on a NIC of the pool.
test_pod_lifecycle() {
  trap pod_cleanup EXIT
  start_dhcp
  local uid id nic mac netns status
  uid=$(new_uid)
  id=$(pod_run web "$uid")
  expect_cni_args ADD "$id" web "$uid"
  nic=$(expect_pod_on_own_nic "$id" web "$uid")
  mac=${NIC_MAC[$nic]}
  netns=$(json_field "$(pod_status "$id")" netns)
  expect_held_by_pod "$mac" "$netns"

  pod_stop "$id"
  expect_cni_args DEL "$id" web "$uid"
  expect_nic_clean "$nic"
  expect_free "$nic"
  status=$(pod_status "$id")
  [ "$(json_field "$status" state)" = SANDBOX_NOTREADY ] || fail "the stopped pod is not NOTREADY: $status"
  [ ! -e "$netns" ] || fail "the stopped pod's namespace $netns is still there"
  pod_rm "$id"
  expect_nic_clean "$nic"
}
register_case pod-lifecycle test_pod_lifecycle

# StopPodSandbox and RemovePodSandbox while the hostnic daemon is down: the
# plugin brings the NIC home itself, and the daemon, when back, has it free.
test_stop_daemon_down() {
  trap pod_cleanup EXIT
  start_dhcp
  local uid id nic out
  uid=$(new_uid)
  id=$(pod_run db "$uid")
  nic=$(expect_pod_on_own_nic "$id" db "$uid")
  stop_daemon TERM
  [ "$(pod_mac "$id")" = "${NIC_MAC[$nic]}" ] || fail "the pod lost $nic when the daemon stopped"
  out=$(crictl "$CRI" stop "$id" 2>&1) ||
    fail "StopPodSandbox with the daemon down: $(one_line "$out")"
  # Home at once, by the plugin alone: its own name, down, no address.
  expect_nic_clean "$nic" any-mtu
  # RemovePodSandbox, still with the daemon down: containerd sends DEL again,
  # without prevResult; DEL of what is gone succeeds.
  pod_rm "$id"
  start_daemon || fail "the daemon did not start again"
  wait_until 10 "the daemon has $nic free again" nic_free "$nic"
  # Reconciled: the NIC's own MTU back too (the pod had DHCP's 1400).
  expect_nic_clean "$nic"
  # Nothing stranded: the pool serves a new pod.
  uid=$(new_uid)
  id=$(pod_run db2 "$uid")
  expect_pod_on_own_nic "$id" db2 "$uid" >/dev/null
  pod_stop "$id"
  pod_rm "$id"
}
register_case stop-daemon-down test_stop_daemon_down

# containerd restarted while pods run: the pods keep their NICs and
# addresses, and stop after it came back.
test_containerd_restart() {
  trap pod_cleanup EXIT
  start_dhcp
  local uid_a uid_b a b nic_a nic_b status
  uid_a=$(new_uid)
  uid_b=$(new_uid)
  a=$(pod_run ra "$uid_a")
  b=$(pod_run rb "$uid_b")
  nic_a=$(expect_pod_on_own_nic "$a" ra "$uid_a")
  nic_b=$(expect_pod_on_own_nic "$b" rb "$uid_b")
  [ "$nic_a" != "$nic_b" ] || fail "both pods have $nic_a"
  local na nb
  na=$(json_field "$(pod_status "$a")" netns)
  nb=$(json_field "$(pod_status "$b")" netns)

  cri_stop "$CRI"
  # While containerd is down the pods' namespaces keep the NICs.
  [ "$(netns_mac "$na")" = "${NIC_MAC[$nic_a]}" ] || fail "pod ra lost $nic_a while containerd was down"
  [ "$(netns_mac "$nb")" = "${NIC_MAC[$nic_b]}" ] ||
    fail "pod rb lost $nic_b while containerd was down"
  cri_start "$CRI" || fail "containerd did not start again"

  [ "$(expect_pod_on_own_nic "$a" ra "$uid_a")" = "$nic_a" ] || fail "pod ra changed NIC across the restart"
  [ "$(expect_pod_on_own_nic "$b" rb "$uid_b")" = "$nic_b" ] || fail "pod rb changed NIC across the restart"
  pod_stop "$a"
  pod_stop "$b"
  expect_nic_clean "$nic_a"
  expect_nic_clean "$nic_b"
  pod_rm "$a"
  pod_rm "$b"
}
register_case containerd-restart test_containerd_restart

# holders_distinct CONTAINER... -- POD...: the eth0 MACs of those Docker
# containers and pods are all different (no NIC given twice).
holders_distinct() {
  local macs=() c
  while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
    macs+=("$(dk exec "$1" cat /sys/class/net/eth0/address)"); shift
  done
  shift
  for c in "$@"; do macs+=("$(pod_mac "$c")"); done
  [ "$(printf '%s\n' "${macs[@]}" | sort -u | wc -l)" -eq "${#macs[@]}" ] ||
    fail "a NIC is given twice: eth0 MACs ${macs[*]}"
}

# One pool, both front ends: a Docker network and the pods' CNI network
# draw on the same three NICs; each NIC has one holder at a time, a full
# pool is refused on both sides, and a NIC released on one side is taken
# on the other.
test_docker_and_pods_share_a_pool() {
  trap pod_cleanup EXIT
  start_dhcp
  local p1 p2 p3 d1_mac p1_mac out uid
  cloud_net hne-shared   # no hostnic.nics either: every eligible NIC
  dk_ok run -d --name hne-cri-d1 --label "$LABEL" --network hne-shared "$IMAGE" "${SLEEPER[@]}" >/dev/null
  d1_mac=$(dk exec hne-cri-d1 cat /sys/class/net/eth0/address)
  uid=$(new_uid); p1=$(pod_run p1 "$uid"); expect_pod_on_own_nic "$p1" p1 "$uid" >/dev/null
  uid=$(new_uid); p2=$(pod_run p2 "$uid"); expect_pod_on_own_nic "$p2" p2 "$uid" >/dev/null
  holders_distinct hne-cri-d1 -- "$p1" "$p2"
  p1_mac=$(pod_mac "$p1")

  # The pool is full: kubelet is told why (and would retry); so is Docker.
  if out=$(crictl "$CRI" run p3 "$POD_NS" "$(new_uid)" 2>&1); then
    fail "a pod started on a full pool: $(one_line "$out")"
  fi
  expect_contains "$out" "no free NIC" "RunPodSandbox on a full pool"
  crictl "$CRI" ls | grep -q " $POD_NS/p3$" && fail "the refused pod is left listed: $(crictl "$CRI" ls)"
  out=$(dk_err run --rm --label "$LABEL" --network hne-shared "$IMAGE" true)
  expect_error "$out" "no free NIC"

  # Released by Docker, taken by a pod; released by a pod, taken by Docker.
  dk_ok rm -f hne-cri-d1 >/dev/null
  expect_nic_clean "$(nic_of "$d1_mac")"
  uid=$(new_uid); p3=$(pod_run p3 "$uid")
  [ "$(expect_pod_on_own_nic "$p3" p3 "$uid")" = "$(nic_of "$d1_mac")" ] ||
    fail "pod p3 did not get $d1_mac, which the container released"
  pod_stop "$p1"
  pod_rm "$p1"
  expect_nic_clean "$(nic_of "$p1_mac")"
  dk_ok run -d --name hne-cri-d2 --label "$LABEL" --network hne-shared "$IMAGE" "${SLEEPER[@]}" >/dev/null
  [ "$(dk exec hne-cri-d2 cat /sys/class/net/eth0/address)" = "$p1_mac" ] ||
    fail "the second container did not get $p1_mac, which pod p1 released"
  holders_distinct hne-cri-d2 -- "$p2" "$p3"

  pod_stop "$p2"
  pod_stop "$p3"
  pod_rm "$p2"
  pod_rm "$p3"
  dk_ok rm -f hne-cri-d2 >/dev/null
  for n in "${POOL[@]}"; do expect_nic_clean "$n"; done
}
register_case docker-and-pods-share-a-pool test_docker_and_pods_share_a_pool

# ------------------------------------------------------------------ world
# cri_world: containerd of the suite's own, with hostnic as its CNI plugin.
# The bin dir's `hostnic` is a wrapper that records each call's CNI_COMMAND
# and CNI_ARGS (to show what containerd passed) and execs the plugin
# (HOSTNIC_CNI_BIN when lib.sh names one, else the daemon's executable).
cri_world() {
  cri_stubs || return 1
  cri_pause_tar "$DOCKER" || return 1
  CRI=$HNE_WORK/cri
  mkdir -p "$CRI/bin" "$CRI/net.d"
  ln -s /usr/lib/cni/loopback "$CRI/bin/loopback"
  cat >"$CRI/bin/hostnic" <<EOF
#!/bin/sh
printf '%s %s\n' "\$CNI_COMMAND" "\$CNI_ARGS" >>"$CRI/cni-calls.log"
exec "${HOSTNIC_CNI_BIN:-$HOSTNIC_BIN}" "\$@"
EOF
  chmod +x "$CRI/bin/hostnic"
  # The NetworkAttachmentDefinition's configuration of docs/kubernetes.md
  # as it stands, only the socket the test's daemon listens on put in.
  "$CRI_PYTHON" "$REPO_ROOT/tests/docs/kubernetes_yaml_test.py" --conflist \
    "$REPO_ROOT/docs/kubernetes.md" "$SOCKET" >"$CRI/net.d/10-cloud.conflist" ||
    { info "no CNI configuration from docs/kubernetes.md (python3-yaml?)"; return 1; }
  CNI_NET=$(sed -n 's/.*"name": "\([^"]*\)".*/\1/p' "$CRI/net.d/10-cloud.conflist")
  cri_config "$CRI" "$CRI/bin" "$CRI/net.d"
  cri_start "$CRI" || return 1
  cri_client_start "$CRI"
  info "containerd $(crictl "$CRI" version) on $CRI/containerd.sock (pid $(cat "$CRI/containerd.pid"))"
}

cri_world_teardown() {
  set +e
  if [ -n "${CRI:-}" ]; then
    if [ "${#FAILED[@]}" -gt 0 ] || [ "${HNE_KEEP:-0}" = 1 ]; then
      mkdir -p /tmp/hostnic-e2e-logs
      cp "$CRI/containerd.log" "$CRI/cni-calls.log" /tmp/hostnic-e2e-logs/ 2>/dev/null
    fi
    cri_teardown "$CRI"
  fi
  e2e_teardown
}

select_cases "$@" || exit 2

trap cri_world_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
t0=$SECONDS
CRI=
if ! e2e_setup || ! cri_world; then
  echo "FAIL setup: the test environment could not be prepared (see above)"
  FAILED+=(setup)
  exit 1
fi
info "set up in $((SECONDS - t0))s"
for c in "${selected[@]}"; do
  run_case "${c%%:*}" "${c#*:}"
done

case_summary cri "$t0"
