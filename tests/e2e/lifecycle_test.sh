# NICs that arrive after the container asks for them: hot-plugged late, or
# attached by the operator's attach hook (issue 4). Sourced by run.sh.

LATE_NIC=hne6
NIC_MAC[$LATE_NIC]=52:54:0e:e5:00:06
EXTRA_NICS+=("$LATE_NIC")
ATTACH_HOOK=/tmp/hostnic-e2e-attach-hook.sh
DAEMON_EXTRA_ARGS+=(--allow-nic "${NIC_MAC[$LATE_NIC]}")

# The hook plays the cloud: it "attaches" the NIC it is asked for (or the late
# one when any will do), wired to the gateway like the other stand-ins, and
# prints its MAC.
write_attach_hook() {
  cat >"$ATTACH_HOOK" <<HOOK
#!/bin/sh
set -e
mac=\${HOSTNIC_MAC:-${NIC_MAC[$LATE_NIC]}}
echo "attaching \$mac for endpoint \$HOSTNIC_ENDPOINT_ID"
ip link add $LATE_NIC address "\$mac" type veth peer name ${LATE_NIC}p
ip link set ${LATE_NIC}p netns $PEER_NS
ip -n $PEER_NS link set ${LATE_NIC}p master $PEER_BR
ip -n $PEER_NS link set ${LATE_NIC}p up
echo "attached \$mac"
HOOK
  chmod 755 "$ATTACH_HOOK"
}

# Removes the late NIC and its far end, wherever a case left them.
remove_late_nic() {
  ip link del "$LATE_NIC" 2>/dev/null || true
  ip -n "$PEER_NS" link del "${LATE_NIC}p" 2>/dev/null || true
}

# docker run asks for a MAC that is not there yet; the NIC is hot-plugged 2 s
# later and the container starts with it (hostnic.wait=20 lets it wait).
test_late_nic() {
  local mac=${NIC_MAC[$LATE_NIC]} out plug
  remove_late_nic
  net_create hne-late -o hostnic.wait=20
  ( sleep 2; make_nic "$LATE_NIC" ) &
  plug=$!
  out=$(dk_ok run --rm --label "$LABEL" --network hne-late --ip 192.168.1.6 \
        --mac-address "$mac" "$IMAGE" ping -c 2 -W 2 "$GATEWAY")
  wait "$plug"
  expect_contains "$out" "[1-2] packets received" "ping $GATEWAY over the late NIC"
  expect_nic_back "$LATE_NIC"
  remove_late_nic
}
register_case late-nic test_late_nic

# docker run asks for a MAC no device has; the attach hook attaches it and
# the container gets it as eth0. Only this case runs the daemon with the hook.
test_attach_hook() {
  local mac=${NIC_MAC[$LATE_NIC]} out
  remove_late_nic
  write_attach_hook
  stop_daemon
  PLAIN_DAEMON_ARGS=("${DAEMON_EXTRA_ARGS[@]}")
  DAEMON_EXTRA_ARGS+=(--attach-hook "$ATTACH_HOOK")
  # Whatever happens, the next case gets the daemon without the hook.
  trap 'stop_daemon; DAEMON_EXTRA_ARGS=("${PLAIN_DAEMON_ARGS[@]}"); start_daemon; rm -f "$ATTACH_HOOK"' EXIT
  start_daemon
  net_create hne-hook
  out=$(dk_ok run --rm --label "$LABEL" --network hne-hook --ip 192.168.1.7 \
        --mac-address "$mac" "$IMAGE" ip addr)
  expect_iface "$out" eth0 "$mac" 192.168.1.7/24
  expect_nic_back "$LATE_NIC"
  grep -q "attach hook .*attached $mac" "$HNE_WORK/hostnic.log" ||
    fail "the daemon log does not show the hook's output 'attached $mac'"
  remove_late_nic
}
register_case attach-hook test_attach_hook
