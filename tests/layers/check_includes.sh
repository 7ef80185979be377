#!/usr/bin/env bash
# The layer rules of hostnic's sources, checked on their #include lines:
#
#     tests/layers/check_includes.sh [ROOT]     (default: this checkout)
#     tests/layers/check_includes.sh --self-test
#
# Prints one line per forbidden include -- the file and line, what it
# includes, and why that layer may not -- and exits 1 when there is any.
# --self-test plants one violation per kind in a scratch tree and checks
# that each is reported (and that an allowed include is not). Run by ctest
# as layers.check_includes and layers.check_includes_self_test.
#
# The CMake layer libraries state the same rules for linking (see
# hostnic_forbid_links in CMakeLists.txt).
set -uo pipefail

# One rule a line: DIRS :: FORBIDDEN :: ALLOWED :: WHY.
# DIRS are relative to ROOT (space-separated). FORBIDDEN and ALLOWED are
# extended regexes matched against the include as written, brackets or
# quotes and all (<netlink/netlink.h> is libnl, "netlink/nl_util.h" is
# hostnic's netlink layer); an include matching ALLOWED ("-": none) is
# exempt.
readonly RULES='
src/driver :: ^<nlohmann/ :: - :: driver/ is the domain core: JSON belongs to the front ends (api/) and the store
src/driver :: httplib :: - :: driver/ is the domain core: HTTP belongs to the front ends (api/)
src/driver :: ^<netlink/ :: - :: driver/ never sees libnl: it changes devices through hostnic/link.h (LinkControl)
src/driver :: ^"netlink/ :: - :: driver/ is above netlink/ and reaches it only through include/hostnic contracts (LinkControl, LinkEvents, SandboxControl); daemon/ wires them
src/driver :: ^"(store|hooks|dhcp6?|host)/ :: - :: driver/ reaches the layers below only through include/hostnic contracts (Store, Hooks, AddressSource); daemon/ wires the implementations
src/driver :: ^"guard/|^<bpf/ :: - :: driver/ reaches the metadata guard only through hostnic/guard.h (MetadataGuard); libbpf belongs to guard/
src/guard :: ^"hostnic/(driver|inventory)\.h" :: - :: guard/ is below the driver: it implements hostnic/guard.h
src/guard :: ^"(driver|store|api|cli|cni|daemon|hooks|dhcp|host|netlink)/ :: - :: guard/ is a bottom layer: only common/ and include/hostnic
src/driver :: ^"(api|cli|cni|daemon)/ :: - :: driver/ is below the front ends and the daemon that wires them
src/api src/cli :: ^<netlink/ :: - :: api/ is a front end: libnl belongs to netlink/ alone
src/api src/cli :: ^"netlink/ :: - :: api/ is a front end: it reaches devices only through the driver
src/api src/cli :: ^"(store|hooks|dhcp|host)/ :: - :: api/ gets what it needs from the driver or passed in by daemon/ (api/status_json.h ManagerOf: daemon/ asks host/)
src/api src/cli :: ^"daemon/ :: - :: api/ is wired by daemon/, never the reverse
src/store :: ^"hostnic/(driver|inventory)\.h" :: - :: store/ is below the driver: it sees records (hostnic/records.h, ids.h, store.h), never the driver
src/store :: ^"(driver|netlink|api|cli|cni|daemon|hooks|dhcp|host)/ :: - :: store/ is a bottom layer: only common/ and include/hostnic
src/netlink :: ^"hostnic/(driver|inventory)\.h" :: - :: netlink/ is below the driver: it reports devices to hostnic/link.h LinkEvents, and daemon/ hands it the Inventory
src/netlink :: ^"(driver|store|api|cli|cni|daemon|hooks|dhcp|host)/ :: - :: netlink/ is below the driver and the front ends
src/hooks src/dhcp src/dhcp6 src/host src/common :: ^"hostnic/(driver|inventory)\.h" :: - :: a layer below the driver sees include/hostnic contracts, never the driver
src/hooks src/dhcp src/dhcp6 src/host src/common :: ^"(driver|store|api|cli|cni|daemon)/ :: - :: a layer below the driver and the front ends
src/dhcp :: ^<(nlohmann|netlink)/ :: - :: dhcp/ is an address source of its own: no JSON, no libnl (raw sockets)
src/dhcp :: ^"dhcp6/ :: - :: dhcp/ (IPv4) and dhcp6/ (IPv6) are address sources side by side
src/dhcp6 :: ^<(nlohmann|netlink)/ :: - :: dhcp6/ is an address source of its own: no JSON, no libnl (raw sockets)
src/dhcp6 :: ^"dhcp/ :: ^"dhcp/transport(_util)?\.h"$ :: dhcp6/ shares only the Transport seam and the socket helpers (dhcp/transport.h, transport_util.h) with dhcp/
src/cni :: ^"driver/|^"hostnic/(driver|inventory)\.h" :: - :: the CNI plugin runs in the container runtime: the driver lives in the daemon, reached through cni/daemon_client.h
src/cni :: ^"(api|daemon|store)/ :: ^"api/(unix_http_client|cni_wire)\.h"$ :: the CNI plugin talks to the daemon only through its client (api/unix_http_client.h) and the protocol codec (api/cni_wire.h), never its server side
include/hostnic :: ^"(api|cli|cni|common|daemon|dhcp|driver|guard|hooks|host|netlink|store)/ :: - :: public contracts include only each other and the standard library
include/hostnic :: ^<(nlohmann|netlink)/|httplib :: - :: public contracts carry no JSON, HTTP or libnl
src/netavark :: ^"driver/|^"hostnic/(driver|inventory)\.h" :: - :: the netavark plugin runs under podman and netavark: the driver lives in the daemon, reached through cni/daemon_client.h
src/netavark :: ^"(api|daemon|store|dhcp|hooks|host)/ :: ^"api/cni_wire\.h"$ :: the netavark plugin reaches the daemon only as the CNI plugin does (cni/daemon_client.h and the protocol codec api/cni_wire.h)
'

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# check ROOT: prints the violations; returns 1 when there is any.
check() {
  local root=$1 found=0 line rest dir hit file lineno inc i
  local -a dirs=() forbidden=() allowed=() why=()
  while IFS= read -r line; do
    [ -z "$(trim "$line")" ] && continue
    dirs+=("$(trim "${line%% :: *}")") rest=${line#* :: }
    forbidden+=("$(trim "${rest%% :: *}")") rest=${rest#* :: }
    allowed+=("$(trim "${rest%% :: *}")")
    why+=("$(trim "${rest#* :: }")")
  done <<<"$RULES"
  local include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"])'
  while IFS= read -r hit; do
    file=${hit%%:*} hit=${hit#*:}
    lineno=${hit%%:*} hit=${hit#*:}
    [[ $hit =~ $include_re ]] || continue
    inc=${BASH_REMATCH[1]}
    file=${file#"$root"/}
    for i in "${!dirs[@]}"; do
      for dir in ${dirs[i]}; do
        [[ $file == "$dir"/* ]] || continue
        [[ $inc =~ ${forbidden[i]} ]] || continue
        [ "${allowed[i]}" != - ] && [[ $inc =~ ${allowed[i]} ]] && continue
        printf '%s:%s: includes %s, forbidden in %s/: %s\n' \
          "$file" "$lineno" "$inc" "$dir" "${why[i]}"
        found=1
      done
    done
  done < <(find "$root/src" "$root/include" -type f \( -name '*.h' -o -name '*.cc' \) \
             -print0 2>/dev/null | sort -z |
           xargs -0r grep -nHE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]')
  return "$found"
}

self_test() {
  local tmp out status=0 want
  tmp=$(mktemp -d /tmp/hostnic-layers.XXXXXX)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp"/src/{driver,api,store,netlink,cni,netavark} "$tmp/include/hostnic"
  printf '#include <nlohmann/json.hpp>\n#include "hostnic/link.h"\n' >"$tmp/src/driver/a.cc"
  printf '#include <netlink/netlink.h>\n' >"$tmp/src/api/b.cc"
  printf '#include "hostnic/driver.h"\n#include "hostnic/ids.h"\n' >"$tmp/src/store/c.cc"
  printf '#include "hostnic/inventory.h"\n' >"$tmp/src/netlink/d.h"
  printf '#include "api/unix_http_client.h"\n#include "api/handlers.h"\n' >"$tmp/src/cni/e.cc"
  printf '#include "driver/nic_table.h"\n' >"$tmp/include/hostnic/f.h"
  printf '#include "cni/daemon_client.h"\n#include "driver/network_config.h"\n' >"$tmp/src/netavark/g.cc"
  if out=$(check "$tmp"); then
    echo "self-test: the planted violations were not reported" >&2
    return 1
  fi
  printf '%s\n' "$out"
  for want in 'src/driver/a.cc:1: includes <nlohmann/json.hpp>' \
              'src/api/b.cc:1: includes <netlink/netlink.h>' \
              'src/store/c.cc:1: includes "hostnic/driver.h"' \
              'src/netlink/d.h:1: includes "hostnic/inventory.h"' \
              'src/cni/e.cc:2: includes "api/handlers.h"' \
              'include/hostnic/f.h:1: includes "driver/nic_table.h"' \
              'src/netavark/g.cc:2: includes "driver/network_config.h"'; do
    grep -qF "$want" <<<"$out" || { echo "self-test: not reported: $want" >&2; status=1; }
  done
  for want in 'a.cc:2:' 'c.cc:2:' 'e.cc:1:' 'g.cc:1:'; do
    ! grep -qF "$want" <<<"$out" || { echo "self-test: allowed include reported: $want" >&2; status=1; }
  done
  [ "$status" -eq 0 ] && echo "self-test: every planted violation reported, nothing else"
  return "$status"
}

if [ "${1:-}" = --self-test ]; then
  self_test
  exit
fi
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if check "$root"; then
  echo "layers: every #include under $root/src and $root/include follows the layer rules"
else
  echo "layers: the includes above break the layer rules (tests/layers/check_includes.sh says why)" >&2
  exit 1
fi
