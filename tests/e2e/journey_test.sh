# The issue's user journey, and picking a NIC from the pool.
# Sourced by run.sh; see lib.sh for the world these run in.

# docker network create -d hostnic-e2e --subnet 192.168.1.0/24 --gateway 192.168.1.1 NET
# docker run --rm --network NET --ip 192.168.1.5 --mac-address 52:54:0e:e5:00:f7 IMAGE ip addr
test_journey() {
  local mac=${NIC_MAC[hne2]} out
  net_create hne-net
  out=$(dk_ok run --rm --label "$LABEL" --network hne-net --ip 192.168.1.5 \
        --mac-address "$mac" "$IMAGE" ip addr)
  expect_iface "$out" eth0 "$mac" 192.168.1.5/24
  expect_nic_back hne2

  out=$(dk_ok run --rm --label "$LABEL" --network hne-net --ip 192.168.1.5 \
        --mac-address "$mac" "$IMAGE" ip route)
  expect_contains "$out" "^default via $GATEWAY dev eth0" "ip route in the container"
  expect_nic_back hne2

  # Traffic leaves through the NIC and reaches the gateway behind it.
  out=$(dk_ok run --rm --label "$LABEL" --network hne-net --ip 192.168.1.5 \
        --mac-address "$mac" "$IMAGE" ping -c 3 -W 2 "$GATEWAY")
  expect_contains "$out" "[1-3] packets received" "ping $GATEWAY from the container"
  expect_nic_back hne2
}
register_case journey test_journey

# Without --mac-address the driver picks a free NIC of the network's pool
# (restricted here with hostnic.nics to hne3 and hne4, by name and by MAC).
test_pool_pick() {
  local out a b mac_a mac_b
  net_create hne-pool -o "hostnic.nics=hne3,${NIC_MAC[hne4]}"
  dk_ok run -d --name hne-pool-a --label "$LABEL" --network hne-pool "$IMAGE" "${SLEEPER[@]}" >/dev/null
  out=$(dk_ok exec hne-pool-a ip addr)
  mac_a=$(iface_block "$out" eth0 | awk '/link\/ether/ {print $2}')
  case "$mac_a" in
    "${NIC_MAC[hne3]}") a=hne3; b=hne4 ;;
    "${NIC_MAC[hne4]}") a=hne4; b=hne3 ;;
    *) fail "first container's eth0 has MAC '$mac_a', not one of the pool's (hne3, hne4): $(one_line "$out")" ;;
  esac
  expect_contains "$out" "inet 192\.168\.1\.[0-9]+/24" "first container's eth0 address"
  expect_nic_gone "$a"
  nic_on_host "$b" || fail "$b left the host although only $a was taken"

  # The second container gets the other one.
  dk_ok run -d --name hne-pool-b --label "$LABEL" --network hne-pool "$IMAGE" "${SLEEPER[@]}" >/dev/null
  out=$(dk_ok exec hne-pool-b ip addr)
  mac_b=$(iface_block "$out" eth0 | awk '/link\/ether/ {print $2}')
  [ "$mac_b" = "${NIC_MAC[$b]}" ] ||
    fail "second container's eth0 has MAC '$mac_b', expected the free pool NIC $b (${NIC_MAC[$b]})"
  out=$(dk_ok exec hne-pool-b ping -c 2 -W 2 "$GATEWAY")
  expect_contains "$out" "[1-2] packets received" "ping $GATEWAY from the second container"

  # The pool is exhausted: a third container gets a clear error.
  out=$(dk_err run --rm --label "$LABEL" --network hne-pool "$IMAGE" true)
  expect_error "$out"

  dk_ok stop -t 5 hne-pool-a hne-pool-b >/dev/null
  expect_nic_back hne3
  expect_nic_back hne4
  nic_on_host hne2 || fail "hne2, outside the pool, left the host"
}
register_case pool-pick test_pool_pick

# docker network connect --driver-opt hostnic.nic=NAME picks the NIC per endpoint.
test_connect_driver_opt() {
  local out
  net_create hne-conn
  dk_ok create --name hne-conn-c --label "$LABEL" --network hne-conn --ip 192.168.1.9 \
    "$IMAGE" "${SLEEPER[@]}" >/dev/null
  dk_ok network disconnect hne-conn hne-conn-c >/dev/null
  dk_ok network connect --driver-opt hostnic.nic=hne4 --ip 192.168.1.9 hne-conn hne-conn-c >/dev/null
  dk_ok start hne-conn-c >/dev/null
  out=$(dk_ok exec hne-conn-c ip addr)
  expect_iface "$out" eth0 "${NIC_MAC[hne4]}" 192.168.1.9/24
  dk_ok stop -t 5 hne-conn-c >/dev/null
  expect_nic_back hne4
}
register_case connect-driver-opt test_connect_driver_opt
