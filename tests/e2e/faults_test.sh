# Faults end to end (issue 5): many containers started in parallel, the
# daemon killed with -9 in the middle of that, dockerd restarted under
# --restart=always containers, a read-only state dir. After each: every NIC
# is either in its container or back on the host under its own name.
# Sourced by run.sh; see lib.sh.

# 20 extra stand-in NICs hnf0..hnf19 (MACs 52:54:0e:e5:01:00..13), made by
# the cases that use them and removed at the end of each (and at teardown).
HNF_NICS=()
for _i in $(seq 0 19); do
  HNF_NICS+=("hnf$_i")
  NIC_MAC[hnf$_i]=$(printf '52:54:0e:e5:01:%02x' "$_i")
  EXTRA_NICS+=("hnf$_i")
  DAEMON_EXTRA_ARGS+=(--allow-nic "${NIC_MAC[hnf$_i]}")
done
unset _i
HNF_LABEL=hostnic-e2e-faults=1     # on every container of these cases, too

# hnf_make N: creates hnf0..hnf(N-1), wired to the gateway bridge.
hnf_make() {
  local i
  for ((i = 0; i < $1; i++)); do make_nic "hnf$i"; done
}

# hnf_remove: removes every hnf NIC and its far end, wherever they are.
hnf_remove() {
  local nic
  for nic in "${HNF_NICS[@]}"; do
    ip link del "$nic" 2>/dev/null || true
    ip -n "$PEER_NS" link del "${nic}p" 2>/dev/null || true
  done
}

# hnf_rm_all: removes this file's containers (in parallel), waits for their
# NICs to come home.
hnf_rm_all() {
  local ids
  ids=$(dk ps -aq --filter "label=$HNF_LABEL" 2>/dev/null || true)
  [ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
}

# hnf_pool N: "hnf0,hnf1,...,hnf(N-1)" (names) for hostnic.nics.
hnf_pool() {
  local i out=
  for ((i = $1; i < $2; i++)); do out+="${out:+,}hnf$i"; done
  printf '%s' "$out"
}

# hnf_eth0_mac CONTAINER: the MAC of eth0 inside a running container.
hnf_eth0_mac() {
  dk exec "$1" cat /sys/class/net/eth0/address 2>/dev/null | tr 'A-F' 'a-f'
}

# hnf_status_state MAC: the STATE column of `hostnic status` for MAC.
hnf_status_state() {
  "$HOSTNIC_BIN" --socket "$SOCKET" status 2>/dev/null |
    awk -v m="$1" 'tolower($2) == m { print $3; exit }'
}

# hnf_check_homes N WHAT [MTU]: every NIC hnf0..hnf(N-1) is in exactly one
# running container of this file (as its eth0) or on the host under its own
# name (MTU, default 1500), never both, never lost or renamed; no running
# container lacks its NIC. Prints "IN HOME" counts.
hnf_check_homes() {
  local n=$1 what=$2 mtu=${3:-1500} c mac i nic names
  declare -A in_container=()
  local ids
  ids=$(dk ps -q --filter "label=$HNF_LABEL" 2>/dev/null || true)
  for c in $ids; do
    mac=$(hnf_eth0_mac "$c")
    if [ -z "$mac" ]; then
      # Exited between ps and exec? Only a running one must have its NIC.
      container_running "$c" || continue
      fail "$what: running container $(dk inspect -f '{{.Name}}' "$c") has no eth0"
    fi
    [ -z "${in_container[$mac]:-}" ] ||
      fail "$what: MAC $mac is eth0 of two containers (${in_container[$mac]} and $c)"
    in_container[$mac]=$c
  done
  local inside=0 home=0
  for ((i = 0; i < n; i++)); do
    nic=hnf$i
    mac=${NIC_MAC[$nic]}
    names=$(ip -o link | { grep -i "link/ether $mac" || true; } | awk -F': ' '{print $2}' |
            sed 's/@.*//' | tr '\n' ' ')
    if [ -n "${in_container[$mac]:-}" ]; then
      [ -z "$names" ] ||
        fail "$what: $nic ($mac) is in container ${in_container[$mac]:0:12} AND on the host as '$names'"
      inside=$((inside + 1))
    elif [ "$names" = "$nic " ]; then
      [ "$(nic_mtu "$nic")" = "$mtu" ] ||
        fail "$what: $nic is back on the host with MTU $(nic_mtu "$nic"), expected $mtu"
      home=$((home + 1))
    elif [ -n "$names" ]; then
      fail "$what: $nic ($mac) is on the host under the name(s) '$names'"
    else
      fail "$what: $nic ($mac) is lost: in no running container and not on the host"
    fi
  done
  note "$what: $inside NICs in containers, $home on the host"
  printf '%s %s\n' "$inside" "$home"
}

# hnf_expect_all_in N WHAT: hnf0..hnf(N-1) are all in containers, none home.
hnf_expect_all_in() {
  local out
  out=$(hnf_check_homes "$1" "$2")
  [ "$out" = "$1 0" ] || fail "expected all $1 NICs in containers, got (in, home) = $out"
}

# hnf_wait_all_home N WHAT: waits until hnf0..hnf(N-1) are all on the host
# under their own names, MTU 1500.
hnf_wait_all_home() {
  local i
  for ((i = 0; i < $1; i++)); do expect_nic_back "hnf$i"; done
  for ((i = 0; i < $1; i++)); do
    [ "$(nic_mtu "hnf$i")" = 1500 ] || fail "$2: hnf$i has MTU $(nic_mtu "hnf$i"), expected 1500"
  done
}

# hnf_not_free N: the NICs of hnf0..hnf(N-1) `hostnic status` does not show
# free, as "hnfI=STATE ...".
hnf_not_free() {
  local i st bad=
  for ((i = 0; i < $1; i++)); do
    st=$(hnf_status_state "${NIC_MAC[hnf$i]}")
    [ "$st" = free ] || bad+="hnf$i=$st "
  done
  printf '%s' "$bad"
}

# hnf_expect_all_free N WHAT [SECONDS]: `hostnic status` shows hnf0..hnf(N-1)
# free (no endpoint left holding a NIC no container has), at once or within
# SECONDS.
hnf_expect_all_free() {
  local bad deadline=$((SECONDS + ${3:-0}))
  until bad=$(hnf_not_free "$1"); [ -z "$bad" ] || [ "$SECONDS" -ge "$deadline" ]; do
    sleep 0.5
  done
  [ -z "$bad" ] || fail "$2: hostnic status does not show these NICs free: $bad($(
    "$HOSTNIC_BIN" --socket "$SOCKET" status 2>&1 | grep -i '52:54:0e:e5:01' | tr -s ' ' | tr '\n' ';'))"
}

# hnf_finish N WHAT: removes this file's containers; hnf0..hnf(N-1) come
# home and are free; then removes the NICs.
hnf_finish() {
  hnf_rm_all
  hnf_wait_all_home "$1" "$2"
  hnf_expect_all_free "$1" "$2"
  hnf_remove
}

# hnf_run_parallel PREFIX COUNT NETWORK [--mac-address-from FIRST]: starts
# COUNT containers PREFIX0.. in parallel (docker run -d); each one's output
# goes to $HNE_WORK/PREFIXi.out and its exit status to PREFIXi.rc.
hnf_run_parallel() {
  local prefix=$1 count=$2 net=$3 first=${4:-} i args
  for ((i = 0; i < count; i++)); do
    args=(run -d --name "$prefix$i" --label "$LABEL" --label "$HNF_LABEL" --network "$net")
    [ -z "$first" ] || args+=(--mac-address "${NIC_MAC[hnf$((first + i))]}")
    ( dk "${args[@]}" "$IMAGE" "${SLEEPER[@]}" >"$HNE_WORK/$prefix$i.out" 2>&1
      echo $? >"$HNE_WORK/$prefix$i.rc" ) &
  done
}

hnf_failed_runs() {  # PREFIX COUNT: names of the docker runs that failed
  local i out=
  for ((i = 0; i < $2; i++)); do
    [ "$(cat "$HNE_WORK/$1$i.rc" 2>/dev/null)" = 0 ] || out+="$1$i "
  done
  printf '%s' "$out"
}

# ---------------------------------------------------------------- cases

# 20 containers started at once: 16 by pool pick on one network (threads in
# the daemon race for the same pool), 4 by --mac-address on another. Each
# gets its own NIC, which works (ping); stopping all returns all.
test_parallel_starts() {
  local out failed c mac seen=() i gw=192.168.7.1
  hnf_make 20
  # A subnet of its own: stopping 16 containers at once can leave Docker's
  # count of the network's endpoints above zero with none left (moby#42119),
  # and such a network, which cannot be removed, must not hold the subnet of
  # the cases after. The NICs' far end answers on it too.
  ip -n "$PEER_NS" addr replace "$gw/24" dev "$PEER_BR"
  dk_ok network create -d "$DRIVER" --label "$LABEL" --subnet 192.168.7.0/24 \
    --gateway "$gw" -o "hostnic.nics=$(hnf_pool 0 16)" hne-par >/dev/null
  dk_ok network create -d "$DRIVER" --label "$LABEL" --subnet 192.168.3.0/24 \
    --gateway 192.168.3.1 -o "hostnic.nics=$(hnf_pool 16 20)" hne-par2 >/dev/null
  hnf_run_parallel hnp 16 hne-par
  hnf_run_parallel hnm 4 hne-par2 16
  wait
  failed="$(hnf_failed_runs hnp 16)$(hnf_failed_runs hnm 4)"
  [ -z "$failed" ] || fail "parallel docker run failed for: $failed; first error: $(
    one_line "$(cat "$HNE_WORK/${failed%% *}.out")")"
  # Each has its own NIC (checked by hnf_check_homes: no MAC twice).
  hnf_expect_all_in 20 "20 parallel starts"
  for ((i = 0; i < 4; i++)); do
    mac=$(hnf_eth0_mac hnm$i)
    [ "$mac" = "${NIC_MAC[hnf$((16 + i))]}" ] ||
      fail "hnm$i asked for ${NIC_MAC[hnf$((16 + i))]} but has eth0 $mac"
  done
  # Every pooled NIC works end to end.
  for ((i = 0; i < 16; i++)); do
    ( dk exec hnp$i ping -c 1 -W 3 "$gw" >"$HNE_WORK/ping$i" 2>&1; echo $? >"$HNE_WORK/ping$i.rc" ) &
  done
  wait
  for ((i = 0; i < 16; i++)); do
    [ "$(cat "$HNE_WORK/ping$i.rc")" = 0 ] ||
      fail "hnp$i cannot ping $gw over its NIC: $(one_line "$(cat "$HNE_WORK/ping$i")")"
  done
  # Stop all at once.
  dk_ok stop -t 2 $(dk ps -q --filter "label=$HNF_LABEL") >/dev/null
  hnf_wait_all_home 20 "after stopping all"
  hnf_expect_all_free 20 "after stopping all"
  hnf_rm_all
  hnf_remove
  ip -n "$PEER_NS" addr del "$gw/24" dev "$PEER_BR" 2>/dev/null || true
}
register_case parallel-starts test_parallel_starts

# kill -9 of hostnic at a random point while 16 containers start in parallel,
# restart on the same state dir; then again while they stop. Every NIC is in
# its container or home; stopping all returns all; everything works after.
test_kill9_parallel() {
  local round delay out failed ok i pid
  hnf_make 16
  # A subnet of its own: a docker run whose rollback call hits the killed
  # daemon can leave Docker a stale endpoint that keeps this network until
  # dockerd restarts, and it must not block the subnet of the cases after.
  dk_ok network create -d "$DRIVER" --label "$LABEL" --subnet 192.168.9.0/24 \
    --gateway 192.168.9.1 -o "hostnic.nics=$(hnf_pool 0 16)" hne-k9 >/dev/null
  # An endpoint whose CreateEndpoint answer the kill cut off is one Docker
  # rolled back; the restarted daemon frees its NIC once it has waited this
  # long for a Join (the default is 60 s).
  DAEMON_EXTRA_ARGS+=(--unjoined-grace 10)
  for round in 1 2; do
    delay=$(( (RANDOM % 25) * 100 ))   # 0 to 2.4 s into the starts
    hnf_run_parallel "hnk${round}_" 16 hne-k9
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    pid=$(daemon_pid)
    kill -KILL "$pid"
    note "round $round: killed hostnic (pid $pid) with SIGKILL ${delay} ms into 16 parallel docker runs"
    wait_until 10 "hostnic (pid $pid) is gone" eval "! kill -0 $pid 2>/dev/null"
    sleep "0.$((RANDOM % 10))"
    start_daemon || fail "hostnic did not start again after kill -9 (round $round)"
    wait
    failed=$(hnf_failed_runs "hnk${round}_" 16)
    note "round $round: docker runs that failed: ${failed:-none}"
    for c in $failed; do
      note "  $c: $(one_line "$(cat "$HNE_WORK/$c.out")" | cut -c1-300)"
      if grep -q 'remote: request body is empty' "$HNE_WORK/$c.out"; then
        note "  ($c: Docker's plugin client sent the call the kill cut off again with its body" \
             "already read, moby/moby#39331; the restarted hostnic refused the empty request)"
      fi
    done
    out=$(hnf_check_homes 16 "round $round after kill -9 during starts")
    # Stop them all and kill hostnic in the middle of that too.
    delay=$(( (RANDOM % 15) * 100 ))
    ( dk stop -t 1 $(dk ps -q --filter "label=$HNF_LABEL") >"$HNE_WORK/stop.out" 2>&1 || true ) &
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    pid=$(daemon_pid)
    kill -KILL "$pid"
    note "round $round: killed hostnic (pid $pid) ${delay} ms into stopping them all"
    wait_until 10 "hostnic (pid $pid) is gone" eval "! kill -0 $pid 2>/dev/null"
    start_daemon || fail "hostnic did not start again after kill -9 (round $round, stops)"
    wait
    hnf_wait_all_home 16 "round $round after kill -9 during stops"
    hnf_rm_all
    hnf_expect_all_free 16 "round $round after removing all containers" 20
  done
  # And the network still serves 16 new containers, each with its own NIC.
  hnf_run_parallel hnk_after 16 hne-k9
  wait
  failed=$(hnf_failed_runs hnk_after 16)
  [ -z "$failed" ] || fail "after the kills, docker run failed for: $failed; first error: $(
    one_line "$(cat "$HNE_WORK/${failed%% *}.out")")"
  hnf_expect_all_in 16 "16 new containers after the kills"
  hnf_finish 16 "after removing all"
}
register_case kill9-parallel test_kill9_parallel

# dockerd restarted under --restart=always containers on hostnic: each comes
# back running with its NIC. Only with a dockerd this run started itself.
test_dockerd_restart() {
  local i mac out
  if [ ! -f "$HNE_WORK/dockerd.pid" ]; then
    skip "the dockerd answering on /var/run/docker.sock was not started by this run; never restarting someone else's dockerd"
  fi
  hnf_make 4
  net_create hne-always -o "hostnic.nics=$(hnf_pool 0 4)"
  for ((i = 0; i < 4; i++)); do
    dk_ok run -d --restart=always --name "hna$i" --label "$LABEL" --label "$HNF_LABEL" \
      --network hne-always --ip "192.168.1.$((40 + i))" --mac-address "${NIC_MAC[hnf$i]}" \
      "$IMAGE" "${SLEEPER[@]}" >/dev/null
  done
  hnf_expect_all_in 4 "before the dockerd restart"
  note "restarting the dockerd this run started (pid $(cat "$HNE_WORK/dockerd.pid"))"
  stop_dockerd "$HNE_WORK"
  # dockerd stopped the containers: their NICs are home.
  hnf_wait_all_home 4 "with dockerd stopped"
  ensure_dockerd "$DOCKER" "$HNE_WORK" || fail "dockerd did not come back"
  for ((i = 0; i < 4; i++)); do
    wait_until 60 "hna$i runs again after the dockerd restart" container_running "hna$i"
  done
  for ((i = 0; i < 4; i++)); do
    wait_until 30 "hna$i has eth0 again" eval "[ -n \"\$(hnf_eth0_mac hna$i)\" ]"
    mac=$(hnf_eth0_mac "hna$i")
    [ "$mac" = "${NIC_MAC[hnf$i]}" ] ||
      fail "hna$i came back with eth0 $mac, expected its NIC ${NIC_MAC[hnf$i]}"
    out=$(dk_ok exec "hna$i" ip addr)
    expect_iface "$out" eth0 "${NIC_MAC[hnf$i]}" "192.168.1.$((40 + i))/24" "hna$i after the dockerd restart"
    out=$(dk_ok exec "hna$i" ping -c 1 -W 3 "$GATEWAY")
    expect_contains "$out" "1 packets received" "ping $GATEWAY from hna$i after the dockerd restart"
  done
  hnf_expect_all_in 4 "after the dockerd restart"
  hnf_finish 4 "after removing the containers"
}
register_case dockerd-restart-always test_dockerd_restart

# A read-only bind mount over the state dir: docker run fails with an error
# that names the state problem, the NIC stays on the host (name, MTU 1500
# although the network asks for 1400); network create fails clearly too.
# Writable again: everything works.
HNF_RO_MOUNTED=
hnf_state_ro() {
  mount --bind "$HNE_WORK/state" "$HNE_WORK/state"
  HNF_RO_MOUNTED=1
  mount -o remount,bind,ro "$HNE_WORK/state"
}
hnf_state_rw() {
  [ -z "$HNF_RO_MOUNTED" ] || umount "$HNE_WORK/state"
  HNF_RO_MOUNTED=
}

test_readonly_state() {
  local out mac=${NIC_MAC[hnf0]} mac1=${NIC_MAC[hnf1]}
  hnf_make 2
  trap 'hnf_state_rw' EXIT
  net_create hne-ro -o hostnic.mtu=1400 -o "hostnic.nics=$(hnf_pool 0 2)"
  # A container that runs while the state dir turns read-only.
  dk_ok run -d --name hnr-holder --label "$LABEL" --label "$HNF_LABEL" --network hne-ro \
    --ip 192.168.1.51 --mac-address "$mac1" "$IMAGE" "${SLEEPER[@]}" >/dev/null
  hnf_state_ro
  touch "$HNE_WORK/state/probe" 2>/dev/null && fail "the state dir is still writable"

  out=$(dk_err run --rm --label "$LABEL" --label "$HNF_LABEL" --network hne-ro --ip 192.168.1.50 \
        --mac-address "$mac" "$IMAGE" true)
  note "docker run with a read-only state dir said: $(one_line "$out")"
  expect_error "$out" "read-only file system" "state"
  nic_on_host hnf0 || fail "hnf0 is not on the host after the failed run"
  [ "$(nic_mtu hnf0)" = 1500 ] || fail "hnf0 was left with MTU $(nic_mtu hnf0) after the failed run (half-configured)"
  [ "$(hnf_status_state "$mac")" = free ] ||
    fail "hostnic status shows hnf0 as '$(hnf_status_state "$mac")' after the failed run"

  out=$(dk_err network create -d "$DRIVER" --label "$LABEL" --subnet 192.168.4.0/24 hne-ro2)
  note "docker network create with a read-only state dir said: $(one_line "$out")"
  expect_error "$out" "read-only file system"
  dk network inspect hne-ro2 >/dev/null 2>&1 && fail "network hne-ro2 exists although its create failed"

  # The running container keeps its NIC; stopping it while the state is
  # read-only must still give the NIC back to the host.
  out=$(dk_ok exec hnr-holder cat /sys/class/net/eth0/address)
  [ "$out" = "$mac1" ] || fail "hnr-holder lost its NIC while the state dir was read-only"
  dk stop -t 1 hnr-holder >"$HNE_WORK/ro-stop.out" 2>&1 || true
  note "docker stop with a read-only state dir said: $(one_line "$(cat "$HNE_WORK/ro-stop.out")")"
  expect_nic_back hnf1

  hnf_state_rw
  out=$(dk_ok run --rm --label "$LABEL" --label "$HNF_LABEL" --network hne-ro --ip 192.168.1.50 \
        --mac-address "$mac" "$IMAGE" sh -c 'cat /sys/class/net/eth0/mtu; ping -c 1 -W 3 '"$GATEWAY")
  expect_contains "$out" "^1400" "MTU of eth0 once the state dir is writable again"
  expect_contains "$out" "1 packets received" "ping once the state dir is writable again"
  expect_nic_back hnf0
  [ "$(nic_mtu hnf0)" = 1500 ] || fail "hnf0 came back with MTU $(nic_mtu hnf0), expected 1500"
  dk_ok network create -d "$DRIVER" --label "$LABEL" --subnet 192.168.4.0/24 hne-ro2 >/dev/null
  # The container stopped during the read-only spell starts again with its
  # NIC. (Its DeleteEndpoint failed then, as the record could not be removed:
  # hostnic must not keep holding hnf1 for that stale endpoint.)
  out=$(dk start hnr-holder 2>&1) ||
    fail "docker start of the container stopped while the state dir was read-only failed: $(one_line "$out")"
  out=$(dk_ok exec hnr-holder cat /sys/class/net/eth0/address)
  [ "$out" = "$mac1" ] || fail "hnr-holder restarted with eth0 $out, expected $mac1"
  hnf_finish 2 "after removing the containers"
}
register_case readonly-state test_readonly_state
