# Network options: hostnic.mtu, hostnic.routes, unknown hostnic.* options.
# Sourced by run.sh; see lib.sh.

test_mtu() {
  local out before
  before=$(nic_mtu hne2)
  net_create hne-mtu -o hostnic.mtu=1400
  out=$(dk_ok run --rm --label "$LABEL" --network hne-mtu --ip 192.168.1.5 \
        --mac-address "${NIC_MAC[hne2]}" "$IMAGE" ip link show eth0)
  expect_contains "$out" "mtu 1400 " "eth0 in the container"
  expect_nic_back hne2
  wait_until 10 "hne2's MTU is back to $before" eval '[ "$(nic_mtu hne2)" = "$before" ]'
}
register_case mtu test_mtu

test_routes() {
  local out
  net_create hne-routes -o "hostnic.routes=10.99.0.0/16@192.168.1.254,172.30.0.0/16"
  out=$(dk_ok run --rm --label "$LABEL" --network hne-routes --ip 192.168.1.5 \
        --mac-address "${NIC_MAC[hne2]}" "$IMAGE" ip route)
  expect_contains "$out" "^default via $GATEWAY dev eth0" "ip route in the container"
  expect_contains "$out" "^10\.99\.0\.0/16 via 192\.168\.1\.254 dev eth0" "ip route in the container"
  expect_contains "$out" "^172\.30\.0\.0/16 dev eth0" "ip route in the container"
  expect_nic_back hne2
}
register_case routes test_routes

test_unknown_option() {
  local out
  out=$(dk_err network create -d "$DRIVER" --label "$LABEL" --subnet "$SUBNET" \
        --gateway "$GATEWAY" -o hostnic.colour=blue hne-badopt)
  expect_error "$out" "hostnic\.colour"
  if dk network inspect hne-badopt >/dev/null 2>&1; then
    fail "network hne-badopt exists although its creation was refused"
  fi
}
register_case unknown-option test_unknown_option
