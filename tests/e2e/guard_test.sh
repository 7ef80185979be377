# The metadata guard (hostnic.block-metadata): a container with Docker's
# default capabilities attacks a stand-in metadata service in the peer netns
# with raw Ethernet frames (AF_PACKET, with and without PACKET_QDISC_BYPASS),
# UDP and TCP. On a guarded network nothing answers; the SAME attacks on an
# unguarded network get the answer (the control: the test can fail). DHCP
# renewals pass the guard even when the server sits on a guarded address.
# Sourced by run.sh; see lib.sh. The attacker and the service are
# build/hostnic_attack (tests/e2e/attack.c), bind-mounted into the container.

ATTACK_BIN=${HNE_ATTACK_BIN:-$(dirname "$HOSTNIC_BIN")/hostnic_attack}
METADATA_ADDRS=(169.254.169.254 100.100.100.200)
METADATA_PORT=80

# start_metadata_service: the metadata addresses on the peer's gateway bridge
# and hostnic_attack serving UDP and TCP there; stop_metadata_service undoes
# both (called from the case's EXIT trap).
start_metadata_service() {
  [ -x "$ATTACK_BIN" ] || fail "no $ATTACK_BIN: build it (cmake --build build --target hostnic_attack)"
  local a
  for a in "${METADATA_ADDRS[@]}"; do
    ip -n "$PEER_NS" addr add "$a/32" dev "$PEER_BR"
  done
  ip netns exec "$PEER_NS" "$ATTACK_BIN" serve "$METADATA_PORT" \
    >"$HNE_WORK/metadata.log" 2>&1 </dev/null &
  echo $! >"$HNE_WORK/metadata.pid"
  wait_until 5 "the stand-in metadata service listens" grep -q serving "$HNE_WORK/metadata.log"
}

stop_metadata_service() {
  local a
  [ -f "$HNE_WORK/metadata.pid" ] && kill "$(cat "$HNE_WORK/metadata.pid")" 2>/dev/null
  rm -f "$HNE_WORK/metadata.pid"
  for a in "${METADATA_ADDRS[@]}"; do
    ip -n "$PEER_NS" addr del "$a/32" dev "$PEER_BR" 2>/dev/null
  done
  return 0
}

# attack NETWORK ENTRYPOINT ARG...: a container with Docker's default
# capabilities on NETWORK, hostnic_attack mounted at /attack; prints its
# output.
attack() {
  local net=$1 entrypoint=$2; shift 2
  dk run --rm --label "$LABEL" --network "$net" \
    -v "$ATTACK_BIN:/attack:ro" --entrypoint "$entrypoint" "$IMAGE" "$@" 2>&1 || true
}

# The gateway bridge's MAC: where raw frames to any address go.
gateway_mac() { ip -n "$PEER_NS" -br link show "$PEER_BR" | awk '{print $3}'; }

# attack_all NETWORK ADDRESS: every way in, one line each. The raw attack is
# a container's FIRST instruction (the guard must be on before the container
# starts); the others follow in a second container.
attack_all() {
  local net=$1 addr=$2 gw
  gw=$(gateway_mac)
  printf 'raw: %s\n' "$(attack "$net" /attack raw eth0 "$addr" "$gw" "$METADATA_PORT")"
  attack "$net" /bin/sh -c "
    echo \"raw-bypass: \$(/attack raw eth0 $addr $gw $METADATA_PORT bypass)\"
    echo \"udp: \$(/attack udp $addr $METADATA_PORT)\"
    echo \"tcp: \$(/attack tcp $addr $METADATA_PORT)\""
}

test_block_metadata_attack() {
  local out addr way old
  start_dhcp
  trap stop_metadata_service EXIT
  start_metadata_service
  cloud_net hne-open
  cloud_net hne-guarded -o hostnic.block-metadata=true
  for addr in "${METADATA_ADDRS[@]}"; do
    # The control: the same attacks, unguarded, read the service.
    out=$(attack_all hne-open "$addr")
    note "unguarded, $addr: $(one_line "$out")"
    for way in raw raw-bypass udp tcp; do
      expect_contains "$out" "^$way: ANSWER: METADATA-SECRET from $addr" \
        "the $way attack on $addr on an unguarded network (the control)"
    done
    expect_nic_clean hne2
    out=$(attack_all hne-guarded "$addr")
    note "guarded, $addr: $(one_line "$out")"
    for way in raw raw-bypass udp tcp; do
      expect_contains "$out" "^$way: NO ANSWER" "the $way attack on $addr on a guarded network"
    done
    expect_nic_clean hne2
  done
  # While a guarded container runs: status shows the guard, metrics count
  # what it dropped; back home, the NIC is without it.
  dk_ok run -d --name hne-guarded-run --label "$LABEL" --network hne-guarded \
    -v "$ATTACK_BIN:/attack:ro" "$IMAGE" sleep 120 >/dev/null
  out=$(dk exec hne-guarded-run /attack raw eth0 169.254.169.254 "$(gateway_mac)" "$METADATA_PORT" 2>&1 || true)
  expect_contains "$out" "^NO ANSWER" "the raw attack from a running guarded container"
  out=$(curl -sf --unix-socket "$SOCKET" http://hostnic/metrics)
  expect_contains "$out" 'hostnic_guard_dropped_frames_total\{nic="[^"]*",mac="52:54:0e:e5:00:f7",mode="(native|generic)"\} [1-9]' \
    "metrics count the frames the guard dropped on hne2"
  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" 2>&1 || true)
  expect_contains "$out" "52:54:0e:e5:00:f7 .*guarded \((native|generic), [1-9][0-9]* frames dropped\)" \
    "hostnic status shows hne2's guard"
  # kill -9: the program stays on the NIC; the restarted daemon puts a new
  # one on it inside the running container (counting again from zero).
  old=$(daemon_pid)
  kill -KILL "$old"
  wait_until 10 "hostnic (pid $old) is gone after kill -9" eval "! kill -0 $old 2>/dev/null"
  out=$(dk exec hne-guarded-run /attack raw eth0 169.254.169.254 "$(gateway_mac)" "$METADATA_PORT" 2>&1 || true)
  expect_contains "$out" "^NO ANSWER" "the raw attack while hostnic is down"
  start_daemon || fail "hostnic did not come back after kill -9"
  out=$(dk exec hne-guarded-run /attack raw eth0 169.254.169.254 "$(gateway_mac)" "$METADATA_PORT" 2>&1 || true)
  expect_contains "$out" "^NO ANSWER" "the raw attack after hostnic restarted"
  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" 2>&1 || true)
  expect_contains "$out" "52:54:0e:e5:00:f7 .*guarded \((native|generic), [1-9][0-9]* frames dropped\)" \
    "hostnic status shows hne2's guard again after the restart"
  dk_ok rm -f hne-guarded-run >/dev/null
  expect_nic_clean hne2
  out=$(ip link show dev hne2)
  if grep -q 'prog/xdp' <<<"$out"; then fail "hne2 came home with the guard still on: $(one_line "$out")"; fi
  return 0
}
register_case block-metadata-attack test_block_metadata_attack

# Some clouds serve DHCP from the metadata address (GCE: 169.254.169.254):
# here the guarded address is the DHCP server's own (the gateway), so every
# answer from it is dropped -- ping shows it -- except DHCP's: the lease is
# renewed from inside the container, through the guard.
test_guard_lets_dhcp_through() {
  local out
  # T1 (option 58) 5 s after the lease: the renewal the case waits for
  # comes while it checks the guard, or just after.
  start_dhcp --dhcp-option=58,5
  cloud_net hne-gce -o hostnic.block-metadata=true -o "hostnic.metadata-addresses=$GATEWAY"
  dk_ok run -d --name hne-guarded-dhcp --label "$LABEL" --network hne-gce "$IMAGE" sleep 300 >/dev/null
  out=$(dk_ok exec hne-guarded-dhcp ip addr)
  expect_iface "$out" eth0 "${NIC_MAC[hne2]}" "${NIC_DHCP_IP[hne2]}/24" "the guarded container"
  out=$(dk exec hne-guarded-dhcp ping -c 2 -W 1 "$GATEWAY" 2>&1 || true)
  expect_contains "$out" " 0 packets received" "ping to the guarded DHCP server (answers dropped)"
  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" --json 2>&1 || true)
  expect_contains "$out" '"mode": "(native|generic)"' "hostnic status --json shows hne2's guard"
  note "waiting for a renewal (T1: 5 s after the lease)"
  wait_until 60 "hne2's lease is renewed through the guard" \
    eval "curl -sf --unix-socket '$SOCKET' http://hostnic/metrics | grep -q 'hostnic_lease_renewals_total [1-9]'"
  dk_ok rm -f hne-guarded-dhcp >/dev/null
  expect_nic_clean hne2
}
register_case guard-dhcp-renew test_guard_lets_dhcp_through
