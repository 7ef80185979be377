# shellcheck shell=bash
# Sourced first by the benchmarks that run the plugin executable themselves
# (cni_vs_host_device.sh, netavark_vs_bridge.sh, podman5_run.sh): re-runs
# the calling script, with its arguments, in a private network namespace of
# its own (unshare -n), then sets ROOT (this checkout), BIN (the daemon:
# HOSTNIC_BIN, default build/hostnic) and PLUGIN (the plugin executable:
# HOSTNIC_CNI_BIN, default build/hostnic-cni).
set -uo pipefail
if [ "${HNB_INSIDE:-}" != 1 ]; then
  exec env HNB_INSIDE=1 unshare -n "$0" "$@"
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${HOSTNIC_BIN:-$ROOT/build/hostnic}
PLUGIN=${HOSTNIC_CNI_BIN:-$ROOT/build/hostnic-cni}
