#!/usr/bin/env bash
# Fresh DHCPv6 exchanges against a local server: bench/dhcp_exchange.sh 6
# (see there).   bench/dhcp6_exchange.sh [RUNS [PAUSE_MS]]   (as root)
exec "$(dirname "${BASH_SOURCE[0]}")/dhcp_exchange.sh" 6 "$@"
