#!/usr/bin/env bash
# Runs every hostnic test on a fresh Debian bookworm machine, as root:
#
#     sudo scripts/test.sh
#
# 1. installs the build and test dependencies that are missing (quiet apt),
# 2. builds everything (Release) in build/,
# 3. runs the unit and integration tests (ctest), then builds the Debian
#    package and installs, checks and removes it (tests/package/deb_test.sh),
# 4. runs the end-to-end tests against a real dockerd (tests/e2e/run.sh),
# 5. runs the managed-plugin end-to-end tests (tests/e2e/plugin_test.sh:
#    docker plugin create/enable, plugin restart, upgrade, swarm); they are
#    reported SKIPPED, with the reason, when no debian:bookworm-slim base image
#    can be made here,
# 6. builds the unit and integration tests with clang's ASan+UBSan and TSan
#    and runs them (scripts/sanitize.sh all),
# 7. fuzzes the request handlers for a bounded time (tests/fuzz/run.sh),
# then prints a summary. Exits non-zero if anything failed.
#
# Environment: HOSTNIC_E2E=0 skips steps 4 and 5; HOSTNIC_PLUGIN_E2E=0 skips
# step 5; HOSTNIC_E2E_TIMEOUT (seconds, default 900) bounds step 4 and
# HOSTNIC_PLUGIN_TIMEOUT (default 1500) step 5; HOSTNIC_SANITIZE=0 and
# HOSTNIC_FUZZ=0 skip steps 6 and 7; HOSTNIC_FUZZ_SECONDS (default 60) bounds
# the fuzzing; extra arguments are passed to tests/e2e/run.sh
# (case name filters).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_root
set -e
ensure_packages "${HOSTNIC_BUILD_DEPS[@]}" "${HOSTNIC_TEST_DEPS[@]}"
set +e

started=$SECONDS
declare -A result
order=(build ctest package e2e plugin sanitize fuzz)
result=([build]=skipped [ctest]=skipped [package]=skipped [e2e]=skipped [plugin]=skipped
        [sanitize]=skipped [fuzz]=skipped)

if (build_hostnic); then
  result[build]=PASS
  say "running unit and integration tests (ctest)"
  if ctest --test-dir "$HOSTNIC_ROOT/build" --output-on-failure --timeout 300; then
    result[ctest]=PASS
  else
    result[ctest]=FAIL
  fi
  say "building, installing and removing the Debian package (tests/package/deb_test.sh)"
  package_log=$(mktemp /tmp/hostnic-package.XXXXXX.log)
  "$HOSTNIC_ROOT/tests/package/deb_test.sh" "$HOSTNIC_ROOT/build" | tee "$package_log"
  rc=${PIPESTATUS[0]}
  skip=$(grep -m1 '^SKIP package:' "$package_log")
  if [ "$rc" -ne 0 ]; then result[package]=FAIL
  elif [ -n "$skip" ] && ! grep -q '^PASS package:' "$package_log"; then
    result[package]="SKIPPED (${skip#SKIP package: })"
  elif [ -n "$skip" ]; then result[package]="PASS (skipped: ${skip#SKIP package: })"
  else result[package]=PASS; fi
  rm -f "$package_log"
  if [ "${HOSTNIC_E2E:-1}" = 0 ]; then
    say "HOSTNIC_E2E=0: skipping the end-to-end tests"
  else
    say "running end-to-end tests against a real dockerd (tests/e2e/run.sh)"
    e2e_log=$(mktemp /tmp/hostnic-e2e.XXXXXX.log)
    timeout -s TERM "${HOSTNIC_E2E_TIMEOUT:-900}" "$HOSTNIC_ROOT/tests/e2e/run.sh" "$@" |
      tee "$e2e_log"
    rc=${PIPESTATUS[0]}
    skipped=$(grep -m1 '^skipped: ' "$e2e_log")
    rm -f "$e2e_log"
    if [ "$rc" -eq 0 ] && [ -n "$skipped" ]; then result[e2e]="PASS (${skipped})"
    elif [ "$rc" -eq 0 ]; then result[e2e]=PASS
    elif [ "$rc" -eq 124 ]; then result[e2e]="FAIL (timed out)"
    else result[e2e]=FAIL; fi
    if [ "${HOSTNIC_PLUGIN_E2E:-1}" = 0 ]; then
      say "HOSTNIC_PLUGIN_E2E=0: skipping the managed-plugin tests"
    else
      say "running managed-plugin end-to-end tests (tests/e2e/plugin_test.sh)"
      plugin_log=$(mktemp /tmp/hostnic-plugin-e2e.XXXXXX.log)
      timeout -s TERM "${HOSTNIC_PLUGIN_TIMEOUT:-1500}" \
        "$HOSTNIC_ROOT/tests/e2e/plugin_test.sh" 2>&1 | tee "$plugin_log"
      rc=${PIPESTATUS[0]}
      skip=$(grep -m1 '^SKIP:' "$plugin_log")
      if [ "$rc" -eq 0 ] && [ -n "$skip" ]; then result[plugin]="SKIPPED (${skip#SKIP: })"
      elif [ "$rc" -eq 0 ]; then result[plugin]=PASS
      elif [ "$rc" -eq 124 ]; then result[plugin]="FAIL (timed out)"
      else result[plugin]=FAIL; fi
      rm -f "$plugin_log"
    fi
  fi
  if [ "${HOSTNIC_SANITIZE:-1}" = 0 ]; then
    say "HOSTNIC_SANITIZE=0: skipping the sanitizer builds"
  else
    say "building and running the tests under ASan+UBSan and TSan (scripts/sanitize.sh all)"
    if "$HOSTNIC_ROOT/scripts/sanitize.sh" all; then result[sanitize]=PASS
    else result[sanitize]=FAIL; fi
  fi
  if [ "${HOSTNIC_FUZZ:-1}" = 0 ]; then
    say "HOSTNIC_FUZZ=0: skipping the fuzzer"
  else
    say "fuzzing the request handlers for ${HOSTNIC_FUZZ_SECONDS:-60}s (tests/fuzz/run.sh)"
    if "$HOSTNIC_ROOT/tests/fuzz/run.sh" "${HOSTNIC_FUZZ_SECONDS:-60}"; then result[fuzz]=PASS
    else result[fuzz]=FAIL; fi
  fi
else
  result[build]=FAIL
fi

echo
echo "==== hostnic test summary ($((SECONDS - started))s) ===="
status=0
for step in "${order[@]}"; do
  printf '  %-8s %s\n' "$step" "${result[$step]}"
  case "${result[$step]}" in FAIL*) status=1 ;; esac
done
[ "$status" -eq 0 ] && echo "  ALL PASSED" || echo "  SOME TESTS FAILED"
exit "$status"
