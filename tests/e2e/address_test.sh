# The NIC's own address: null-IPAM networks whose containers get their NIC's
# address, gateway, routes and MTU from the cloud's DHCP server (dnsmasq in
# the peer netns, see start_dhcp in lib.sh); block-metadata.
# Sourced by run.sh; see lib.sh.

test_dhcp_pool_pick() {
  local out
  start_dhcp
  cloud_net hne-cloud
  # No --ip, no --mac-address: a free NIC of the pool with its own address.
  out=$(dk_ok run --rm --label "$LABEL" --network hne-cloud "$IMAGE" \
        sh -c "ip addr; ip route; ping -c 2 -W 2 $GATEWAY")
  expect_own_address "$out" hne2 "the pool-picked container"
  expect_contains "$out" "[1-2] packets received" "ping $GATEWAY through the NIC"
  expect_nic_clean hne2

  # The next container reuses the stored lease without asking again.
  out=$(dk_ok run --rm --label "$LABEL" --network hne-cloud "$IMAGE" ip addr)
  expect_iface "$out" eth0 "${NIC_MAC[hne2]}" "${NIC_DHCP_IP[hne2]}/24" "the second container"
  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" --json 2>&1 || true)
  expect_contains "$out" "\"address\": \"${NIC_DHCP_IP[hne2]}/24\"" "hostnic status shows hne2's lease"
  out=$(curl -sf --unix-socket "$SOCKET" http://hostnic/metrics)
  expect_contains "$out" "hostnic_leases_reused_total [1-9]" "metrics count the reused lease"
  expect_nic_clean hne2

  # Deleting the network releases the lease at the server.
  expect_lease_released hne-cloud hne2 "${NIC_MAC[hne2]}"
}
register_case dhcp-pool-pick test_dhcp_pool_pick

test_dhcp_two_containers() {
  local out
  start_dhcp
  cloud_net hne-cloud2
  dk_ok run -d --name hne-own3 --label "$LABEL" --network hne-cloud2 \
    --mac-address "${NIC_MAC[hne3]}" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  dk_ok run -d --name hne-own4 --label "$LABEL" --network hne-cloud2 \
    --mac-address "${NIC_MAC[hne4]}" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  out=$(dk_ok exec hne-own3 sh -c 'ip addr; ip route')
  expect_own_address "$out" hne3 hne-own3
  out=$(dk_ok exec hne-own4 sh -c 'ip addr; ip route')
  expect_own_address "$out" hne4 hne-own4
  # Each reaches the other through the cloud switch with its own address.
  out=$(dk_ok exec hne-own3 ping -c 2 -W 2 "${NIC_DHCP_IP[hne4]}")
  expect_contains "$out" "[1-2] packets received" "hne-own3 pings hne-own4"
  dk_ok rm -f hne-own3 hne-own4 >/dev/null
  expect_nic_clean hne3
  expect_nic_clean hne4
}
register_case dhcp-two-containers test_dhcp_two_containers

test_dhcp_no_server() {
  local out
  cloud_net hne-silent -o hostnic.dhcp-timeout=2
  out=$(dk_err run --rm --label "$LABEL" --network hne-silent \
        --mac-address "${NIC_MAC[hne3]}" "$IMAGE" true)
  expect_error "$out" "no DHCP answer" "hne3" "${NIC_MAC[hne3]}" "2 s"
  expect_nic_clean hne3
  out=$(ip -6 addr show dev hne3)
  [ -z "$out" ] || fail "hne3 got an IPv6 address while DHCP ran: $(one_line "$out")"
}
register_case dhcp-no-server test_dhcp_no_server

test_dhcp_bad_options() {
  local out
  out=$(dk_err network create -d "$DRIVER" --label "$LABEL" --subnet "$SUBNET" \
        -o hostnic.address=dhcp hne-wrong)
  expect_error "$out" "ipam-driver null"
  out=$(dk_err network create -d "$DRIVER" --label "$LABEL" --ipam-driver null \
        -o hostnic.address=hook hne-nohook)
  expect_error "$out" "--address-hook"
}
register_case dhcp-bad-options test_dhcp_bad_options

test_dhcp_kill9_keeps_renewing() {
  local out old
  # T1 (option 58) at 20 s instead of half the 2-minute lease: the renewal
  # comes sooner, the kill and restart still happen well before it.
  start_dhcp --dhcp-option=option:T1,20
  cloud_net hne-renew
  dk_ok run -d --name hne-renewer --label "$LABEL" --network hne-renew \
    --mac-address "${NIC_MAC[hne2]}" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  expect_nic_gone hne2
  old=$(daemon_pid)
  kill -KILL "$old"
  wait_until 10 "hostnic (pid $old) is gone after kill -9" eval "! kill -0 $old 2>/dev/null"
  start_daemon || fail "hostnic did not come back after kill -9"
  # T1 is 20 s after the lease was obtained: the restarted daemon renews it
  # from inside the container's namespace.
  note "waiting for the lease's T1 (about 20 s)"
  wait_until 90 "the restarted hostnic renews hne2's lease" \
    eval "curl -sf --unix-socket '$SOCKET' http://hostnic/metrics | grep -q 'hostnic_lease_renewals_total [1-9]'"
  grep -q "DHCPACK(hnegw) ${NIC_DHCP_IP[hne2]} ${NIC_MAC[hne2]}" "$HNE_WORK/dnsmasq.log" ||
    fail "dnsmasq logged no ACK for hne2"
  out=$(dk_ok exec hne-renewer ip addr)
  expect_iface "$out" eth0 "${NIC_MAC[hne2]}" "${NIC_DHCP_IP[hne2]}/24" hne-renewer
  out=$(dk_ok exec hne-renewer ping -c 1 -W 2 "$GATEWAY")
  expect_contains "$out" "1 packets received" "hne-renewer still reaches the gateway"
  dk_ok rm -f hne-renewer >/dev/null
  expect_nic_clean hne2
}
register_case dhcp-kill9-renew test_dhcp_kill9_keeps_renewing

test_dhcp_kill9_mid_exchange() {
  local old run_pid lines
  # No DHCP server: the exchange waits out its timeout with hne3 up on the
  # host and its IPv6 off. hne3's IPv6 is on, as a cloud NIC's is.
  sysctl -qw net.ipv6.conf.hne3.disable_ipv6=0
  cloud_net hne-killed -o hostnic.dhcp-timeout=30
  dk run --rm --label "$LABEL" --network hne-killed \
    --mac-address "${NIC_MAC[hne3]}" "$IMAGE" true >/dev/null 2>&1 &
  run_pid=$!
  wait_until 20 "hne3 is up on the host for its DHCP exchange" \
    eval "ip link show dev hne3 | grep -q ',UP'"
  [ "$(sysctl -n net.ipv6.conf.hne3.disable_ipv6)" = 1 ] ||
    fail "hne3's IPv6 is not off during the exchange"
  old=$(daemon_pid)
  kill -KILL "$old"
  wait_until 10 "hostnic (pid $old) is gone after kill -9" eval "! kill -0 $old 2>/dev/null"
  # The control: what the killed hostnic left behind.
  ip link show dev hne3 | grep -q ',UP' ||
    fail "hne3 is not up after the kill: the kill missed the exchange"
  [ "$(sysctl -n net.ipv6.conf.hne3.disable_ipv6)" = 1 ] ||
    fail "hne3's IPv6 is not off after the kill: the kill missed the exchange"
  # Docker gives the run up while hostnic is away (it retries for a while).
  wait_until 90 "docker run gives up without hostnic" eval "! kill -0 $run_pid 2>/dev/null"
  wait "$run_pid" 2>/dev/null || true  # docker run fails: no hostnic
  lines=$(daemon_log_lines)
  start_daemon || fail "hostnic did not come back after kill -9"
  ip link show dev hne3 | grep -q ',UP' && fail "hne3 is still up after the restart"
  [ "$(sysctl -n net.ipv6.conf.hne3.disable_ipv6)" = 0 ] ||
    fail "hne3's IPv6 is still off after the restart"
  tail -n +"$((lines + 1))" "$HNE_WORK/hostnic.log" | grep -q "hne3.*did not finish; put back down with IPv6 on" ||
    fail "the restarted hostnic did not say it put hne3 back"
  expect_nic_clean hne3
  dk network rm hne-killed >/dev/null 2>&1 || true
}
register_case dhcp-kill9-exchange test_dhcp_kill9_mid_exchange

test_block_metadata() {
  local out routes ping
  start_dhcp
  # The service answers pings on the far side, so only the guard stops them
  # (guard_test.sh's block-metadata-attack shows an unguarded container gets
  # answers).
  ip -n "$PEER_NS" addr add 169.254.169.254/32 dev "$PEER_BR"
  trap 'ip -n "$PEER_NS" addr del 169.254.169.254/32 dev "$PEER_BR" 2>/dev/null' EXIT
  cloud_net hne-guarded -o hostnic.block-metadata=true
  out=$(dk_ok run --rm --label "$LABEL" --network hne-guarded "$IMAGE" \
        sh -c 'ip route; ip -6 route; echo PING; ping -c 1 -W 1 169.254.169.254 2>&1; true')
  routes=${out%%PING*} ping=${out#*PING}
  expect_contains "$routes" "unreachable 169.254.169.254" "the container's route to the metadata service"
  expect_contains "$routes" "unreachable fd00:ec2::254" "the container's IPv6 route to the metadata service"
  expect_contains "$routes" "unreachable 100.100.100.200" "the container's route to Alibaba's metadata service"
  # The route's own error, from ping alone (not ip route's text).
  expect_contains "$ping" "(No route to host|Network unreachable)" "ping 169.254.169.254 from the container"
  expect_nic_clean hne2
}
register_case block-metadata test_block_metadata
