#!/usr/bin/env bash
# hostnic end-to-end tests against a real dockerd. As root:
#
#     tests/e2e/run.sh              every case
#     tests/e2e/run.sh journey mtu  only the cases whose names contain a word
#     tests/e2e/run.sh --exact dhcp6 only the cases named so (an unknown
#                                   name fails: scripts/test.sh's lists)
#
# Needs build/hostnic (scripts/test.sh builds it and installs docker.io,
# busybox-static and iproute2 first). Uses the dockerd answering on
# /var/run/docker.sock or starts one (and stops only that one). Creates the
# test-only driver "hostnic-e2e", veth NICs hne2..hne5, the netns hne-peer and
# the bridge hne-br0, and removes all of it on exit, pass or fail.
# Prints one PASS/FAIL line per case; exits non-zero if any case failed.
# HNE_KEEP=1 keeps the daemon logs in /tmp/hostnic-e2e-logs/ even on success.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The case files, in order. (Other *_test.sh files here, e.g. plugin_test.sh,
# are standalone suites with their own runner; they are not sourced.)
for f in journey options errors restart lifecycle faults address address6 guard engine cni; do source "$E2E_DIR/${f}_test.sh"; done

select_cases "$@" || exit 2

trap e2e_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
if ! e2e_setup; then
  echo "FAIL setup: the test environment could not be prepared (see above)"
  FAILED+=(setup)
  exit 1
fi
info "driver $DRIVER on $SOCKET (hostnic pid $(daemon_pid)), work dir $HNE_WORK"

for c in "${selected[@]}"; do
  run_case "${c%%:*}" "${c#*:}"
done

case_summary e2e "$t0"
