# The cloud's DHCP server for the end-to-end cases (sourced by lib.sh, whose
# NICs, peer namespace and assertions it uses): Debian's dnsmasq on the peer
# bridge, one fixed address per stand-in NIC (dhcp-host), the gateway,
# classless static routes (option 121, which wins over option 3), MTU 1400,
# and dnsmasq's shortest lease (2 minutes, so T1 comes after 60 s unless a
# case sets option 58).
declare -A NIC_DHCP_IP=(
  [hne2]=192.168.1.21
  [hne3]=192.168.1.22
  [hne4]=192.168.1.23
)
DHCP_ROUTE=10.61.0.0/16
DHCP_ROUTE_VIA=192.168.1.254
DHCP_MTU=1400

# start_dhcp [DNSMASQ_ARG...]: starts dnsmasq in $PEER_NS (stopped by
# stop_dhcp, by its PID, after every case), with those arguments added.
start_dhcp() {
  command -v dnsmasq >/dev/null || fail "no dnsmasq: apt-get install dnsmasq-base"
  local args=(--keep-in-foreground --conf-file=/dev/null --port=0 --no-resolv --no-hosts
              --interface="$PEER_BR" --bind-interfaces --dhcp-authoritative
              --pid-file="$HNE_WORK/dnsmasq.pid" --dhcp-leasefile="$HNE_WORK/dnsmasq.leases"
              --dhcp-range=192.168.1.100,192.168.1.200,255.255.255.0,2m
              --dhcp-option=option:router,"$GATEWAY"
              --dhcp-option=option:classless-static-route,0.0.0.0/0,"$GATEWAY,$DHCP_ROUTE,$DHCP_ROUTE_VIA"
              --dhcp-option=option:mtu,"$DHCP_MTU" --log-dhcp --log-facility=-) nic
  for nic in "${!NIC_DHCP_IP[@]}"; do
    args+=(--dhcp-host="${NIC_MAC[$nic]},${NIC_DHCP_IP[$nic]}")
  done
  args+=("$@")
  : >"$HNE_WORK/dnsmasq.leases"
  ip netns exec "$PEER_NS" dnsmasq "${args[@]}" >>"$HNE_WORK/dnsmasq.log" 2>&1 </dev/null &
  echo $! >"$HNE_WORK/dnsmasq.pid.ours"
  disown $! 2>/dev/null || true
  wait_until 10 "dnsmasq listens" grep -q "DHCP, IP range" "$HNE_WORK/dnsmasq.log"
}

stop_dhcp() {
  [ -f "$HNE_WORK/dnsmasq.pid.ours" ] || return 0
  local pid i
  pid=$(cat "$HNE_WORK/dnsmasq.pid.ours")
  rm -f "$HNE_WORK/dnsmasq.pid.ours"
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# The NIC's own address (address_test.sh, cri_test.sh).
# cloud_net NAME [options...]: a labelled null-IPAM hostnic network.
cloud_net() {
  local name=$1; shift
  dk_ok network create -d "$DRIVER" --label "$LABEL" --ipam-driver null "$@" "$name" >/dev/null
}

# expect_own_address OUT NIC WHAT: `ip addr; ip route` output of a container
# on NIC shows the NIC's DHCP address, gateway, option-121 route and MTU, and
# no second NIC (no docker_gwbridge).
expect_own_address() {
  local out=$1 nic=$2 what=$3
  expect_iface "$out" eth0 "${NIC_MAC[$nic]}" "${NIC_DHCP_IP[$nic]}/24" "$what"
  expect_contains "$(iface_block "$out" eth0)" "mtu $DHCP_MTU" "$what's eth0 MTU from option 26"
  expect_contains "$out" "default via $GATEWAY dev eth0" "$what's default route"
  expect_contains "$out" "$DHCP_ROUTE via $DHCP_ROUTE_VIA dev eth0" "$what's option-121 route"
  [ -z "$(iface_block "$out" eth1)" ] || fail "$what has an eth1 (docker_gwbridge): $(one_line "$out")"
}

# expect_lease_released NET NIC PATTERN: dnsmasq holds NIC's lease (a line
# matching PATTERN), until network NET is removed; then NIC is clean.
expect_lease_released() {
  local leases=$HNE_WORK/dnsmasq.leases
  grep -qi "$3" "$leases" || fail "dnsmasq has no lease for $2: $(one_line "$(cat "$leases")")"
  dk_ok network rm "$1" >/dev/null
  wait_until 10 "dnsmasq forgets $2's lease $3" eval "! grep -qi '$3' '$leases'"
  expect_nic_clean "$2"
}
