#!/usr/bin/env bash
# Runs every hostnic test on a fresh Debian bookworm machine, as root:
#
#     sudo scripts/test.sh
#
# 1. installs the build and test dependencies that are missing (quiet apt),
# 2. builds everything (Release) in build/,
# 3. runs the unit and integration tests (ctest),
# 4. runs the end-to-end tests against a real dockerd (tests/e2e/run.sh),
# then prints a summary. Exits non-zero if anything failed.
#
# Environment: HOSTNIC_E2E=0 skips step 4; HOSTNIC_E2E_TIMEOUT (seconds,
# default 900) bounds it; extra arguments are passed to tests/e2e/run.sh
# (case name filters).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_root
set -e
ensure_packages "${HOSTNIC_BUILD_DEPS[@]}" "${HOSTNIC_TEST_DEPS[@]}"
set +e

started=$SECONDS
declare -A result
order=(build ctest e2e)
result=([build]=skipped [ctest]=skipped [e2e]=skipped)

if (build_hostnic); then
  result[build]=PASS
  say "running unit and integration tests (ctest)"
  if ctest --test-dir "$HOSTNIC_ROOT/build" --output-on-failure --timeout 300; then
    result[ctest]=PASS
  else
    result[ctest]=FAIL
  fi
  if [ "${HOSTNIC_E2E:-1}" = 0 ]; then
    say "HOSTNIC_E2E=0: skipping the end-to-end tests"
  else
    say "running end-to-end tests against a real dockerd (tests/e2e/run.sh)"
    timeout -s TERM "${HOSTNIC_E2E_TIMEOUT:-900}" "$HOSTNIC_ROOT/tests/e2e/run.sh" "$@"
    rc=$?
    if [ "$rc" -eq 0 ]; then result[e2e]=PASS
    elif [ "$rc" -eq 124 ]; then result[e2e]="FAIL (timed out)"
    else result[e2e]=FAIL; fi
  fi
else
  result[build]=FAIL
fi

echo
echo "==== hostnic test summary ($((SECONDS - started))s) ===="
status=0
for step in "${order[@]}"; do
  printf '  %-6s %s\n' "$step" "${result[$step]}"
  case "${result[$step]}" in FAIL*) status=1 ;; esac
done
[ "$status" -eq 0 ] && echo "  ALL PASSED" || echo "  SOME TESTS FAILED"
exit "$status"
