#!/usr/bin/env bash
# End-to-end tests of hostnic as a Docker managed (v2) plugin.
#
#   sudo tests/e2e/plugin_test.sh [--keep]
#
# What it proves, against a real dockerd (the one answering on
# /var/run/docker.sock, else one it starts and stops by PID), with a local
# registry (Debian's docker-registry on 127.0.0.1, started and stopped by PID):
#   publish   scripts/plugin.sh push builds the image (Dockerfile: unit tests
#             run in the build stage) and pushes it as REGISTRY/hostnic-e2e:1;
#             its plugin directory (scripts/plugin.sh rootfs) is pushed as :2
#             (with HNP_PLUGIN_DIR: both from that directory, no build;
#             with HNP_BINARY: the image wraps that hostnic, no compiling);
#   install   docker plugin install --grant-all-permissions REGISTRY/...:1
#             with settings, on a host with no state directory prepared: it
#             enables, with no host mount and only CAP_NET_ADMIN;
#   journey   network create -d PLUGIN; docker run --ip --mac-address: the
#             stand-in NIC is eth0 inside with that MAC/IP, pings the gateway
#             in our netns, and is back on the host after the container exits;
#   restart   kill -9 of the plugin's process (found through containerd):
#             Docker restarts it; a container that held a NIC across the kill
#             gives it back, and a new container works on the same network;
#   upgrade-registry  docker plugin upgrade to :2 while a container holds the
#             NIC: settings, networks, state and the container are kept;
#   upgrade   scripts/plugin.sh upgrade keeps the name, the settings and the
#             state: the old network still works;
#   swarm     single-node swarm: config-only network + swarm-scoped network
#             from it; a service's task gets the NIC as eth0;
#   swarm-dhcp the same with a null-IPAM config-only network: the task's eth0
#             has the NIC's own address from dnsmasq (in the peer netns) and
#             reaches the gateway.
#
# If the debian:bookworm-slim base image cannot be had (no registry, no
# debootstrap/apt), it prints "SKIP plugin: why" and exits 77.
# Environment: HNP_DOCKER (client, default /usr/bin/docker: another engine's
# own client), HNP_PLUGIN_DIR (a plugin directory to publish instead of
# building), HNP_BINARY (a hostnic built on this Debian bookworm host, e.g.
# build/hostnic: scripts/plugin.sh --binary, the image without its build
# stage), HNP_SAVE_PLUGIN_DIR (write the built plugin directory there),
# HNP_STEPS (blank-separated step names to run; default all).
# Everything it creates is removed on exit (trap), unless --keep; the NIC and
# netns a killed or --keep run left behind are removed at the start.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOCKER=${HNP_DOCKER:-/usr/bin/docker}
export DOCKER
IMAGE=${HNP_IMAGE:-hostnic-e2e-plugin:test}
REPO=hostnic-e2e            # REGISTRY/REPO:1 and :2 are pushed
PLUGIN=""                   # REGISTRY/REPO:1, set once the registry runs
REGISTRY=""
BB_IMAGE=hostnic-test/busybox:latest
LABEL=hostnic-plugin-e2e=1
NIC=hnp0                    # stand-in for a hot-plugged NIC
NIC_MAC=52:54:0e:e5:77:f7
PEER_NS=hnp-peer            # plays the cloud's vSwitch / gateway
PEER_IF=hnp0p
SUBNET=192.168.77.0/24
GATEWAY=192.168.77.1
IP=192.168.77.5
NET=hnp-net
CFG=hnp-cfg
SNET=hnp-swarm
SVC=hnp-svc
DHCP_IP=192.168.77.50       # what dnsmasq gives $NIC_MAC
DCFG=hnp-cfg-dhcp
DNET=hnp-swarm-dhcp
DSVC=hnp-svc-dhcp
TIMEOUT=${HNP_TIMEOUT:-120}

keep=0
for a in "$@"; do
  case $a in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,42p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d /tmp/hostnic-plugin-e2e.XXXXXX)
started_swarm=0
made_bb_image=0

SUITE=plugin CASE_DIR=$WORK
source "$ROOT/scripts/common.sh"
source "$HERE/plugin_lib.sh"

# ------------------------------------------------------------------ steps
# journey_once NETWORK [docker run flags...]: one container on NETWORK with
# the NIC; checks eth0, the address and the gateway, and the NIC's return.
journey_once() {
  local net=$1; shift
  local out
  out=$(dk run --rm --label "$LABEL" --network "$net" --ip "$IP" --mac-address "$NIC_MAC" \
        "$@" "$BB_IMAGE" sh -c 'ip addr show eth0; ip route; ping -c 1 -W 3 '"$GATEWAY"' && echo PING-OK' 2>&1) ||
    fail "docker run on $net failed: $(one_line "$out")"
  grep -qi "link/ether $NIC_MAC" <<<"$out" || fail "eth0 inside has not MAC $NIC_MAC: $(one_line "$out")"
  grep -q "inet $IP/24" <<<"$out" || fail "eth0 inside has not $IP/24: $(one_line "$out")"
  grep -q "default via $GATEWAY" <<<"$out" || fail "no default route via $GATEWAY inside: $(one_line "$out")"
  grep -q PING-OK <<<"$out" || fail "the gateway $GATEWAY did not answer through eth0: $(one_line "$out")"
  poll 15 nic_on_host || fail "$NIC ($NIC_MAC) is not back on the host after the container exited"
}

# push_dir V DIR: REGISTRY/REPO:V made from the plugin directory DIR.
push_dir() {
  local ref=$REGISTRY/$REPO:$1
  dk_ok plugin create "$ref" "$2" >/dev/null
  dk_ok plugin push "$ref" >/dev/null
  dk_ok plugin rm "$ref" >/dev/null
}

# publish: :1 as a maintainer makes it (scripts/plugin.sh push), :2 from the
# plugin directory (saved for other engines' runs, HNP_SAVE_PLUGIN_DIR); with
# HNP_PLUGIN_DIR both from that directory.
step_publish() {
  if [ -n "${HNP_PLUGIN_DIR:-}" ]; then
    push_dir 1 "$HNP_PLUGIN_DIR"
    push_dir 2 "$HNP_PLUGIN_DIR"
    return 0
  fi
  local -a nb=()
  [ -n "${HNP_NO_BUILD:-}" ] && dk image inspect "$IMAGE" >/dev/null 2>&1 && nb=(--no-build)
  [ -n "${HNP_BINARY:-}" ] && [ "${#nb[@]}" = 0 ] && nb=(--binary "$HNP_BINARY")
  local out dir=${HNP_SAVE_PLUGIN_DIR:-$WORK/plugin-dir}
  out=$("$ROOT/scripts/plugin.sh" push --quiet "${nb[@]+"${nb[@]}"}" --name "$REGISTRY/$REPO:1" --image "$IMAGE" 2>&1) ||
    fail "scripts/plugin.sh push --name $REGISTRY/$REPO:1 failed: $(printf '%s' "$out" | tail -n 15)"
  rm -rf "$dir"
  out=$("$ROOT/scripts/plugin.sh" rootfs "$dir" --no-build --image "$IMAGE" 2>&1) ||
    fail "scripts/plugin.sh rootfs $dir failed: $(printf '%s' "$out" | tail -n 5)"
  push_dir 2 "$dir"
}

# A fresh host: nothing prepared, the plugin only in the registry.
step_install() {
  dk plugin inspect "$PLUGIN" >/dev/null 2>&1 && fail "$PLUGIN is installed before docker plugin install"
  local host_dir_before=absent
  [ -e /var/lib/hostnic ] && host_dir_before=present
  dk_ok plugin install --grant-all-permissions "$PLUGIN" "ALLOW_NICS=$NIC_MAC" LOG_LEVEL=debug >/dev/null
  [ "$(dk plugin inspect -f '{{.Enabled}}' "$PLUGIN")" = true ] || fail "$PLUGIN is not enabled"
  local caps mounts
  caps=$(dk plugin inspect -f '{{json .Config.Linux.Capabilities}}' "$PLUGIN")
  [ "$caps" = '["CAP_NET_ADMIN"]' ] || fail "capabilities are $caps, expected only CAP_NET_ADMIN"
  mounts=$(dk plugin inspect -f '{{len .Config.Mounts}} {{.Config.PropagatedMount}}' "$PLUGIN")
  [ "$mounts" = "0 /var/lib/hostnic" ] ||
    fail "expected no host mount and the propagated mount /var/lib/hostnic, got: $mounts"
  [ -d "$(state_dir)" ] || fail "no state directory $(state_dir) on the host after enable"
  if [ "$host_dir_before" = absent ] && [ -e /var/lib/hostnic ]; then
    fail "installing the plugin created /var/lib/hostnic on the host"
  fi
  local pid
  pid=$(plugin_pid) || fail "cannot find the plugin's process through containerd/runc"
  # The settings reached the daemon as flags (entrypoint mapping).
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  note "plugin pid $pid: $cmdline"
  grep -q -- "--allow-nic $NIC_MAC" <<<"$cmdline" || fail "ALLOW_NICS did not become --allow-nic: $cmdline"
  grep -q -- "--log-level debug" <<<"$cmdline" || fail "LOG_LEVEL did not become --log-level: $cmdline"
  # Host network namespace, as the manifest asks.
  [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/$$/ns/net)" ] ||
    fail "the plugin is not in the host network namespace"
}

step_journey() {
  dk_ok network create -d "$PLUGIN" --label "$LABEL" --subnet "$SUBNET" --gateway "$GATEWAY" "$NET" >/dev/null
  journey_once "$NET"
  ls "$(state_dir)"/networks/*.json >/dev/null 2>&1 || fail "no network record in the plugin's state dir $(state_dir)"
}

# hold_nic NAME: a container that holds the NIC until removed.
hold_nic() {
  dk_ok run -d --name "$1" --label "$LABEL" --network "$NET" --ip "$IP" \
    --mac-address "$NIC_MAC" "$BB_IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done' >/dev/null
  expect_holds "$1"
}

# expect_holds NAME: the container has the NIC as eth0 and reaches the gateway.
expect_holds() {
  local inside
  inside=$(dk_ok exec "$1" sh -c "ip addr show eth0; ping -c 1 -W 3 $GATEWAY && echo PING-OK")
  grep -qi "link/ether $NIC_MAC" <<<"$inside" || fail "$1 has not the NIC: $(one_line "$inside")"
  grep -q PING-OK <<<"$inside" || fail "$1 cannot reach the gateway $GATEWAY: $(one_line "$inside")"
}

# The registry way: disable -f, docker plugin upgrade, enable, while a
# container holds the NIC.
step_upgrade_registry() {
  hold_nic hnp-held
  local records
  records=$(ls "$(state_dir)"/networks/)
  dk_ok plugin disable -f "$PLUGIN" >/dev/null
  # --skip-remote-check: the client asks before moving to another tag.
  dk_ok plugin upgrade --grant-all-permissions --skip-remote-check "$PLUGIN" "$REGISTRY/$REPO:2" >/dev/null
  dk_ok plugin enable "$PLUGIN" >/dev/null
  local ref env
  ref=$(dk plugin inspect -f '{{.PluginReference}}' "$PLUGIN")
  [ "$ref" = "$REGISTRY/$REPO:2" ] || fail "after the upgrade the plugin runs $ref, expected $REGISTRY/$REPO:2"
  env=$(dk plugin inspect -f '{{json .Settings.Env}}' "$PLUGIN")
  grep -q "ALLOW_NICS=$NIC_MAC" <<<"$env" || fail "docker plugin upgrade lost ALLOW_NICS: $env"
  [ "$(ls "$(state_dir)"/networks/)" = "$records" ] || fail "the network records changed across the upgrade"
  expect_holds hnp-held
  dk_ok rm -f hnp-held >/dev/null
  poll 15 nic_on_host || fail "$NIC is not back on the host after removing hnp-held"
  journey_once "$NET"
}

step_restart() {
  # A container holds the NIC while the plugin is killed.
  hold_nic hnp-held
  local inside pid newpid=""
  pid=$(plugin_pid) || fail "cannot find the plugin's process"
  note "kill -9 $pid"
  kill -9 "$pid"
  old_pid=$pid
  poll 60 plugin_restarted ||
    fail "Docker did not restart the plugin within 60 s after kill -9"
  newpid=$(plugin_pid)
  note "restarted as pid $newpid"
  [ "$(dk plugin inspect -f '{{.Enabled}}' "$PLUGIN")" = true ] || fail "plugin not enabled after the restart"
  inside=$(dk_ok exec hnp-held ip addr show eth0)
  grep -qi "link/ether $NIC_MAC" <<<"$inside" || fail "hnp-held lost its NIC across the plugin restart"
  # Leave/DeleteEndpoint reach the restarted plugin, which still knows them.
  dk_ok rm -f hnp-held >/dev/null
  poll 15 nic_on_host || fail "$NIC is not back on the host after removing hnp-held"
  # State intact: a new container on the same network, not re-created.
  journey_once "$NET"
}

step_upgrade() {
  local out
  if ! out=$("$ROOT/scripts/plugin.sh" upgrade --quiet --no-build --name "$PLUGIN" --image "$IMAGE" 2>&1); then
    fail "scripts/plugin.sh upgrade failed: $(printf '%s' "$out" | tail -n 15)"
  fi
  local env
  env=$(dk plugin inspect -f '{{json .Settings.Env}}' "$PLUGIN")
  grep -q "ALLOW_NICS=$NIC_MAC" <<<"$env" || fail "upgrade lost ALLOW_NICS: $env"
  grep -q "LOG_LEVEL=debug" <<<"$env" || fail "upgrade lost LOG_LEVEL: $env"
  ls "$(state_dir)"/networks/*.json >/dev/null 2>&1 || fail "upgrade lost the state: no network record in $(state_dir)"
  journey_once "$NET"
}

# swarm_service CFG NET SVC: the plugin's swarm network NET built from the
# config-only network CFG, and on it service SVC, one sleeping task; prints
# the task's container ID.
swarm_service() {
  # (--config-from takes no other settings, not even --label.)
  dk_ok network create -d "$PLUGIN" --scope swarm --config-from "$1" "$2" >/dev/null
  dk_ok service create --detach --name "$3" --network "$2" --no-resolve-image \
    --restart-condition none "$BB_IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done' >/dev/null
  task_container "$3"
}

# swarm_service_rm CFG NET SVC: removes what swarm_service made; the NIC
# comes home.
swarm_service_rm() {
  dk_ok service rm "$3" >/dev/null
  poll 60 nic_on_host || fail "$NIC did not come back to the host after service rm"
  poll 60 dk network rm "$2" >/dev/null 2>&1 || fail "cannot remove the swarm network $2"
  dk_ok network rm "$1" >/dev/null
}

step_swarm() {
  ensure_swarm
  # The local network of the earlier steps has the same subnet: on one node,
  # swarm's IPAM refuses a pool that overlaps it ("Pool overlaps ...").
  dk_ok network rm "$NET" >/dev/null
  dk_ok network create --config-only --label "$LABEL" --subnet "$SUBNET" --gateway "$GATEWAY" \
    -o "hostnic.nics=$NIC_MAC" "$CFG" >/dev/null
  local cid out
  cid=$(swarm_service "$CFG" "$SNET" "$SVC") || exit 1
  out=$(dk_ok exec "$cid" sh -c "ip addr show eth0; ip route; ping -c 1 -W 3 $GATEWAY && echo PING-OK")
  note "task $cid: $(one_line "$(grep -E 'link/ether|inet ' <<<"$out")")"
  grep -qi "link/ether $NIC_MAC" <<<"$out" || fail "the task's eth0 is not the NIC $NIC_MAC: $(one_line "$out")"
  grep -q "inet 192\.168\.77\." <<<"$out" || fail "the task's eth0 has no address in $SUBNET: $(one_line "$out")"
  grep -q PING-OK <<<"$out" || fail "the task cannot reach the gateway $GATEWAY: $(one_line "$out")"
  nic_on_host && fail "$NIC is still on the host while the task holds it"
  swarm_service_rm "$CFG" "$SNET" "$SVC"
}

# Swarm's allocator leaves a network of a local-scope driver to each node,
# which builds it from its own config-only network, null IPAM included: the
# daemon sends CreateNetwork/CreateEndpoint as for a local null-IPAM network.
step_swarm_dhcp() {
  ensure_swarm
  start_dhcp || fail "dnsmasq did not start in $PEER_NS: $(one_line "$(tail -n 5 "$WORK/dnsmasq.log")")"
  dk_ok network create --config-only --label "$LABEL" --ipam-driver null \
    -o "hostnic.nics=$NIC_MAC" "$DCFG" >/dev/null
  local cid out
  cid=$(swarm_service "$DCFG" "$DNET" "$DSVC") || exit 1
  out=$(dk_ok exec "$cid" sh -c "ip addr; ip route; ping -c 1 -W 3 $GATEWAY && echo PING-OK") || exit 1
  note "task $cid: $(one_line "$(grep -E 'link/ether|inet .*eth0' <<<"$out")")"
  grep -qi "link/ether $NIC_MAC" <<<"$out" || fail "the task's eth0 is not the NIC $NIC_MAC: $(one_line "$out")"
  grep -q "inet $DHCP_IP/24 .*eth0" <<<"$out" ||
    fail "the task's eth0 has not the NIC's DHCP address $DHCP_IP/24: $(one_line "$out")"
  grep -q "default via $GATEWAY dev eth0" <<<"$out" || fail "no default route via $GATEWAY (the lease's router): $(one_line "$out")"
  grep -q "eth1" <<<"$out" && fail "the task has a second NIC (docker_gwbridge): $(one_line "$out")"
  grep -q PING-OK <<<"$out" || fail "the task cannot reach the gateway $GATEWAY: $(one_line "$out")"
  grep -qi "$NIC_MAC" "$WORK/dnsmasq.leases" || fail "dnsmasq holds no lease for $NIC_MAC"
  swarm_service_rm "$DCFG" "$DNET" "$DSVC"
  stop_dhcp
}

# ------------------------------------------------------------------- main
main() {
  [ "$(id -u)" = 0 ] || { echo "plugin_test.sh must run as root" >&2; exit 1; }
  # One run at a time: runs share the NIC, netns and plugin names.
  exec 9>/run/lock/hostnic-plugin-e2e.lock
  flock -w 1800 9 || { echo "FAIL setup: another plugin_test.sh holds /run/lock/hostnic-plugin-e2e.lock"; exit 1; }
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  local t0=$SECONDS
  ensure_dockerd "$DOCKER" "$WORK" || { echo "FAIL setup: no Docker engine"; exit 1; }

  # The base image decides between running and skipping.
  local rc=0 out
  if [ -z "${HNP_PLUGIN_DIR:-}" ]; then
    out=$("$ROOT/scripts/plugin.sh" base 2>&1) || rc=$?
    if [ "$rc" = 3 ]; then
      suite_skip plugin "the ${BASE_IMAGE:-debian:bookworm-slim} base image cannot be made here ($(one_line "$out"))"
    elif [ "$rc" != 0 ]; then
      echo "FAIL setup: scripts/plugin.sh base: $(one_line "$out")"
      exit 1
    fi
  elif [ ! -f "$HNP_PLUGIN_DIR/config.json" ]; then
    echo "FAIL setup: HNP_PLUGIN_DIR=$HNP_PLUGIN_DIR is no plugin directory (no config.json)"
    exit 1
  fi
  ensure_bb_image || { echo "FAIL setup: cannot make the busybox test image"; exit 1; }
  start_registry || { echo "FAIL setup: cannot start a local registry (docker-registry)"; exit 1; }
  remove_leftovers
  setup_nic || { echo "FAIL setup: cannot create the stand-in NIC $NIC / netns $PEER_NS"; exit 1; }

  # scripts/plugin.sh upgrade rebuilds from the image: not with HNP_PLUGIN_DIR.
  local steps=${HNP_STEPS:-publish install journey restart upgrade-registry upgrade swarm swarm-dhcp}
  [ -n "${HNP_PLUGIN_DIR:-}" ] && steps=${steps/ upgrade / }
  local s
  for s in $steps; do
    case $s in
      publish) run_case publish step_publish ;;
      install) run_case install step_install ;;
      journey) run_case journey step_journey ;;
      restart) run_case "restart (kill -9)" step_restart ;;
      upgrade-registry) run_case "upgrade-registry (docker plugin upgrade)" step_upgrade_registry ;;
      upgrade) run_case "upgrade (scripts/plugin.sh)" step_upgrade ;;
      swarm) run_case swarm step_swarm ;;
      swarm-dhcp) run_case swarm-dhcp step_swarm_dhcp ;;
      *) echo "unknown step '$s' in HNP_STEPS" >&2; exit 2 ;;
    esac
    # Later steps need the plugin that publish and install make.
    if [ "${#FAILED[@]}" -gt 0 ] && { [ "$s" = publish ] || [ "$s" = install ]; }; then break; fi
  done
  [ -f "$WORK/started_swarm" ] && started_swarm=1

  case_summary plugin "$t0"
}

main
