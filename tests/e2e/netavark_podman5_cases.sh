# shellcheck shell=bash
# The cases of `tests/e2e/netavark_test.sh --podman5`: podman 5 itself, in
# the suite's world (the stand-ins hnnv1/hnnv2 with MAC1/MAC2, dnsmasq
# giving IP1/IP2, the gateways GW/GW6, the daemon on SOCK, started afresh
# for each case) and the trixie root entered with netavark_lib.sh's
# podman5_enter. Sourced by netavark_test.sh; each case returns non-zero
# after `fail`.

# The networks as a user creates them.
p5_networks() {
  podman5 network exists cloud && return 0
  local o=(-d hostnic -o "socket=$SOCK" -o "state-dir=$WORK/copies" -o "nics=hnnv1,hnnv2")
  podman5 network create "${o[@]}" -o mtu=1400 --dns "$GW" cloud >/dev/null &&
    podman5 network create "${o[@]}" --subnet 192.168.72.0/24 --gateway "$GW" \
      --ipv6 --subnet fd00:72::/64 --gateway "$GW6" --route 10.72.0.0/16,192.168.72.254 \
      fixed >/dev/null
}
# p5_run OPTION...: a busybox container from a directory (--rootfs: the
# first argument is the root, not an image), allowed busybox's raw ping.
p5_run() { podman5 run -d --cap-add NET_RAW "$@" --rootfs "$WORK/bb" sleep 600; }
# p5_inspect CONTAINER NETWORK: podman's view, "IP MAC IPV6".
p5_inspect() {
  podman5 inspect "$1" --format "{{with index .NetworkSettings.Networks \"$2\"}}{{.IPAddress}} {{.MacAddress}} {{.GlobalIPv6Address}}{{end}}"
}

case_podman5_dhcp_nic_as_eth0() {
  local out
  out=$(podman5 network inspect cloud --format '{{.Driver}} {{index .IPAMOptions "driver"}}' 2>&1)
  [ "$out" = "hostnic dhcp" ] || { fail "podman network inspect cloud: $out"; return 1; }
  out=$(p5_run --name c1 --network cloud 2>&1) || { fail "podman run: $out"; return 1; }
  out=$(podman5 exec c1 ip -o addr show dev eth0; podman5 exec c1 ip -o link show dev eth0;
        podman5 exec c1 ip route)
  case "$out" in *"$IP1/24"*"mtu 1400"*"$MAC1"*"default via $GW dev eth0"*) ;;
    *) fail "eth0 in the container is not NIC 1 with its DHCP address: $out"; return 1 ;; esac
  podman5 exec c1 ping -c1 -W3 "$GW" >/dev/null || { fail "the gateway did not answer"; return 1; }
  out=$(podman5 exec c1 cat /etc/resolv.conf)
  case "$out" in *"nameserver $GW"*) ;;
    *) fail "the network's --dns is not in resolv.conf: $out"; return 1 ;; esac
  out=$(p5_inspect c1 cloud)
  [ "$out" = "$IP1 $MAC1 " ] || { fail "podman inspect shows '$out'"; return 1; }
  ip link show hnnv1 >/dev/null 2>&1 && { fail "hnnv1 is still on the host"; return 1; }
  out=$(podman5 rm -f -t 0 c1 2>&1) || { fail "podman rm: $out"; return 1; }
  nic_home hnnv1 "$MAC1" && [ "$(cat /sys/class/net/hnnv1/mtu)" = 1500 ] ||
    { fail "hnnv1 is not home as it was (MTU $(cat /sys/class/net/hnnv1/mtu))"; return 1; }
}

case_podman5_mac_and_static_dual_stack() {
  local out
  out=$(p5_run --name c2 --network fixed --mac-address "$MAC2" --ip 192.168.72.50 \
        --ip6 fd00:72::50 2>&1) || { fail "podman run: $out"; return 1; }
  out=$(podman5 exec c2 ip -o addr show dev eth0; podman5 exec c2 ip -o link show dev eth0;
        podman5 exec c2 ip route; podman5 exec c2 ip -6 route)
  case "$out" in *192.168.72.50/24*fd00:72::50/64*"$MAC2"*"10.72.0.0/16 via 192.168.72.254 dev eth0"*"default via $GW6 dev eth0"*) ;;
    *) fail "eth0 in the container: $out"; return 1 ;; esac
  podman5 exec c2 ping -c1 -W3 "$GW" >/dev/null || { fail "the gateway did not answer"; return 1; }
  ping6_gateway podman5 exec c2 || return 1
  out=$(p5_inspect c2 fixed)
  [ "$out" = "192.168.72.50 $MAC2 fd00:72::50" ] || { fail "podman inspect shows '$out'"; return 1; }
  podman5 rm -f -t 0 c2 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv2 "$MAC2"
}

# What hostnic cannot honour is refused with its reason, and nothing moves.
case_podman5_refusals() {
  local out
  out=$(podman5 run --rm --network cloud -p 8080:80 --rootfs "$WORK/bb" true 2>&1) &&
    { fail "podman run -p was accepted: $out"; return 1; }
  case "$out" in *"hostnic cannot publish host ports (8080->80/tcp)"*) ;;
    *) fail "podman run -p: $out"; return 1 ;; esac
  out=$(podman5 run --rm --network cloud --ip 192.168.72.9 --rootfs "$WORK/bb" true 2>&1) &&
    { fail "--ip on a DHCP network was accepted: $out"; return 1; }
  case "$out" in *"--ip needs a network created with --subnet"*) ;;
    *) fail "podman run --ip on a DHCP network: $out"; return 1 ;; esac
  out=$(podman5 network create -d hostnic -o metric=5 bad 2>&1) &&
    { fail "a network with -o metric was created: $out"; return 1; }
  case "$out" in *"unknown option 'metric'"*) ;; *) fail "-o metric: $out"; return 1 ;; esac
  nic_home hnnv1 "$MAC1" && nic_home hnnv2 "$MAC2"
}

# A NIC a podman container holds is given to no pod and no Docker container.
case_podman5_one_owner() {
  local out
  # podman's per-network syntax: the NIC by MAC, named as asked.
  out=$(p5_run --name c3 --network "cloud:interface_name=net5,mac=$MAC1" 2>&1) ||
    { fail "podman run: $out"; return 1; }
  ip netns add hnnv-c5
  out=$(CNI_COMMAND=ADD CNI_CONTAINERID=pod1 CNI_NETNS=/var/run/netns/hnnv-c5 CNI_IFNAME=net1 \
        CNI_ARGS="MAC=$MAC1" CNI_PATH=/usr/lib/cni "$PLUGIN_BIN" \
        <<<"{\"cniVersion\":\"1.0.0\",\"name\":\"pods\",\"type\":\"hostnic\",\"socket\":\"$SOCK\"}") &&
    { fail "a pod got the podman container's NIC: $out"; return 1; }
  case "$out" in *"$MAC1"*) ;; *) fail "CNI ADD's error does not name the NIC: $out"; return 1 ;; esac
  local dnet=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  post CreateNetwork "{\"NetworkID\":\"$dnet\",\"Options\":{},\"IPv4Data\":[{\"AddressSpace\":\"null\",\"Pool\":\"0.0.0.0/0\"}]}" >/dev/null
  out=$(post CreateEndpoint "{\"NetworkID\":\"$dnet\",\"EndpointID\":\"fe$dnet\",\"Interface\":{\"MacAddress\":\"$MAC1\"}}")
  post DeleteNetwork "{\"NetworkID\":\"$dnet\"}" >/dev/null
  case "$out" in *Err*"$MAC1"*) ;; *) fail "Docker got the podman container's NIC: $out"; return 1 ;; esac
  [ "$(podman5 exec c3 cat /sys/class/net/net5/address)" = "$MAC1" ] ||
    { fail "the podman container lost its NIC"; return 1; }
  podman5 rm -f -t 0 c3 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv1 "$MAC1"
}

# kill -9 of the daemon while a podman container holds a guarded NIC: the
# restarted daemon (same state) shows the NIC held by the podman network and
# guarded, the container keeps its network, and podman rm brings it home.
case_podman5_kill_9_with_a_guarded_container() {
  local out
  podman5 network exists guarded ||
    podman5 network create -d hostnic -o "socket=$SOCK" -o "state-dir=$WORK/copies" \
      -o "nics=hnnv1,hnnv2" -o block-metadata=true guarded >/dev/null ||
    { fail "podman network create -o block-metadata=true failed"; return 1; }
  out=$(p5_run --name c4 --network guarded --mac-address "$MAC2" 2>&1) || { fail "podman run: $out"; return 1; }
  out=$(podman5 exec c4 ip route)
  case "$out" in *"unreachable 169.254.169.254"*) ;;
    *) fail "no unreachable route to the metadata service: $out"; return 1 ;; esac
  hostnic_stop KILL
  start_daemon || return 1
  out=$(status_text)
  out=$(grep "$MAC2" <<<"$out")
  case "$out" in *in-container*"$IP2/24"*podman-*"guarded (native"*/run/netns/netns-*) ;;
    *) fail "after kill -9 the daemon does not show NIC 2 in the container, guarded: $out"; return 1 ;; esac
  podman5 exec c4 ping -c1 -W3 "$GW" >/dev/null || { fail "the gateway did not answer after the restart"; return 1; }
  podman5 rm -f -t 0 c4 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv2 "$MAC2"
}

# podman rm while the daemon is down: the plugin brings the NIC home from
# its copy of the attachment; the next podman run, with the daemon back,
# pays the release.
case_podman5_rm_with_the_daemon_down() {
  local out link
  out=$(p5_run --name c5 --network cloud --mac-address "$MAC1" 2>&1) || { fail "podman run: $out"; return 1; }
  stop_daemon
  out=$(podman5 rm -f -t 0 c5 2>&1) || { fail "podman rm without the daemon: $out"; return 1; }
  link=$(ip -o link show hnnv1 2>&1) || { fail "hnnv1 is not home: $link"; return 1; }
  case "$link" in *",UP"*) fail "hnnv1 is up on the host: $link"; return 1 ;; esac
  [ -z "$(ip -o addr show dev hnnv1)" ] || { fail "hnnv1 kept an address"; return 1; }
  start_daemon || return 1
  out=$(p5_run --name c6 --network cloud --mac-address "$MAC2" 2>&1) || { fail "podman run after: $out"; return 1; }
  nic_home hnnv1 "$MAC1" || return 1
  podman5 rm -f -t 0 c6 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv2 "$MAC2"
}

# A NIC hot-plugged after podman run started: on a network with -o wait,
# podman run waits for it and the container gets it with its DHCP address.
case_podman5_waits_for_a_hot_plugged_nic() {
  local out pid
  podman5 network exists waiting ||
    podman5 network create -d hostnic -o "socket=$SOCK" -o "state-dir=$WORK/copies" \
      -o "mac=$MAC1" -o wait=30 waiting >/dev/null || { fail "podman network create -o wait=30"; return 1; }
  ip link del hnnv1
  p5_run --name c7 --network waiting >"$WORK/c7.out" 2>&1 &
  pid=$!
  sleep 2
  kill -0 "$pid" 2>/dev/null || { fail "podman run did not wait for the NIC: $(cat "$WORK/c7.out")"; return 1; }
  make_nic 1
  wait "$pid" || { fail "podman run: $(cat "$WORK/c7.out")"; return 1; }
  out=$(podman5 exec c7 ip -o addr show dev eth0; podman5 exec c7 ip -o link show dev eth0)
  case "$out" in *"$IP1/24"*"$MAC1"*) ;; *) fail "eth0 is not the hot-plugged NIC: $out"; return 1 ;; esac
  podman5 rm -f -t 0 c7 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv1 "$MAC1"
}

# -o address=hook: the daemon's --address-hook gives the NIC's address.
case_podman5_address_from_the_hook() {
  local out
  printf '#!/bin/sh\necho %s\n' "'{\"address\":\"192.168.72.77/24\",\"gateway\":\"$GW\"}'" \
    >"$WORK/address-hook"
  chmod +x "$WORK/address-hook"
  stop_daemon
  start_daemon --address-hook "$WORK/address-hook" || return 1
  podman5 network exists hooked ||
    podman5 network create -d hostnic -o "socket=$SOCK" -o "state-dir=$WORK/copies" \
      -o "nics=hnnv1,hnnv2" -o address=hook hooked >/dev/null || { fail "podman network create -o address=hook"; return 1; }
  out=$(p5_run --name c8 --network hooked 2>&1) || { fail "podman run: $out"; return 1; }
  out=$(podman5 exec c8 ip -o addr show dev eth0; podman5 exec c8 ip route)
  case "$out" in *192.168.72.77/24*"default via $GW dev eth0"*) ;;
    *) fail "eth0 has not the hook's address: $out"; return 1 ;; esac
  podman5 exec c8 ping -c1 -W3 "$GW" >/dev/null || { fail "the gateway did not answer"; return 1; }
  [ "$(p5_inspect c8 hooked | cut -d' ' -f1)" = 192.168.72.77 ] ||
    { fail "podman inspect shows $(p5_inspect c8 hooked)"; return 1; }
  podman5 rm -f -t 0 c8 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv1 "$MAC1" && nic_home hnnv2 "$MAC2"
}

# -o address6=dhcp6: the NIC's DHCPv4 and DHCPv6 addresses with the IPv6
# default route through the router of dnsmasq's RAs, both leases' name
# servers in resolv.conf (the network has no --dns), and podman inspect's
# IPv6 address.
case_podman5_address6() {
  start_dnsmasq --enable-ra --ra-param=br0,10,1800 --dhcp-option=option:dns-server,"$GW" \
    --dhcp-range=::100,::1ff,constructor:br0,64,2m --dhcp-host="$MAC1,[$IP6_1]" \
    --dhcp-option=option6:dns-server,"[$GW6]" || return 1
  local out
  podman5 network exists cloud6 ||
    podman5 network create -d hostnic -o "socket=$SOCK" -o "state-dir=$WORK/copies" \
      -o nics=hnnv1 -o address6=dhcp6 cloud6 >/dev/null || { fail "podman network create -o address6=dhcp6"; return 1; }
  out=$(p5_run --name c9 --network cloud6 2>&1) || { fail "podman run: $out"; return 1; }
  out=$(podman5 exec c9 ip -o addr show dev eth0; podman5 exec c9 ip -6 route)
  case "$out" in *"$IP1/24"*"$IP6_1/64 scope global"*"default via fe80:"*"dev eth0"*) ;;
    *) fail "eth0 has not both addresses and the IPv6 default route: $out"; return 1 ;; esac
  ping6_gateway podman5 exec c9 || return 1
  out=$(podman5 exec c9 cat /etc/resolv.conf)
  case "$out" in *"nameserver $GW"*"nameserver $GW6"*) ;;
    *) fail "the leases' name servers are not in resolv.conf: $out"; return 1 ;; esac
  out=$(p5_inspect c9 cloud6)
  [ "$out" = "$IP1 $MAC1 $IP6_1" ] || { fail "podman inspect shows '$out'"; return 1; }
  podman5 rm -f -t 0 c9 >/dev/null 2>&1 || { fail "podman rm"; return 1; }
  nic_home hnnv1 "$MAC1"
}
