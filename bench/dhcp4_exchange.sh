#!/usr/bin/env bash
# Fresh DHCPv4 exchanges against a local server: bench/dhcp_exchange.sh 4
# (see there).   bench/dhcp4_exchange.sh [RUNS [PAUSE_MS]]   (as root)
exec "$(dirname "${BASH_SOURCE[0]}")/dhcp_exchange.sh" 4 "$@"
