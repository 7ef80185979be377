# What Docker 25-28 changed around remote drivers, and what hostnic does with
# each (docs/engines.md). Each case skips, saying why, on an engine that does
# not have the feature. Sourced by run.sh; see lib.sh for the world.

# API 1.44 (Docker 25): the MAC is a setting of each endpoint,
# --network name=NET,mac-address=M; hostnic picks the NIC by it, as it picks
# it by --mac-address.
test_endpoint_mac() {
  needs_api 44 25 "--network name=...,mac-address="
  local mac=${NIC_MAC[hne3]} out
  net_create hne-epmac
  out=$(dk_ok run --rm --label "$LABEL" --network "name=hne-epmac,mac-address=$mac,ip=192.168.1.6" \
        "$IMAGE" ip addr)
  expect_iface "$out" eth0 "$mac" 192.168.1.6/24
  expect_nic_back hne3
}
register_case endpoint-mac test_endpoint_mac

# com.docker.network.endpoint.ifname (Docker 28) names a built-in driver's
# interface; for remote drivers Docker passes no name (its remote proxy calls
# SetNames with an empty one) and names the NIC from Join's DstPrefix, so the
# container gets eth0. hostnic accepts the option (com.docker.* is Docker's)
# and the NIC works and comes back as usual.
test_endpoint_ifname() {
  needs_api 44 25 "driver options in docker run --network"
  local mac=${NIC_MAC[hne2]} out
  net_create hne-ifname
  out=$(dk_ok run --rm --label "$LABEL" \
        --network "name=hne-ifname,mac-address=$mac,ip=192.168.1.5,driver-opt=com.docker.network.endpoint.ifname=cloud0" \
        "$IMAGE" sh -c "ip addr; ip route; ping -c 1 -W 3 $GATEWAY")
  expect_iface "$out" eth0 "$mac" 192.168.1.5/24
  expect_contains "$out" "default via $GATEWAY dev eth0" "ip route in the container"
  expect_contains "$out" "1 packets received" "ping $GATEWAY through eth0"
  expect_nic_back hne2
}
register_case endpoint-ifname test_endpoint_ifname

# com.docker.network.endpoint.sysctls sets the NIC's sysctls once it is in the
# container (IFNAME stands for its name there). Docker 28.5 applies it to
# hostnic's NIC; 26.1 accepts the option but leaves the sysctl as it was
# (observed), so there the case only checks that the container starts.
test_endpoint_sysctls() {
  needs_api 44 25 "per-endpoint driver options"
  local mac=${NIC_MAC[hne2]} out want=0
  [ "$(engine_major)" -ge 28 ] && want=1
  net_create hne-sysctl
  out=$(dk_ok run --rm --label "$LABEL" \
        --network "name=hne-sysctl,mac-address=$mac,driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=1" \
        "$IMAGE" sh -c 'ip addr show eth0; echo "log_martians=$(cat /proc/sys/net/ipv4/conf/eth0/log_martians)"')
  expect_iface "$out" eth0 "$mac"
  expect_contains "$out" "log_martians=$want" "the endpoint sysctl inside the container (Docker $(engine_version))"
  expect_nic_back hne2
}
register_case endpoint-sysctls test_endpoint_sysctls

# Docker 28: --ipv4=false (com.docker.network.enable_ipv4=false) makes an
# IPv6-only network; CreateEndpoint then carries no IPv4 address and hostnic
# configures IPv6 alone.
test_ipv6_only() {
  needs_docker 28 "IPv6-only networks (--ipv4=false)"
  local mac=${NIC_MAC[hne2]} out
  ip -n "$PEER_NS" addr replace fd00:66::1/64 dev "$PEER_BR" nodad
  dk_ok network create -d "$DRIVER" --label "$LABEL" --ipv4=false --ipv6 \
    --subnet fd00:66::/64 --gateway fd00:66::1 hne-v6only >/dev/null
  out=$(dk_ok run --rm --label "$LABEL" --network hne-v6only --ip6 fd00:66::5 --mac-address "$mac" \
        "$IMAGE" sh -c 'ip addr show eth0; ip -6 route
                        for i in 1 2 3 4 5 6 7 8; do ping -c 1 -W 1 fd00:66::1 && break; sleep 1; done')
  ip -n "$PEER_NS" addr del fd00:66::1/64 dev "$PEER_BR" 2>/dev/null || true
  expect_iface "$out" eth0 "$mac"
  expect_contains "$out" "inet6 fd00:66::5/64" "eth0's IPv6 address"
  grep -q "inet " <<<"$(iface_block "$out" eth0)" && fail "eth0 has an IPv4 address on an IPv6-only network: $(one_line "$out")"
  expect_contains "$out" "default via fd00:66::1 dev eth0" "the IPv6 default route"
  expect_contains "$out" "1 packets received" "ping fd00:66::1 through eth0"
  expect_nic_back hne2
}
register_case ipv6-only test_ipv6_only

# Docker 28: gw-priority picks which endpoint gives the container its default
# route. hostnic answers Join with its gateway and lets Docker choose.
test_gw_priority() {
  needs_docker 28 gw-priority
  local mac=${NIC_MAC[hne2]} out
  net_create hne-gwp
  dk_ok network create --label "$LABEL" --subnet 172.31.250.0/24 --gateway 172.31.250.1 hne-gwp-br >/dev/null
  out=$(dk_ok run --rm --label "$LABEL" --network name=hne-gwp-br \
        --network "name=hne-gwp,gw-priority=1,mac-address=$mac,ip=192.168.1.5" "$IMAGE" sh -c 'ip addr; ip route')
  expect_contains "$out" "inet 192\.168\.1\.5/24" "the hostnic NIC's address"
  expect_contains "$out" "^default via $GATEWAY " "the default route with gw-priority=1 on the hostnic network"
  expect_nic_back hne2
  out=$(dk_ok run --rm --label "$LABEL" --network name=hne-gwp-br,gw-priority=1 \
        --network "name=hne-gwp,mac-address=$mac,ip=192.168.1.5" "$IMAGE" sh -c 'ip addr; ip route')
  expect_contains "$out" "inet 192\.168\.1\.5/24" "the hostnic NIC's address"
  expect_contains "$out" "^default via 172\.31\.250\.1 " "the default route with gw-priority=1 on the bridge network"
  expect_contains "$out" "192\.168\.1\.0/24 dev " "the hostnic subnet's route"
  expect_nic_back hne2
}
register_case gw-priority test_gw_priority

# Docker 28 asks drivers that announce GwAllocChecker whether to skip the
# gateway address. hostnic does not announce it: the gateway Docker's IPAM
# allocates (the subnet's first address without --gateway) is the
# container's default route.
test_gateway_from_ipam() {
  local mac=${NIC_MAC[hne2]} out caps
  caps=$(curl -sf --max-time 5 --unix-socket "$SOCKET" -X POST -d '{}' http://hostnic/NetworkDriver.GetCapabilities)
  grep -q GwAllocChecker <<<"$caps" && fail "GetCapabilities announces GwAllocChecker: $caps"
  dk_ok network create -d "$DRIVER" --label "$LABEL" --subnet "$SUBNET" hne-gwalloc >/dev/null
  out=$(dk_ok run --rm --label "$LABEL" --network hne-gwalloc --ip 192.168.1.5 --mac-address "$mac" \
        "$IMAGE" sh -c "ip route; ping -c 1 -W 3 $GATEWAY")
  expect_contains "$out" "^default via $GATEWAY dev eth0" "the default route via IPAM's gateway"
  expect_contains "$out" "1 packets received" "ping $GATEWAY"
  expect_nic_back hne2
}
register_case gateway-from-ipam test_gateway_from_ipam
