# What a user sees when the NIC cannot be had: unknown MAC, NIC in use,
# refused host NIC. Sourced by run.sh; see lib.sh.

test_unknown_mac() {
  local out
  net_create hne-unk
  out=$(dk_err run --rm --label "$LABEL" --network hne-unk --ip 192.168.1.5 \
        --mac-address "$ABSENT_MAC" "$IMAGE" true)
  expect_error "$out" "$ABSENT_MAC"
  # Nothing was taken: the journey still works right after.
  out=$(dk_ok run --rm --label "$LABEL" --network hne-unk --ip 192.168.1.5 \
        --mac-address "${NIC_MAC[hne2]}" "$IMAGE" ip addr)
  expect_iface "$out" eth0 "${NIC_MAC[hne2]}" 192.168.1.5/24
  expect_nic_back hne2
}
register_case unknown-mac test_unknown_mac

test_nic_in_use() {
  local out ep mac=${NIC_MAC[hne2]}
  net_create hne-busy
  dk_ok run -d --name hne-holder --label "$LABEL" --network hne-busy --ip 192.168.1.5 \
    --mac-address "$mac" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  wait_until 30 "hne-holder runs" container_running hne-holder
  ep=$(endpoint_id hne-holder hne-busy)
  [ -n "$ep" ] || fail "cannot read hne-holder's endpoint ID"
  out=$(dk_err run --rm --label "$LABEL" --network hne-busy --ip 192.168.1.6 \
        --mac-address "$mac" "$IMAGE" true)
  # Names the NIC (by name or MAC) and who holds it (endpoint or container).
  expect_error "$out" "hne2|$mac" "${ep:0:12}|hne-holder"
  # The holder is unharmed.
  expect_nic_works hne-holder "$mac" 192.168.1.5/24
  dk_ok stop -t 5 hne-holder >/dev/null
  expect_nic_back hne2
}
register_case nic-in-use test_nic_in_use

test_refused_bridged_nic() {
  local out mac=${NIC_MAC[$BRIDGED_NIC]}
  net_create hne-refuse
  out=$(dk_err run --rm --label "$LABEL" --network hne-refuse --ip 192.168.1.5 \
        --mac-address "$mac" "$IMAGE" true)
  expect_error "$out" "$BRIDGED_NIC|$mac" "bridge|$TEST_BR|enslaved|member"
  ip -o link show dev "$BRIDGED_NIC" 2>/dev/null | grep -q "master $TEST_BR" ||
    fail "$BRIDGED_NIC is no longer on the host enslaved to $TEST_BR"
  # The bridge itself is refused too.
  out=$(dk_err run --rm --label "$LABEL" --network hne-refuse --ip 192.168.1.5 \
        --mac-address "$TEST_BR_MAC" "$IMAGE" true)
  expect_error "$out" "$TEST_BR|$TEST_BR_MAC" "bridge"
  ip link show dev "$TEST_BR" >/dev/null 2>&1 || fail "$TEST_BR left the host"
}
register_case refused-bridged-nic test_refused_bridged_nic
