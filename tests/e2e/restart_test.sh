# State that survives: daemon kill -9 mid-container, stop/start cycles.
# Sourced by run.sh; see lib.sh.

test_daemon_kill9() {
  local out mac=${NIC_MAC[hne2]} old
  net_create hne-crash
  dk_ok run -d --name hne-survivor --label "$LABEL" --network hne-crash --ip 192.168.1.5 \
    --mac-address "$mac" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  wait_until 30 "hne-survivor runs" container_running hne-survivor
  expect_nic_gone hne2

  old=$(daemon_pid)
  kill -KILL "$old"
  wait_until 10 "hostnic (pid $old) is gone after kill -9" eval "! kill -0 $old 2>/dev/null"
  note "killed hostnic (pid $old) with SIGKILL; restarting it on the same state dir"
  start_daemon || fail "hostnic did not come back after kill -9 (same state dir, stale socket)"

  # The running container still has its NIC, and it works.
  container_running hne-survivor || fail "hne-survivor stopped when the daemon was killed"
  expect_nic_works hne-survivor "$mac" 192.168.1.5/24

  # Stopping it returns the NIC.
  dk_ok stop -t 5 hne-survivor >/dev/null
  expect_nic_back hne2

  # A new container works on the same network, not re-created.
  out=$(dk_ok run --rm --label "$LABEL" --network hne-crash --ip 192.168.1.6 \
        --mac-address "$mac" "$IMAGE" ip addr)
  expect_iface "$out" eth0 "$mac" 192.168.1.6/24
  expect_nic_back hne2
  # And the restarted survivor gets its NIC again.
  dk_ok start hne-survivor >/dev/null
  out=$(dk_ok exec hne-survivor ip addr)
  expect_iface "$out" eth0 "$mac" 192.168.1.5/24 hne-survivor
  dk_ok stop -t 5 hne-survivor >/dev/null
  expect_nic_back hne2
}
register_case daemon-kill9-restart test_daemon_kill9

test_stop_start_cycles() {
  local out i mac=${NIC_MAC[hne2]}
  net_create hne-cycle
  dk_ok create --name hne-cycler --label "$LABEL" --network hne-cycle --ip 192.168.1.7 \
    --mac-address "$mac" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  for i in 1 2 3; do
    dk_ok start hne-cycler >/dev/null
    wait_until 30 "hne-cycler runs (cycle $i)" container_running hne-cycler
    expect_nic_gone hne2
    out=$(dk_ok exec hne-cycler ip addr)
    expect_iface "$out" eth0 "$mac" 192.168.1.7/24 "hne-cycler (cycle $i)"
    out=$(dk_ok exec hne-cycler ping -c 1 -W 2 "$GATEWAY")
    expect_contains "$out" "1 packets received" "ping $GATEWAY from hne-cycler (cycle $i)"
    dk_ok stop -t 5 hne-cycler >/dev/null
    expect_nic_back hne2
  done
}
register_case stop-start-cycles test_stop_start_cycles

# `hostnic status` names the holder of a NIC; SIGTERM removes the socket;
# a clean restart serves the same network.
test_status_and_sigterm() {
  local out ep line mac=${NIC_MAC[hne2]}
  net_create hne-status
  dk_ok run -d --name hne-status-c --label "$LABEL" --network hne-status --ip 192.168.1.5 \
    --mac-address "$mac" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  wait_until 30 "hne-status-c runs" container_running hne-status-c
  ep=$(endpoint_id hne-status-c hne-status)
  out=$("$HOSTNIC_BIN" --socket "$SOCKET" status 2>&1) || fail "hostnic status failed: $(one_line "$out")"
  line=$(grep -i "$mac" <<<"$out" || true)
  [ -n "$line" ] || fail "hostnic status does not list $mac: $(one_line "$out")"
  grep -q "${ep:0:12}" <<<"$line" ||
    fail "hostnic status does not show endpoint ${ep:0:12} holding $mac: $line"
  # Metrics and health on the same socket.
  out=$(curl -sS --unix-socket "$SOCKET" http://hostnic/metrics) ||
    fail "GET /metrics failed: $(one_line "$out")"
  expect_contains "$out" '^hostnic_requests_total\{method="NetworkDriver.Join"\} [1-9]' "/metrics"
  expect_contains "$out" '^hostnic_nics\{state="away"\} [1-9]' "/metrics (the NIC is in its container)"
  out=$(curl -sS --unix-socket "$SOCKET" http://hostnic/health)
  expect_contains "$out" '"status":"ok"' "/health"

  stop_daemon TERM
  [ ! -e "$SOCKET" ] || fail "hostnic left its socket $SOCKET behind after SIGTERM"
  start_daemon || fail "hostnic did not start again after a clean stop"
  out=$(stat -c '%a' "$SOCKET")
  [ "$out" = 600 ] || fail "socket mode is $out, expected 600"
  container_running hne-status-c || fail "hne-status-c stopped when the daemon stopped"
  dk_ok stop -t 5 hne-status-c >/dev/null
  expect_nic_back hne2
  out=$(dk_ok run --rm --label "$LABEL" --network hne-status --ip 192.168.1.6 \
        --mac-address "$mac" "$IMAGE" ip addr)
  expect_iface "$out" eth0 "$mac" 192.168.1.6/24
  expect_nic_back hne2
}
register_case status-and-sigterm test_status_and_sigterm
