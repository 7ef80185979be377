#!/bin/sh
# Entrypoint of the hostnic managed plugin (and of the image): maps the
# plugin's settable environment (see plugin-config/config.json and
# `docker plugin set`) to hostnic's flags, then execs the daemon so that it is
# the plugin's PID 1 and gets Docker's signals directly.
#
#   LOG_LEVEL   trace|debug|info|warn|error            -> --log-level
#   ALLOW_NICS  names/MACs, comma or blank separated  -> --allow-nic (each)
#   WAIT        seconds                               -> --wait
#   METRICS_ADDRESS  HOST:PORT or :PORT              -> --metrics-address
#   CALL_TIMEOUT     seconds (docker plugin enable --timeout) -> --call-timeout
#   SOCKET      socket path (default: the plugin's)   -> --socket
#   STATE_DIR   state directory (default: the mount)  -> --state-dir
#
# Arguments given to this script (the plugin's settable `args`) are appended
# after the mapped flags. Do not give a flag both ways: the daemon refuses a
# single-valued flag given twice.
set -euf  # -f: no globbing when ALLOW_NICS is split

nargs=$#
set -- "$@" --socket "${SOCKET:-/run/docker/plugins/hostnic.sock}" \
  --state-dir "${STATE_DIR:-/var/lib/hostnic}"
if [ -n "${LOG_LEVEL:-}" ]; then
  set -- "$@" --log-level "$LOG_LEVEL"
fi
if [ -n "${ALLOW_NICS:-}" ]; then
  for nic in $(printf '%s' "$ALLOW_NICS" | tr ',' ' '); do
    set -- "$@" --allow-nic "$nic"
  done
fi
if [ -n "${WAIT:-}" ]; then
  set -- "$@" --wait "$WAIT"
fi
if [ -n "${METRICS_ADDRESS:-}" ]; then
  set -- "$@" --metrics-address "$METRICS_ADDRESS"
fi
if [ -n "${CALL_TIMEOUT:-}" ]; then
  set -- "$@" --call-timeout "$CALL_TIMEOUT"
fi
# Move the user's arguments (the first $nargs) behind the mapped flags.
while [ "$nargs" -gt 0 ]; do
  arg=$1
  shift
  set -- "$@" "$arg"
  nargs=$((nargs - 1))
done

exec "${HOSTNIC_BIN:-/usr/local/bin/hostnic}" "$@"
