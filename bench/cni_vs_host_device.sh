#!/usr/bin/env bash
# hostnic's CNI plugin beside the reference host-device plugin (Debian's
# containernetworking-plugins) on the same stand-in NIC, run directly as a
# runtime runs them (CNI_* environment, configuration on stdin), with the
# static IPAM plugin for both. Prints what each does on the happy path and
# on the failure paths of docs/cni.md, then ADD, DEL and ADD+DEL latency
# (medians of N, with the 10th and 90th percentiles, the plugins taking
# turns so that all see the same machine load) and VERSION alone (process
# start), timed by bench/cni_exec_times.py; beside them, the floor: the NIC
# moved in and out by `ip link set netns` alone, and hostnic's ADD run at
# once after its DEL (it waits for the NIC's return, which hostnic's DEL no
# longer does: docs/cni.md).
#
#     bench/cni_vs_host_device.sh [N]      (as root; default N=40)
#
# HNB_DEVICES=500 adds that many other devices (veth pairs) to the host
# first, as on a node of many pods, where a lookup that lists every device
# costs what the move does.
#
# HOSTNIC_BIN is the daemon (default build/hostnic), HOSTNIC_CNI_BIN the
# plugin executable (default build/hostnic-cni, installed as
# lib/cni/hostnic).
#
# Runs in a private network namespace of its own (unshare -n); the
# container namespaces are made with `ip netns add` and removed after.
source "$(dirname "${BASH_SOURCE[0]}")/plugin_prologue.sh"
N=${1:-40}
HD=/usr/lib/cni/host-device
W=$(mktemp -d /tmp/hostnic-cnib.XXXXXX)
NS=hncb-$$
DEV=hncb1 MAC=52:54:0e:cb:00:01
ip link set lo up
for i in $(seq $((${HNB_DEVICES:-0} / 2))); do echo "link add hnbx$i type veth peer name hnby$i"; done |
  ip -batch - || exit 1
# stand_in: the veth stand-in NIC, made again when a case left it in a
# namespace that was then deleted (a veth dies with its namespace, where a
# real NIC would come home). The kernel cleans a deleted namespace up later,
# on a work queue: until then the old pair lives on (its peer hncb1p still
# here), and a new pair made meanwhile fails, or meets the old NIC's MAC.
stand_in() {
  local i
  for i in $(seq 100); do
    ip -o link | grep -qi "$MAC" && return
    ip link show ${DEV}p >/dev/null 2>&1 || break
    sleep 0.05
  done
  ip link add $DEV address $MAC mtu 1400 type veth peer name ${DEV}p
}
stand_in
"$BIN" --socket "$W/s.sock" --state-dir "$W/state" --log-level warn >"$W/d.log" 2>&1 &
DP=$!
trap 'kill $DP 2>/dev/null; wait $DP 2>/dev/null; ip netns del $NS 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 50); do "$BIN" status --socket "$W/s.sock" >/dev/null 2>&1 && break; sleep 0.1; done

# hostnic applies a plain static section itself (src/cni/static_ipam.h);
# "hostnic-exec" makes it run the static plugin, as host-device does, through
# a link of another name (static-exec) in CNI_PATH.
mkdir -p "$W/bin" && ln -s /usr/lib/cni/static "$W/bin/static-exec"
ipam() { echo "\"ipam\":{\"type\":\"$1\",\"addresses\":[{\"address\":\"10.9.0.5/24\",\"gateway\":\"10.9.0.1\"}]}"; }
conf() {
  local HN="\"type\":\"hostnic\",\"socket\":\"$W/s.sock\",\"stateDir\":\"$W/cni-state\",\"device\":\"$DEV\""
  case $1 in
    hostnic) echo "{\"cniVersion\":\"1.0.0\",\"name\":\"b\",$HN,$(ipam static)}" ;;
    hostnic-exec) echo "{\"cniVersion\":\"1.0.0\",\"name\":\"b\",$HN,$(ipam static-exec)}" ;;
    host-device) echo "{\"cniVersion\":\"1.0.0\",\"name\":\"b\",\"type\":\"host-device\",\"device\":\"$DEV\",$(ipam static)}" ;;
  esac
}
plugin_bin() { [ "$1" = host-device ] && echo "$HD" || echo "$PLUGIN"; }
# cni PLUGIN VERB NETNS: exit code; stdout in $W/out
cni() {
  conf "$1" | env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$2" CNI_CONTAINERID=c1 \
    CNI_NETNS="$3" CNI_IFNAME=eth0 CNI_PATH="$W/bin:/usr/lib/cni" "$(plugin_bin "$1")" >"$W/out" 2>/dev/null
}
host_state() {  # how the NIC looks on the host, found by MAC
  local line
  line=$(ip -o link | grep -i "$MAC" | head -1)
  [ -n "$line" ] || { echo "not on the host"; return; }
  local name addr
  name=$(echo "$line" | awk -F': ' '{print $2}' | cut -d@ -f1)
  addr=$(ip -o addr show dev "$name" | awk '{print $4}' | tr '\n' ' ')
  echo "on host as $name$(echo "$line" | grep -q ',UP' && echo ', up'), mtu $(echo "$line" | sed 's/.* mtu \([0-9]*\).*/\1/')${addr:+, addresses $addr}"
}
# hostnic's DEL answers before the NIC is home (the daemon brings it home
# after): after its DEL, wait (bounded) until the daemon shows the NIC on the
# host and free.
home() {
  [ "$1" = hostnic ] || return 0
  local i
  for i in $(seq 200); do
    "$BIN" status --socket "$W/s.sock" 2>/dev/null | grep -qi "$MAC.* free" && return
    sleep 0.05
  done
}
fresh() {
  ip netns del $NS 2>/dev/null; ip netns add $NS
  stand_in
  # Put the NIC back as it started whatever the previous case did.
  local name
  name=$(ip -o link | grep -i "$MAC" | awk -F': ' '{print $2}' | cut -d@ -f1 | head -1)
  if [ -n "$name" ] && [ "$name" != $DEV ]; then ip link set "$name" down; ip link set "$name" name $DEV; fi
  ip link set $DEV down 2>/dev/null; ip link set $DEV mtu 1400 2>/dev/null; ip addr flush dev $DEV 2>/dev/null
}

row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
declare -A R
for p in hostnic host-device; do
  fresh; cni $p ADD /run/netns/$NS; rc=$?
  inside=$(ip -n $NS -o addr show eth0 2>/dev/null | awk '{print $4}' | head -1)
  cni $p DEL /run/netns/$NS; rc2=$?
  home $p
  R[happy,$p]="ADD rc $rc (eth0 $inside); DEL rc $rc2; $(host_state)"

  fresh; cni $p ADD /run/netns/$NS >/dev/null
  cni $p DEL ""; rc=$?
  home $p
  R[nonetns,$p]="DEL rc $rc; $(host_state)"
  cni $p DEL /run/netns/$NS >/dev/null

  fresh; cni $p ADD /run/netns/$NS
  ip -n $NS link set eth0 netns $$ 2>/dev/null; ip netns del $NS
  cni $p DEL /run/netns/$NS; rc=$?
  sleep 0.5
  home $p
  R[gone,$p]="DEL rc $rc; $(host_state)"

  fresh; ip -n $NS link add eth0 type veth peer name x0
  cni $p ADD /run/netns/$NS; rc=$?
  R[taken,$p]="ADD rc $rc; $(host_state)"
  cni $p DEL /run/netns/$NS >/dev/null
  home $p

  fresh
  echo "{\"cniVersion\":\"1.1.0\",\"name\":\"b\",\"type\":\"$p\",$([ $p = hostnic ] && echo "\"socket\":\"$W/s.sock\",")\"cni.dev/valid-attachments\":[]}" |
    env -i PATH=/usr/bin:/bin CNI_COMMAND=GC CNI_PATH=/usr/lib/cni "$(plugin_bin $p)" >"$W/out" 2>/dev/null
  R[gc,$p]="rc $? $(tr -d '\n' <"$W/out" | tr -s ' ' | head -c 100)"
done

echo "| Case | hostnic | host-device |"
echo "|---|---|---|"
row "ADD, DEL" "${R[happy,hostnic]}" "${R[happy,host-device]}"
row "DEL with CNI_NETNS empty" "${R[nonetns,hostnic]}" "${R[nonetns,host-device]}"
row "DEL after the netns died (NIC back as eth0)" "${R[gone,hostnic]}" "${R[gone,host-device]}"
row "ADD with CNI_IFNAME taken in the netns" "${R[taken,hostnic]}" "${R[taken,host-device]}"
row "GC (1.1.0)" "${R[gc,hostnic]}" "${R[gc,host-device]}"

# Latency: bench/cni_exec_times.py runs each plugin as a runtime does (no
# shell in the timing), the three taking turns. On a stand-in of its own
# (name and MAC), so that no pair the cases above left in a namespace the
# kernel is still cleaning up can be mistaken for it.
DEV=hncl1 MAC=52:54:0e:cb:00:02
fresh
for p in hostnic hostnic-exec host-device; do conf $p >"$W/$p.conf"; done
# The daemon must know the stand-in (it sees it through netlink).
known=""
for _ in $(seq 50); do "$BIN" status --socket "$W/s.sock" | grep -q "^$DEV " && known=1 && break; sleep 0.1; done
[ -n "$known" ] || { echo "the daemon does not see the stand-in $DEV:"; ip -o link; exit 1; }
/usr/bin/python3 "$ROOT/bench/cni_exec_times.py" --moves $DEV --socket "$W/s.sock" "$N" /run/netns/$NS \
  "hostnic=$PLUGIN,$W/hostnic.conf,$W/bin:/usr/lib/cni" \
  "hostnic-exec=$PLUGIN,$W/hostnic-exec.conf,$W/bin:/usr/lib/cni" \
  "host-device=$HD,$W/host-device.conf,$W/bin:/usr/lib/cni"
