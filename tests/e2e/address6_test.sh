# The NIC's own IPv6 address (hostnic.address6): dnsmasq in the peer netns
# serves DHCPv6 (one fixed address for hne2) and router advertisements
# (the default router; for slaac an autonomous /64), beside its DHCPv4.
# Sourced by run.sh (and, on Docker 28.5, run by scripts/test.sh's core
# list); see lib.sh.

V6_PREFIX=2001:db8:61
V6_GATEWAY=$V6_PREFIX::1
declare -A NIC_DHCP6_IP=([hne2]=$V6_PREFIX::21)

# start_dhcp6 [DNSMASQ_ARG...]: start_dhcp plus the IPv6 prefix on the
# peer bridge and RAs naming the bridge a default router (dnsmasq advertises
# a router lifetime of 0 without a default route of its own, unless told).
start_dhcp6() {
  ip -n "$PEER_NS" addr replace "$V6_GATEWAY/64" dev "$PEER_BR" nodad
  start_dhcp --enable-ra --ra-param="$PEER_BR,10,1800" "$@"
}

# Docker 28 wants --ipv6 on a network whose containers get IPv6 (else it
# turns IPv6 off in them); 20.10 refuses --ipv6 with null IPAM and applies
# the driver's IPv6 address all the same.
ipv6_flag() {
  if [ "$(engine_major)" -ge 28 ]; then echo --ipv6; fi
}

# expect_own_address6 OUT CIDR WHAT: `ip -6 addr; ip -6 route` shows CIDR on
# eth0 and a default route through a link-local router on eth0.
#
# The default route is the container's kernel's own, from the router's RA
# (hostnic does not give Docker an IPv6 gateway: a route Docker added after
# the RA's would fail the start). WAIT_ROUTE6 is the shell the container runs
# first: up to 5 s for that RA.
WAIT_ROUTE6='for i in 1 2 3 4 5 6 7 8 9 10; do ip -6 route | grep -q "^default" && break; sleep 0.5; done'

expect_own_address6() {
  local out=$1 cidr=$2 what=$3
  expect_contains "$out" "inet6 $cidr scope global" "$what's eth0 IPv6 address"
  expect_contains "$out" "default via fe80:[0-9a-f:]+ dev eth0" "$what's IPv6 default route (the router's RA)"
}

# run_dual_stack NET CIDR6 WHAT: a container on hne2 on NET has the NIC's
# DHCPv4 address and CIDR6 with the router's default route, and pings the
# gateway's global IPv6 address (once DAD is done); hne2 comes back clean.
run_dual_stack() {
  local net=$1 cidr6=$2 what=$3 out
  out=$(dk_ok run --rm --label "$LABEL" --network "$net" \
        --mac-address "${NIC_MAC[hne2]}" "$IMAGE" sh -c "$WAIT_ROUTE6; ip addr; ip route; ip -6 route;
          for i in 1 2 3 4 5 6; do ping -c 1 -W 1 $V6_GATEWAY && break; sleep 1; done")
  expect_own_address "$out" hne2 "$what"
  expect_own_address6 "$out" "$cidr6" "$what"
  expect_contains "$out" "1 packets received" "$what pings $V6_GATEWAY through the NIC"
  expect_nic_clean hne2
}

test_dhcp6() {
  local out flag
  flag=$(ipv6_flag)
  start_dhcp6 --dhcp-range="::100,::1ff,constructor:$PEER_BR,64,2m" \
    --dhcp-host="${NIC_MAC[hne2]},[${NIC_DHCP6_IP[hne2]}]"
  cloud_net hne-cloud6 $flag -o hostnic.address6=dhcp6
  run_dual_stack hne-cloud6 "${NIC_DHCP6_IP[hne2]}/64" "the dual-stack container"

  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" --json 2>&1 || true)
  expect_contains "$out" "\"address\": \"${NIC_DHCP6_IP[hne2]}/64\"" "hostnic status shows hne2's IPv6 lease"
  out=$(curl -sf --unix-socket "$SOCKET" http://hostnic/metrics)
  expect_contains "$out" 'hostnic_leases\{family="ipv6",state="bound"\} 1' "metrics count the IPv6 lease"

  # Deleting the network releases the lease at the server.
  expect_lease_released hne-cloud6 hne2 "${NIC_DHCP6_IP[hne2]}"
}
register_case dhcp6 test_dhcp6

# Docker 28's IPv6-only network (--ipv4=false): the NIC's DHCPv6 address
# and the router's default route, no IPv4 address.
test_dhcp6_ipv6_only() {
  local out
  needs_docker 28 "IPv6-only networks (--ipv4=false)"
  start_dhcp6 --dhcp-range="::100,::1ff,constructor:$PEER_BR,64,2m" \
    --dhcp-host="${NIC_MAC[hne2]},[${NIC_DHCP6_IP[hne2]}]"
  cloud_net hne-only6 --ipv4=false --ipv6 -o hostnic.address6=dhcp6
  out=$(dk_ok run --rm --label "$LABEL" --network hne-only6 \
        --mac-address "${NIC_MAC[hne2]}" "$IMAGE" sh -c "$WAIT_ROUTE6; ip addr show dev eth0; ip -6 route")
  expect_own_address6 "$out" "${NIC_DHCP6_IP[hne2]}/64" "the IPv6-only container"
  grep -q "inet " <<<"$out" && fail "the IPv6-only container has an IPv4 address: $(one_line "$out")"
  expect_nic_clean hne2
}
register_case dhcp6-ipv6-only test_dhcp6_ipv6_only

test_slaac() {
  local flag
  flag=$(ipv6_flag)
  start_dhcp6 --dhcp-range="::,constructor:$PEER_BR,ra-only,64"
  cloud_net hne-slaac $flag -o hostnic.address6=slaac
  # 52:54:0e:e5:00:f7's modified EUI-64.
  run_dual_stack hne-slaac "$V6_PREFIX:0:5054:eff:fee5:f7/64" "the SLAAC container"
}
register_case slaac test_slaac

# container_inet6 CONTAINER: the global IPv6 addresses (CIDRs) on its eth0.
container_inet6() {
  dk exec "$1" ip -6 addr show dev eth0 scope global 2>/dev/null | awk '$1 == "inet6" { print $2 }'
}

# metric NAME: the value of hostnic_NAME in /metrics (0 when absent).
metric() {
  curl -sf --unix-socket "$SOCKET" http://hostnic/metrics |
    awk -v m="hostnic_$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}

# container_inet CONTAINER: the IPv4 addresses (CIDRs) on its eth0.
container_inet() {
  dk exec "$1" ip -4 addr show dev eth0 2>/dev/null | awk '$1 == "inet" { print $2 }'
}

# Never stranded, through one outage of the cloud's DHCP server, for two
# running containers at once (one wait for both expiries, dnsmasq's
# shortest lease being 2 minutes): hne-outage, IPv4 only on hne3, and
# hne-outage6, dual-stack with its DHCPv6 address on hne2. dnsmasq stops
# past the leases' expiry: each address leaves its container, `hostnic
# status` and /metrics say the leases were lost; dnsmasq starts again: each
# container has its address back by itself within 60 s. Then the cloud
# moves hne3 to another address, and the running hne-outage moves with it.
test_dhcp_outage() {
  local out t0 cidr6="${NIC_DHCP6_IP[hne2]}/64" moved_ip=192.168.1.31
  # T1 10 s and T2 15 s: IPv4 renewals begin soon; the leases still run
  # out 2 minutes after they were granted.
  local dhcp_args=(--dhcp-option=option:T1,10 --dhcp-option=option:T2,15
                   --dhcp-range="::100,::1ff,constructor:$PEER_BR,64,2m"
                   --dhcp-host="${NIC_MAC[hne2]},[${NIC_DHCP6_IP[hne2]}]")
  start_dhcp6 "${dhcp_args[@]}"
  cloud_net hne-outage -o hostnic.dhcp-timeout=3
  cloud_net hne-outage6 $(ipv6_flag) -o hostnic.address6=dhcp6 -o hostnic.dhcp-timeout=3
  dk_ok run -d --name hne-outage --label "$LABEL" --network hne-outage \
    --mac-address "${NIC_MAC[hne3]}" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  [ "$(container_inet hne-outage)" = "${NIC_DHCP_IP[hne3]}/24" ] ||
    fail "hne-outage did not start with hne3's address: $(container_inet hne-outage)"
  dk_ok run -d --name hne-outage6 --label "$LABEL" --network hne-outage6 \
    --mac-address "${NIC_MAC[hne2]}" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  wait_until 10 "hne-outage6 has hne2's IPv6 address" \
    eval '[ "$(container_inet6 hne-outage6)" = "$cidr6" ]'

  # The server goes away past the leases' expiry.
  stop_dhcp
  note "DHCP server stopped; waiting for the leases to expire (2 minutes)"
  wait_until 150 "hostnic removes the expired address from the running container" \
    eval '[ -z "$(container_inet hne-outage)" ]'
  wait_until 60 "hostnic removes the expired IPv6 address from the running container" \
    eval '[ -z "$(container_inet6 hne-outage6)" ]'
  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" 2>&1 || true)
  expect_contains "$out" "lost: it expired" "hostnic status names the lost lease"
  expect_contains "$out" "IPv6 lease lost" "hostnic status names the lost IPv6 lease"
  [ "$(metric leases_lost_total)" -ge 1 ] || fail "leases_lost_total did not count the loss"
  out=$(curl -sf --unix-socket "$SOCKET" http://hostnic/metrics)
  expect_contains "$out" 'hostnic_leases\{family="ipv6",state="lost"\} 1' "metrics count the lost IPv6 lease"

  # Back: each container gets its address back by itself.
  start_dhcp6 "${dhcp_args[@]}"
  t0=$SECONDS
  wait_until 60 "the running container has its address back by itself" \
    eval '[ "$(container_inet hne-outage)" = "${NIC_DHCP_IP[hne3]}/24" ]'
  note "address back $((SECONDS - t0)) s after the server came back"
  # Its IPv4 lease re-installed too, the dual-stack container keeps its IPv6.
  wait_until 60 "the dual-stack container has its IPv4 address back by itself" \
    eval '[ "$(container_inet hne-outage6)" = "${NIC_DHCP_IP[hne2]}/24" ]'
  wait_until 60 "the running container has its IPv6 address back by itself" \
    eval '[ "$(container_inet6 hne-outage6)" = "$cidr6" ]'
  note "IPv6 address back $((SECONDS - t0)) s after the server came back"
  out=$(dk_ok exec hne-outage sh -c 'ip addr; ip route')
  expect_own_address "$out" hne3 hne-outage
  out=$(dk_ok exec hne-outage ping -c 1 -W 2 "$GATEWAY")
  expect_contains "$out" "1 packets received" "hne-outage reaches the gateway again"
  [ "$(metric leases_reacquired_total)" -ge 1 ] || fail "leases_reacquired_total did not count it"
  out=$("$HOSTNIC_BIN" status --socket "$SOCKET" 2>&1 || true)
  expect_contains "$out" "re-acquired" "hostnic status says the lease was re-acquired"
  out=$(dk_ok exec hne-outage6 sh -c "$WAIT_ROUTE6; ip -6 addr; ip -6 route;
          for i in 1 2 3 4 5 6; do ping -c 1 -W 1 $V6_GATEWAY && break; sleep 1; done")
  expect_own_address6 "$out" "$cidr6" hne-outage6
  expect_contains "$out" "1 packets received" "hne-outage6 reaches $V6_GATEWAY again"
  out=$(curl -sf --unix-socket "$SOCKET" http://hostnic/metrics)
  expect_contains "$out" 'hostnic_leases\{family="ipv6",state="bound"\} 1' "metrics count the IPv6 lease bound again"
  dk_ok rm -f hne-outage6 >/dev/null
  expect_nic_clean hne2

  # The cloud moves the NIC to another address: the next renewal is NAKed
  # (or answered with the new address), and the running container moves.
  stop_dhcp
  NIC_DHCP_IP[hne3]=$moved_ip  # This case runs in a subshell of its own.
  start_dhcp6 "${dhcp_args[@]}"
  wait_until 60 "the running container moves to $moved_ip" \
    eval '[ "$(container_inet hne-outage)" = "$moved_ip/24" ]'
  out=$(dk_ok exec hne-outage sh -c 'ip addr; ip route')
  expect_own_address "$out" hne3 hne-outage
  [ "$(metric leases_moved_total)" -ge 1 ] || fail "leases_moved_total did not count the move"
  grep -q "DHCPACK(hnegw) $moved_ip ${NIC_MAC[hne3]}" "$HNE_WORK/dnsmasq.log" ||
    fail "dnsmasq logged no ACK of $moved_ip for hne3"
  dk_ok rm -f hne-outage >/dev/null
  expect_nic_clean hne3
}
register_case dhcp-outage test_dhcp_outage

test_address6_refused() {
  local out
  out=$(dk_err network create -d "$DRIVER" --label "$LABEL" --ipam-driver null \
        -o hostnic.address6=dhcp hne-bad6)
  expect_error "$out" "hostnic.address6: 'dhcp' is not dhcp6"
  out=$(dk_err network create -d "$DRIVER" --label "$LABEL" --subnet "$SUBNET" \
        -o hostnic.address=docker -o hostnic.address6=dhcp6 hne-ipam6)
  expect_error "$out" "ipam-driver null"
  # DHCPv4 answers, DHCPv6 does not: the container does not start, and the
  # error names the NIC.
  start_dhcp
  cloud_net hne-silent6 -o hostnic.address6=dhcp6 -o hostnic.dhcp-timeout=2
  out=$(dk_err run --rm --label "$LABEL" --network hne-silent6 \
        --mac-address "${NIC_MAC[hne3]}" "$IMAGE" true)
  expect_error "$out" "no DHCPv6 answer" "hne3" "${NIC_MAC[hne3]}"
  expect_nic_clean hne3
  out=$(ip -6 addr show dev hne3)
  [ -z "$out" ] || fail "hne3 kept an IPv6 address after DHCPv6: $(one_line "$out")"
}
register_case address6-refused test_address6_refused
