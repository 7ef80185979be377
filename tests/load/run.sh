#!/usr/bin/env bash
# hostnic control-plane load test. As root:
#
#     tests/load/run.sh [hostnic_load options...]
#
# Builds hostnic and hostnic_load in build/ if needed (BUILD_DIR=... to use
# another tree), then runs hostnic_load: in a private network namespace, 64
# veth NICs; first 300 idle + 300 half-body connections hanging on the
# socket while Plugin.Activate must be answered (latencies printed) and
# those clients must be cut (~5 s); then 16 threads racing through 1000
# CreateEndpoint/Join/Leave/DeleteEndpoint cycles over the daemon's socket
# on five networks with
# overlapping pools, one kill -9 of the daemon mid-load, and invariant checks
# (no NIC held twice, no endpoint lost, state files == /status, every NIC
# back with its own name/MTU/state). Bounded to well under a minute.
# Options: --nics N --threads N --cycles N --seconds N --seed N --keep
# --no-mtu --slow-clients N --slow-only (see tests/load/load_test.cc).
# Exit 0 pass, 1 fail, 77 skipped.
# Also a ctest test: `ctest --test-dir build -L load`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the load test needs root (network namespaces, veth)"
  exit 77
fi
if [ ! -x "$build/hostnic_load" ] || [ ! -x "$build/hostnic" ] ||
   [ -n "$(find "$root/tests/load" "$root/src" -newer "$build/hostnic_load" -name '*.cc' -print -quit)" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target hostnic hostnic_load >/dev/null
fi
exec timeout -s KILL 170 "$build/hostnic_load" --hostnic "$build/hostnic" "$@"
