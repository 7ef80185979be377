#!/usr/bin/env bash
# Builds hostnic and runs it in the foreground, on a fresh Debian bookworm
# machine, as root:
#
#     sudo scripts/run.sh [hostnic flags...]      e.g. --log-level debug
#
# Installs the build dependencies if they are missing, builds a Release
# binary into build/ (incrementally: a second run takes seconds), then
# replaces itself with build/hostnic, so Ctrl-C / SIGTERM reach the daemon,
# which removes its socket on the way out. With no flags the driver is
# called "hostnic" (socket /run/docker/plugins/hostnic.sock).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_root
ensure_packages "${HOSTNIC_BUILD_DEPS[@]}"
build_hostnic hostnic
say "starting build/hostnic $*"
exec "$HOSTNIC_ROOT/build/hostnic" "$@"
