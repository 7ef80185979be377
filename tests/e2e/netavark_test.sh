#!/usr/bin/env bash
# hostnic as a netavark plugin (podman 5's network backend): Debian trixie's
# netavark 1.14 drives the plugin executable exactly as podman 5 makes it do
# (`netavark --plugin-directory DIR setup|teardown NETNS` with podman's
# document on stdin, NETAVARK_FW=none as netavark's own plugin tests), and
# the plugin's `create` and `info` are run as podman runs them. Standalone
# suite; as root, under the shared network lock:
#
#     flock /tmp/hostnic-net.lock tests/e2e/netavark_test.sh
#
# Needs build/hostnic (the daemon) and build/hostnic-cni (the plugin
# executable), iproute2, dnsmasq-base, jq, busybox-static (ping). netavark is fetched from
# Debian's mirror once into build/netavark-cache (tests/e2e/netavark_lib.sh);
# when the mirror cannot be reached it prints "SKIP netavark: why" and exits
# 77. Creates veth NICs hnnv1/hnnv2 (far ends in the netns hnnv-peer on a
# bridge with the gateway 192.168.72.1 and dnsmasq, the cloud's DHCP server),
# container namespaces hnnv-c*, and a daemon of its own; removes all of it
# on exit. One PASS/FAIL line per case, then "netavark: N passed, N skipped,
# N failed (Ts)".
# A veth dies with its namespace where a real NIC comes home as eth0: the
# case teardown_after_netns_died shows what the daemon then does, not the
# NIC's return.
#
#     flock /tmp/hostnic-net.lock tests/e2e/netavark_test.sh --podman5
#
# runs podman 5 itself instead (the cases of netavark_podman5_cases.sh), in
# the same world: Debian trixie's podman 5.4 in a root debootstrapped once
# into $HOSTNIC_PODMAN5_CACHE (default /var/cache/hostnic-podman5) and
# entered as netavark_lib.sh says, with cgroupfs, the file events logger, no
# firewall driver, vfs storage and `podman run --rootfs` (busybox, no
# registry). Prints "SKIP podman5: why" and exits 77 only when the mirror
# cannot be reached, "FAIL podman5: why" when debootstrap fails otherwise;
# ends with "podman5: N passed, ...". `--podman5-root` only makes the root
# (no lock needed: it touches no network), as scripts/test.sh does in the
# background early on.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${HOSTNIC_BIN:-$ROOT/build/hostnic}
PLUGIN_BIN=${HOSTNIC_PLUGIN:-$ROOT/build/hostnic-cni}
WORK=$(mktemp -d /tmp/hostnic-netavark-e2e.XXXXXX)
SOCK=$WORK/hostnic.sock
PEER=hnnv-peer
GW=192.168.72.1 GW6=fd00:72::1
MAC1=52:54:0e:c8:00:01 IP1=192.168.72.11
MAC2=52:54:0e:c8:00:02 IP2=192.168.72.12
IP6_1=fd00:72::11
DNSMASQ_PID=

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 2; }
# The root alone needs no build (scripts/test.sh makes it beside the build).
[ "${1:-}" = --podman5-root ] ||
  for f in "$BIN" "$PLUGIN_BIN"; do [ -x "$f" ] || { echo "no $f; build first" >&2; exit 2; }; done
source "$ROOT/scripts/common.sh"
source "$ROOT/tests/e2e/netavark_lib.sh"
# The cases return non-zero (run_case, scripts/common.sh) and restart the daemon.
SUITE=netavark CASE_DIR=$WORK CASE_RETURNS=1
say() { printf '[netavark-e2e] %s\n' "$*" >&2; }
(ensure_packages iproute2 dnsmasq-base jq busybox-static) || true
case ${1:-} in --podman5) SUITE=podman5 ;; --podman5-root) SUITE=podman5-root ;; esac
t_fetch=$SECONDS
mkdir -p "$WORK/plugins" "$WORK/nv" "$WORK/state"
PLUGIN=$WORK/plugins/hostnic
if [ "$SUITE" != netavark ]; then
  (ensure_packages debootstrap util-linux) || true
  cache=${HOSTNIC_PODMAN5_CACHE:-/var/cache/hostnic-podman5}
  why=$(podman5_root "$cache")
  case $? in
    0) ;;
    1) rm -rf "$WORK"; suite_skip podman5 "$why" ;;
    *) echo "FAIL podman5: $why"; rm -rf "$WORK"; exit 1 ;;
  esac
  podman5_root "$cache"
  say "$(cat "$cache/root.ok") ready in $((SECONDS - t_fetch))s (cached in $cache)"
  [ "$SUITE" = podman5-root ] && { rm -rf "$WORK"; exit 0; }
  podman5_config "$WORK" "$PLUGIN_BIN"
else
  if ! why=$(netavark_fetch "$ROOT/build/netavark-cache"); then
    rm -rf "$WORK"
    suite_skip netavark "$why"
  fi
  netavark_fetch "$ROOT/build/netavark-cache" >/dev/null
  say "$NETAVARK_VERSION ready in $((SECONDS - t_fetch))s (cached in build/netavark-cache)"
  ln -s "$PLUGIN_BIN" "$PLUGIN"
fi
nv() { NETAVARK_FW=none "${NETAVARK[@]}" --config "$WORK/nv" --plugin-directory "$WORK/plugins" "$@"; }

start_daemon() {  # [DAEMON_ARG...]
  hostnic_start "$BIN" "$SOCK" "$WORK/hostnic.log" --state-dir "$WORK/state" \
    --allow-nic "$MAC1" --allow-nic "$MAC2" --log-level debug "$@" ||
    fail "the daemon did not start: $(tail -5 "$WORK/hostnic.log")"
}
stop_daemon() { hostnic_stop; }

make_nic() {  # N: (re)creates hnnvN with MAC N, its far end on the gateway bridge
  local mac
  mac=$([ "$1" = 1 ] && echo "$MAC1" || echo "$MAC2")
  ip link del "hnnv$1" 2>/dev/null
  ip link add "hnnv$1" address "$mac" type veth peer name "hnnv$1p" netns "$PEER"
  ip -n "$PEER" link set "hnnv$1p" master br0 up
}

cleanup() {
  podman5_leave
  stop_daemon
  [ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null
  ip link del hnnv1 2>/dev/null; ip link del hnnv2 2>/dev/null
  local ns
  for ns in $(ip netns list | awk '/^hnnv-/{print $1}'); do ip netns del "$ns"; done
  if [ "${#FAILED[@]}" -gt 0 ]; then
    cp "$WORK/hostnic.log" /tmp/hostnic-netavark-e2e.log 2>/dev/null
    say "daemon log kept: /tmp/hostnic-netavark-e2e.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Every network here keeps setup's copies under $WORK (state-dir): the
# host's default, /var/lib/hostnic/netavark, is a user's (and the package
# test's) to find as they left it.
HOST_STATE_BEFORE=absent
[ -e /var/lib/hostnic ] && HOST_STATE_BEFORE=present
case_left_the_host_state_dir_alone() {
  [ "$HOST_STATE_BEFORE" = present ] || [ ! -e /var/lib/hostnic ] ||
    { fail "the suite created /var/lib/hostnic on the host: $(ls -R /var/lib/hostnic | head -5 | tr '\n' ' ')"; return 1; }
}

# Leftovers of a killed earlier run.
ip link del hnnv1 2>/dev/null; ip link del hnnv2 2>/dev/null
for ns in $(ip netns list | awk '/^hnnv-/{print $1}'); do ip netns del "$ns"; done
ip netns add "$PEER"
ip -n "$PEER" link add br0 type bridge && ip -n "$PEER" link set br0 up
ip -n "$PEER" addr add "$GW/24" dev br0
ip -n "$PEER" addr add "$GW6/64" dev br0 nodad
make_nic 1 && make_nic 2
# start_dnsmasq [DNSMASQ_ARG...]: the cloud's DHCP server (DHCPv4 for both
# NICs), with those arguments added, in place of the one running (the next
# case gets the plain one back).
DNSMASQ_EXTRA=
start_dnsmasq() {
  DNSMASQ_EXTRA="$*"
  if [ -n "$DNSMASQ_PID" ]; then kill "$DNSMASQ_PID" 2>/dev/null; wait "$DNSMASQ_PID" 2>/dev/null; fi
  : >"$WORK/dnsmasq.log"
  ip netns exec "$PEER" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --no-resolv \
    --no-hosts --interface=br0 --bind-interfaces --dhcp-authoritative \
    --dhcp-leasefile="$WORK/leases" --dhcp-range=192.168.72.100,192.168.72.200,255.255.255.0,2m \
    --dhcp-host="$MAC1,$IP1" --dhcp-host="$MAC2,$IP2" --dhcp-option=option:router,"$GW" \
    --log-facility="$WORK/dnsmasq.log" "$@" </dev/null >/dev/null 2>&1 &
  DNSMASQ_PID=$!
  local _
  for _ in $(seq 50); do grep -q "DHCP, IP range" "$WORK/dnsmasq.log" && return 0; sleep 0.1; done
  fail "dnsmasq did not start: $(tail -3 "$WORK/dnsmasq.log")"
}
start_dnsmasq || exit 1
start_daemon || exit 1

# network NAME OPTIONS_JSON [SUBNETS_JSON]: the network podman 5 would store
# after `podman network create -d hostnic`: its document through the
# plugin's create, as podman runs it.
network() {
  local id
  id=$(printf '%s' "$1" | sha256sum | cut -c1-64)
  printf '{"name":"%s","id":"%s","driver":"hostnic","created":"2026-12-06T23:00:00Z","ipv6_enabled":false,"internal":false,"dns_enabled":false,"options":%s%s,"ipam_options":{}}' \
    "$1" "$id" "$2" "${3:+,\"subnets\":$3}" | "$PLUGIN" create
}
# attach CONTAINER NETWORK_DOC [PER_NETWORK_OPTIONS_JSON]: setup's stdin.
attach() {
  local name
  name=$(jq -r .name <<<"$2")
  printf '{"container_id":"%s","container_name":"%s","networks":{"%s":{"interface_name":"eth0"%s}},"network_info":{"%s":%s}}' \
    "$(printf '%s' "$1" | sha256sum | cut -c1-64)" "$1" "$name" "${3:+,$3}" "$name" "$2"
}
# (Output is captured before grep reads it: with pipefail, grep -q quitting
# early would fail the writer with SIGPIPE.)
status_text() { "$BIN" status --socket "$SOCK" 2>&1; }
held() { local s; s=$(status_text); grep -ci "$1" <<<"$s"; }
is_free() { local s; s=$(status_text); [[ $(grep -i "$1" <<<"$s") == *free* ]]; }
nic_home() {  # NAME MAC: on the host, down, no address, not held
  local link
  link=$(ip -o link show "$1" 2>/dev/null) || { fail "$1 is not on the host"; return 1; }
  case "$link" in *"$2"*) ;; *) fail "$1 has not MAC $2: $link"; return 1 ;; esac
  case "$link" in *",UP"*) fail "$1 is up on the host"; return 1 ;; esac
  [ -z "$(ip -o addr show dev "$1")" ] || { fail "$1 kept an address"; return 1; }
  is_free "$2" ||
    { fail "the daemon does not list $1 as free: $("$BIN" status --socket "$SOCK")"; return 1; }
}

# post CALL BODY: a libnetwork remote-driver call as dockerd makes it.
post() { curl -sS --unix-socket "$SOCK" -H 'Content-Type: application/json' -d "$2" "http://d/NetworkDriver.$1"; }
# ping6_gateway COMMAND...: the IPv6 gateway answers COMMAND's ping6 (a few
# tries while the container's address is tentative).
ping6_gateway() {
  local _
  for _ in 1 2 3 4 5; do "$@" ping6 -c1 -W2 "$GW6" >/dev/null 2>&1 && return 0; sleep 1; done
  fail "the IPv6 gateway $GW6 did not answer"
}

DHCP_NET=$(network cloud "{\"nics\":\"hnnv1,hnnv2\",\"mtu\":\"1400\",\"socket\":\"$SOCK\",\"state-dir\":\"$WORK/copies\"}")

case_info_and_create() {
  local out
  out=$("$PLUGIN" info) || { fail "info: $out"; return 1; }
  [ "$(jq -r .api_version <<<"$out")" = 1.0.0 ] || { fail "info: $out"; return 1; }
  [ "$(jq -r .ipam_options.driver <<<"$DHCP_NET")" = dhcp ] ||
    { fail "create did not make podman leave addresses to DHCP: $DHCP_NET"; return 1; }
  [ "$(jq -r .created <<<"$DHCP_NET")" = 2026-12-06T23:00:00Z ] ||
    { fail "create lost podman's fields: $DHCP_NET"; return 1; }
  local fixed
  fixed=$(network fixed '{"socket":"x"}' 2>/dev/null) && { fail "a relative socket was accepted: $fixed"; return 1; }
  out=$(network bad '{"mtu":"9"}' 2>/dev/null) && { fail "mtu=9 was accepted"; return 1; }
  [ "$(jq -r .error <<<"$out")" = "option mtu=9: not an MTU from 68 to 65535" ] ||
    { fail "create's error: $out"; return 1; }
}

case_setup_dhcp_and_teardown() {
  ip netns add hnnv-c1
  local conf out
  conf=$(attach web1 "$DHCP_NET" "\"static_mac\":\"$MAC1\"")
  out=$(nv setup /var/run/netns/hnnv-c1 <<<"$conf" 2>&1) || { fail "setup: $out"; return 1; }
  [ "$(jq -r .cloud.interfaces.eth0.mac_address <<<"$out")" = "$MAC1" ] &&
    [ "$(jq -r '.cloud.interfaces.eth0.subnets[0].ipnet' <<<"$out")" = "$IP1/24" ] &&
    [ "$(jq -r '.cloud.interfaces.eth0.subnets[0].gateway' <<<"$out")" = "$GW" ] ||
    { fail "status block is not NIC 1 with its DHCP address: $out"; return 1; }
  out=$(ip -n hnnv-c1 -o addr show dev eth0; ip -n hnnv-c1 -o link show dev eth0; ip -n hnnv-c1 route)
  case "$out" in *"$IP1/24"*"$MAC1"*"default via $GW dev eth0"*) ;;
    *) fail "eth0 in the container: $out"; return 1 ;; esac
  case "$out" in *"mtu 1400"*) ;; *) fail "MTU is not 1400: $out"; return 1 ;; esac
  ip netns exec hnnv-c1 busybox ping -c1 -W3 "$GW" >/dev/null || { fail "the gateway did not answer"; return 1; }
  ip link show hnnv1 >/dev/null 2>&1 && { fail "hnnv1 is still on the host"; return 1; }
  out=$(nv teardown /var/run/netns/hnnv-c1 <<<"$conf" 2>&1) || { fail "teardown: $out"; return 1; }
  nic_home hnnv1 "$MAC1" || return 1
  [ "$(cat /sys/class/net/hnnv1/mtu)" = 1500 ] || { fail "hnnv1 kept MTU $(cat /sys/class/net/hnnv1/mtu)"; return 1; }
  out=$(nv teardown /var/run/netns/hnnv-c1 <<<"$conf" 2>&1) || { fail "a second teardown failed: $out"; return 1; }
  ip netns del hnnv-c1
}

# podman's --ip and --ip6 on a dual-stack network.
case_setup_static_ip() {
  local net conf out
  net=$(network fixed "{\"socket\":\"$SOCK\",\"state-dir\":\"$WORK/copies\"}" "[{\"subnet\":\"192.168.72.0/24\",\"gateway\":\"$GW\"},{\"subnet\":\"fd00:72::/64\",\"gateway\":\"$GW6\"}]") ||
    { fail "create: $net"; return 1; }
  [ "$(jq -r .ipam_options.driver <<<"$net")" = host-local ] || { fail "create: $net"; return 1; }
  ip netns add hnnv-c2
  conf=$(attach web2 "$net" "\"static_ips\":[\"192.168.72.50\",\"fd00:72::50\"],\"static_mac\":\"$MAC2\"")
  out=$(nv setup /var/run/netns/hnnv-c2 <<<"$conf" 2>&1) || { fail "setup: $out"; return 1; }
  [ "$(jq -r '.fixed.interfaces.eth0.subnets | map(.ipnet + " " + .gateway) | join(",")' <<<"$out")" = \
    "192.168.72.50/24 $GW,fd00:72::50/64 $GW6" ] &&
    [ "$(jq -r .fixed.interfaces.eth0.mac_address <<<"$out")" = "$MAC2" ] ||
    { fail "status block: $out"; return 1; }
  out=$(ip -n hnnv-c2 -o addr show dev eth0; ip -n hnnv-c2 -6 route)
  case "$out" in *192.168.72.50/24*fd00:72::50/64*"default via $GW6 dev eth0"*) ;;
    *) fail "no static addresses or IPv6 default route: $out"; return 1 ;; esac
  ip netns exec hnnv-c2 busybox ping -c1 -W3 "$GW" >/dev/null || { fail "the gateway did not answer"; return 1; }
  ping6_gateway ip netns exec hnnv-c2 busybox || return 1
  nv teardown /var/run/netns/hnnv-c2 <<<"$conf" >/dev/null 2>&1 || { fail "teardown"; return 1; }
  nic_home hnnv2 "$MAC2" || return 1
  ip netns del hnnv-c2
}

case_teardown_after_netns_died() {
  ip netns add hnnv-c3
  local conf out
  conf=$(attach web3 "$DHCP_NET" "\"static_mac\":\"$MAC1\"")
  nv setup /var/run/netns/hnnv-c3 <<<"$conf" >/dev/null 2>&1 || { fail "setup"; return 1; }
  ip netns del hnnv-c3
  # netavark 1.14 opens the namespace before it calls a plugin; later
  # netavark calls the plugin anyway (as netavark's own plugin test says):
  # both are checked.
  out=$(nv teardown /var/run/netns/hnnv-c3 <<<"$conf" 2>&1) &&
    say "netavark called the plugin for a dead namespace"
  out=$("$PLUGIN" teardown /var/run/netns/hnnv-c3 < <(jq -c '{container_id, container_name,
         network: .network_info.cloud, network_options: .networks.cloud}' <<<"$conf") 2>&1) ||
    { fail "the plugin's teardown of a dead namespace: $out"; return 1; }
  [ "$(held podman-)" = 0 ] ||
    { fail "the daemon still holds NIC 1: $("$BIN" status --socket "$SOCK")"; return 1; }
  make_nic 1
  for _ in $(seq 50); do is_free "$MAC1" && return 0; sleep 0.1; done
  fail "NIC 1 made again is not free: $("$BIN" status --socket "$SOCK")"
}

# With the daemon down, teardown brings the NIC home from this host's copy
# of the attachment; the release owed is paid by the next plugin run once
# the daemon is back.
case_teardown_with_the_daemon_down() {
  ip netns add hnnv-c7
  local conf out
  conf=$(attach web7 "$DHCP_NET" "\"static_mac\":\"$MAC1\"")
  out=$(nv setup /var/run/netns/hnnv-c7 <<<"$conf" 2>&1) || { fail "setup: $out"; return 1; }
  stop_daemon
  out=$(nv teardown /var/run/netns/hnnv-c7 <<<"$conf" 2>&1) || { fail "teardown without the daemon: $out"; return 1; }
  local link
  link=$(ip -o link show hnnv1 2>&1) || { fail "hnnv1 is not home: $link"; return 1; }
  case "$link" in *"$MAC1"*) ;; *) fail "hnnv1: $link"; return 1 ;; esac
  case "$link" in *",UP"*) fail "hnnv1 is up on the host"; return 1 ;; esac
  [ -z "$(ip -o addr show dev hnnv1)" ] || { fail "hnnv1 kept an address"; return 1; }
  ip -n hnnv-c7 link show eth0 >/dev/null 2>&1 && { fail "eth0 is still in the container"; return 1; }
  start_daemon || return 1
  # The next plugin run pays the release: another container's setup.
  ip netns add hnnv-c8
  conf=$(attach web8 "$DHCP_NET" "\"static_mac\":\"$MAC2\"")
  out=$(nv setup /var/run/netns/hnnv-c8 <<<"$conf" 2>&1) || { fail "setup after: $out"; return 1; }
  nic_home hnnv1 "$MAC1" || return 1
  nv teardown /var/run/netns/hnnv-c8 <<<"$conf" >/dev/null 2>&1 || { fail "teardown after"; return 1; }
  nic_home hnnv2 "$MAC2"
}

case_bad_input() {
  local out
  out=$(printf 'not json' | "$PLUGIN" setup /var/run/netns/x) && { fail "garbage accepted"; return 1; }
  [ "$(jq -r .error <<<"$out")" = "the container's network options on stdin is not a JSON object" ] ||
    { fail "garbage: $out"; return 1; }
  out=$("$PLUGIN" setup </dev/null) && { fail "setup without a namespace accepted"; return 1; }
  case "$out" in *"needs one argument"*) ;; *) fail "no namespace: $out"; return 1 ;; esac
  out=$("$PLUGIN" frobnicate </dev/null 2>&1); [ $? -ne 0 ] || { fail "unknown verb accepted"; return 1; }
  ip netns add hnnv-c4
  out=$(nv setup /var/run/netns/hnnv-c4 <<<"$(attach web4 "$DHCP_NET" '"static_mac":"52:54:0e:c8:00:7"')" 2>&1) &&
    { fail "a bad static_mac was accepted"; return 1; }
  case "$out" in *"is not a MAC address"*) ;; *) fail "bad static_mac: $out"; return 1 ;; esac
  out=$(nv setup /var/run/netns/hnnv-c4 <<<"$(attach web4 "$DHCP_NET" '"static_ips":["192.168.72.9"]')" 2>&1) &&
    { fail "--ip on a DHCP network was accepted"; return 1; }
  case "$out" in *"--ip needs a network created with --subnet"*) ;; *) fail "--ip on DHCP: $out"; return 1 ;; esac
  # A NIC outside the network's pool is refused, and nothing moves.
  local pool1
  pool1=$(network pool1 "{\"nics\":\"hnnv1\",\"socket\":\"$SOCK\"}")
  out=$(nv setup /var/run/netns/hnnv-c4 <<<"$(attach web4 "$pool1" "\"static_mac\":\"$MAC2\"")" 2>&1) &&
    { fail "a NIC outside the pool was given"; return 1; }
  case "$out" in *hostnic*"$MAC2"*) ;; *) fail "NIC outside the pool: $out"; return 1 ;; esac
  nic_home hnnv2 "$MAC2" || return 1
  # Wrong daemon socket: the error says it does not answer.
  out=$(nv setup /var/run/netns/hnnv-c4 <<<"$(attach web4 "$(network nosock '{"socket":"/nonexistent.sock"}')")" 2>&1) &&
    { fail "setup without a daemon succeeded"; return 1; }
  case "$out" in *"does not answer"*) ;; *) fail "no daemon: $out"; return 1 ;; esac
  ip netns del hnnv-c4
}

# The daemon is the one owner: a NIC a CNI pod or a Docker container holds is
# not given to a podman container, and the reverse.
case_one_owner_for_pods_docker_and_podman() {
  ip netns add hnnv-c5
  local out cni
  cni="{\"cniVersion\":\"1.0.0\",\"name\":\"pods\",\"type\":\"hostnic\",\"socket\":\"$SOCK\",\"nics\":[\"hnnv1\",\"hnnv2\"]}"
  out=$(CNI_COMMAND=ADD CNI_CONTAINERID=pod1 CNI_NETNS=/var/run/netns/hnnv-c5 CNI_IFNAME=net1 \
        CNI_ARGS="MAC=$MAC1" CNI_PATH=/usr/lib/cni "$PLUGIN_BIN" <<<"$cni") || { fail "CNI ADD: $out"; return 1; }
  ip netns add hnnv-c6
  out=$(nv setup /var/run/netns/hnnv-c6 <<<"$(attach web6 "$DHCP_NET" "\"static_mac\":\"$MAC1\"")" 2>&1) &&
    { fail "podman got the pod's NIC"; return 1; }
  case "$out" in *"$MAC1"*) ;; *) fail "error does not name the NIC: $out"; return 1 ;; esac
  ip -n hnnv-c5 link show net1 >/dev/null || { fail "the pod lost its NIC"; return 1; }
  CNI_COMMAND=DEL CNI_CONTAINERID=pod1 CNI_NETNS=/var/run/netns/hnnv-c5 CNI_IFNAME=net1 \
    CNI_PATH=/usr/lib/cni "$PLUGIN_BIN" <<<"$cni" >/dev/null || { fail "CNI DEL"; return 1; }
  # Docker's calls, as dockerd makes them (docs/..., the remote driver API).
  local dnet=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  local dep=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
  post CreateNetwork "{\"NetworkID\":\"$dnet\",\"Options\":{\"com.docker.network.generic\":{\"hostnic.nics\":\"hnnv1,hnnv2\"}},\"IPv4Data\":[{\"AddressSpace\":\"null\",\"Pool\":\"0.0.0.0/0\"}]}" >/dev/null
  out=$(post CreateEndpoint "{\"NetworkID\":\"$dnet\",\"EndpointID\":\"$dep\",\"Interface\":{\"MacAddress\":\"$MAC2\"}}")
  case "$out" in *Err*) fail "Docker's CreateEndpoint: $out"; post DeleteNetwork "{\"NetworkID\":\"$dnet\"}" >/dev/null; return 1 ;; esac
  out=$(nv setup /var/run/netns/hnnv-c6 <<<"$(attach web6 "$DHCP_NET" "\"static_mac\":\"$MAC2\"")" 2>&1)
  local rc=$?
  post DeleteEndpoint "{\"NetworkID\":\"$dnet\",\"EndpointID\":\"$dep\"}" >/dev/null
  post DeleteNetwork "{\"NetworkID\":\"$dnet\"}" >/dev/null
  [ "$rc" -ne 0 ] || { fail "podman got the Docker container's NIC"; return 1; }
  case "$out" in *"$MAC2"*) ;; *) fail "error does not name the NIC: $out"; return 1 ;; esac
  ip netns del hnnv-c5; ip netns del hnnv-c6
  nic_home hnnv1 "$MAC1" && nic_home hnnv2 "$MAC2"
}
# -o address6=dhcp6: the NIC's DHCPv6 address beside its DHCPv4 one, with
# the default route through the router of dnsmasq's RAs; the status block
# lists both addresses and both leases' name servers; teardown takes both.
case_setup_address6() {
  start_dnsmasq --enable-ra --ra-param=br0,10,1800 --dhcp-option=option:dns-server,"$GW" \
    --dhcp-range=::100,::1ff,constructor:br0,64,2m --dhcp-host="$MAC1,[$IP6_1]" \
    --dhcp-option=option6:dns-server,"[$GW6]" || return 1
  local net conf out
  net=$(network cloud6 "{\"nics\":\"hnnv1\",\"address6\":\"dhcp6\",\"socket\":\"$SOCK\",\"state-dir\":\"$WORK/copies\"}") ||
    { fail "create: $net"; return 1; }
  [ "$(jq -r .ipam_options.driver <<<"$net")" = dhcp ] || { fail "create: $net"; return 1; }
  ip netns add hnnv-c9
  conf=$(attach web9 "$net")
  out=$(nv setup /var/run/netns/hnnv-c9 <<<"$conf" 2>&1) || { fail "setup: $out"; return 1; }
  case "$(jq -r '.cloud6.interfaces.eth0.subnets | map(.ipnet + " " + .gateway) | join(",")' <<<"$out")" in
    "$IP1/24 $GW,$IP6_1/64 fe80:"*) ;;
    *) fail "status block has not both addresses: $out"; return 1 ;;
  esac
  [ "$(jq -r '.cloud6.dns_server_ips | join(",")' <<<"$out")" = "$GW,$GW6" ] ||
    { fail "status block has not the leases' name servers (DHCPv4's, DHCPv6's): $out"; return 1; }
  out=$(ip -n hnnv-c9 -o addr show dev eth0; ip -n hnnv-c9 -6 route)
  case "$out" in *"$IP1/24"*"$IP6_1/64 scope global"*"default via fe80:"*"dev eth0"*) ;;
    *) fail "eth0 has not both addresses and the IPv6 default route: $out"; return 1 ;; esac
  ping6_gateway ip netns exec hnnv-c9 busybox || return 1
  out=$(nv teardown /var/run/netns/hnnv-c9 <<<"$conf" 2>&1) || { fail "teardown: $out"; return 1; }
  nic_home hnnv1 "$MAC1" || return 1
  ip netns del hnnv-c9
}

# podman 5 itself (--podman5): its cases, in this suite's world.
# shellcheck source=tests/e2e/netavark_podman5_cases.sh
source "$ROOT/tests/e2e/netavark_podman5_cases.sh"

# Between cases: no container namespace, the NICs made anew, a daemon with
# empty state, so a failed case leaves nothing to the next.
fresh_world() {
  [ "$SUITE" = netavark ] || podman5 rm -af -t 0 >/dev/null 2>&1
  stop_daemon
  local ns
  for ns in $(ip netns list | awk '/^hnnv-c/{print $1}'); do ip netns del "$ns"; done
  rm -rf "$WORK/state" "$WORK/nv" "$WORK/copies" && mkdir -p "$WORK/state" "$WORK/nv"
  [ -z "$DNSMASQ_EXTRA" ] || start_dnsmasq || return 1
  make_nic 1 && make_nic 2
  start_daemon
}

NV_CASES=(info_and_create setup_dhcp_and_teardown setup_static_ip setup_address6 teardown_after_netns_died
          teardown_with_the_daemon_down bad_input one_owner_for_pods_docker_and_podman)
if [ "$SUITE" = podman5 ]; then
  NV_CASES=(podman5_dhcp_nic_as_eth0 podman5_mac_and_static_dual_stack podman5_refusals
            podman5_one_owner podman5_kill_9_with_a_guarded_container
            podman5_rm_with_the_daemon_down podman5_waits_for_a_hot_plugged_nic
            podman5_address_from_the_hook podman5_address6)
  podman5_enter "$PODMAN5_ROOT" "$WORK" || { echo "FAIL podman5: entering the root failed"; exit 1; }
  say "$(podman5 --version) in the root"
  p5_networks || { echo "FAIL podman5: podman network create failed"; exit 1; }
fi
t0=$SECONDS
for c in "${NV_CASES[@]}"; do
  fresh_world || exit 1
  run_case "$c" "case_$c"
done
run_case left_the_host_state_dir_alone case_left_the_host_state_dir_alone
case_summary "$SUITE" "$t0"
