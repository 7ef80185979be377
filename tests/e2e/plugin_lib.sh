# shellcheck shell=bash disable=SC2154  # settings: tests/e2e/plugin_test.sh
# The managed-plugin suite's world (sourced by tests/e2e/plugin_test.sh, after
# scripts/common.sh): its Docker client, the busybox image, the stand-in NIC
# and its peer netns, the plugin's process and logs, dnsmasq, a single-node
# swarm, the local registry, and the clean-up of all of it.

info() { printf '[plugin-e2e] %s\n' "$*" >&2; }
dk() { timeout "$TIMEOUT" "$DOCKER" "$@"; }

dk_ok() {
  local out
  out=$(dk "$@" 2>&1) || fail "docker $* failed: $(one_line "$out")"
  printf '%s\n' "$out"
}
# ------------------------------------------------------------ environment
# The log that carries the plugin's stdout/stderr (dockerd's own).
dockerd_log() {
  if [ -f "$WORK/dockerd.pid" ]; then
    echo "$WORK/dockerd.log"
    return
  fi
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 0
  readlink "/proc/$pid/fd/2" 2>/dev/null
}

ensure_bb_image() {
  dk image inspect "$BB_IMAGE" >/dev/null 2>&1 && return 0
  local bb
  bb=$(command -v busybox || true)
  if [ -z "$bb" ]; then
    apt-get install -y busybox-static >/dev/null 2>&1 || return 1
    bb=$(command -v busybox) || return 1
  fi
  local r=$WORK/bbroot a
  mkdir -p "$r/bin"
  cp "$bb" "$r/bin/busybox"
  for a in sh ip ping sleep cat nc wget ls; do ln -sf busybox "$r/bin/$a"; done
  # ENV PATH: Docker 28 runs `docker exec C CMD` only through the image's PATH.
  tar -C "$r" -c . | dk import -c 'ENV PATH=/bin' - "$BB_IMAGE" >/dev/null || return 1
  made_bb_image=1
}

setup_nic() {
  ip netns add "$PEER_NS" || return 1
  add_veth_nic "$NIC" "$NIC_MAC" "$PEER_IF" "$PEER_NS" || return 1
  ip -n "$PEER_NS" addr add "$GATEWAY/24" dev "$PEER_IF" &&
    ip -n "$PEER_NS" link set "$PEER_IF" up &&
    ip -n "$PEER_NS" link set lo up
}

# The stand-in NIC and netns of an earlier run that was killed before its
# cleanup (or kept with --keep): these names belong to this script.
remove_leftovers() {
  ip link show "$NIC" >/dev/null 2>&1 || ip netns pids "$PEER_NS" >/dev/null 2>&1 || return 0
  info "removing $NIC and netns $PEER_NS left by an earlier run"
  ip link del "$NIC" 2>/dev/null
  ip netns del "$PEER_NS" 2>/dev/null
}

nic_on_host() { ip -o link show dev "$NIC" 2>/dev/null | grep -qi "link/ether $NIC_MAC"; }

plugin_id() { dk plugin inspect -f '{{.Id}}' "$PLUGIN" 2>/dev/null; }

# The PID of the plugin's process: containerd runs it as task <plugin id> in
# namespace plugins.moby (ctr), with runc state as a fallback.
plugin_pid() {
  local id sock pid=""
  id=$(plugin_id) || return 1
  for sock in /run/containerd/containerd.sock /var/run/docker/containerd/containerd.sock; do
    [ -S "$sock" ] || continue
    pid=$(ctr -a "$sock" -n plugins.moby task ls 2>/dev/null |
          awk -v id="$id" '$1 == id && $3 == "RUNNING" { print $2 }')
    [ -n "$pid" ] && break
  done
  if [ -z "$pid" ] && command -v runc >/dev/null; then
    local r
    for r in /run/docker/runtime-runc/plugins.moby /run/containerd/runc/plugins.moby; do
      pid=$(runc --root "$r" state "$id" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
      [ -n "$pid" ] && [ "$pid" != 0 ] && break
      pid=""
    done
  fi
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

old_pid=""
plugin_restarted() { local p; p=$(plugin_pid) && [ "$p" != "$old_pid" ]; }

plugin_logs() {
  local id log
  id=$(plugin_id) || return 0
  log=$(dockerd_log)
  if [ -z "$log" ] || [ ! -r "$log" ]; then
    note "(dockerd's log is not readable)"
    return 0
  fi
  note "plugin output in $log (last 25 lines with plugin=$id):"
  grep -F "plugin=$id" "$log" | tail -n 25 | sed 's/^/      /' >&2
}

# start_dhcp: dnsmasq in $PEER_NS answers $NIC_MAC with $DHCP_IP; its PID
# goes to $WORK/dnsmasq.ourpid (stop_dhcp, cleanup).
start_dhcp() {
  command -v dnsmasq >/dev/null || apt-get install -y dnsmasq-base >/dev/null 2>&1 ||
    { echo "no dnsmasq (apt-get install dnsmasq-base)" >"$WORK/dnsmasq.log"; return 1; }
  ip netns exec "$PEER_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
    --no-resolv --no-hosts --interface="$PEER_IF" --bind-interfaces --dhcp-authoritative \
    --pid-file="$WORK/dnsmasq.pid" --dhcp-leasefile="$WORK/dnsmasq.leases" \
    --dhcp-range=192.168.77.100,192.168.77.200,255.255.255.0,2m \
    --dhcp-host="$NIC_MAC,$DHCP_IP" --dhcp-option=option:router,"$GATEWAY" \
    --log-dhcp --log-facility=- >"$WORK/dnsmasq.log" 2>&1 </dev/null &
  echo $! >"$WORK/dnsmasq.ourpid"
  poll 10 grep -q "DHCP, IP range" "$WORK/dnsmasq.log"
}

stop_dhcp() { stop_pidfile "$WORK/dnsmasq.ourpid" 5; }

# ensure_swarm: a single-node swarm we can create services in; one we start
# is left again at cleanup.
ensure_swarm() {
  local state
  state=$(dk info -f '{{.Swarm.LocalNodeState}}')
  if [ "$state" = inactive ]; then
    dk network inspect docker_gwbridge >/dev/null 2>&1 || echo 1 >"$WORK/made_gwbridge"
    dk_ok swarm init --advertise-addr 127.0.0.1 >/dev/null
    started_swarm=1
    echo 1 >"$WORK/started_swarm"
  elif [ "$(dk info -f '{{.Swarm.ControlAvailable}}')" != true ]; then
    fail "this node is in a swarm ($state) but not a manager; cannot create services"
  fi
}

# task_container SERVICE: waits up to 90 s for the service's task to run and
# prints its container ID; fails at once with swarm's error if it is rejected.
task_container() {
  local svc=$1 deadline=$((SECONDS + 90)) cid state
  while :; do
    cid=$(dk ps -q --filter "label=com.docker.swarm.service.name=$svc" | head -n 1)
    if [ -n "$cid" ]; then echo "$cid"; return 0; fi
    state=$(dk service ps --no-trunc --format '{{.CurrentState}}: {{.Error}}' "$svc" 2>&1 | head -n 1)
    case $state in Rejected*|Failed*) fail "the task of $svc did not start: $state" ;; esac
    [ "$SECONDS" -lt "$deadline" ] || fail "the task of $svc did not start within 90 s: $state"
    sleep 1
  done
}

# start_registry: Debian's docker-registry on a free port of 127.0.0.1 (Docker
# talks plain HTTP to 127.0.0.0/8 registries), storage under $WORK; sets
# REGISTRY and PLUGIN. Its PID goes to $WORK/registry.pid (stop_registry).
start_registry() {
  command -v docker-registry >/dev/null || apt-get install -y docker-registry >/dev/null 2>&1 ||
    { info "no docker-registry (apt-get install docker-registry)"; return 1; }
  local port
  for port in $(shuf -i 20000-29999 -n 20); do
    ss -Htln "sport = :$port" | grep -q . || break
  done
  cat >"$WORK/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $WORK/registry}}
http: {addr: 127.0.0.1:$port}
EOF
  docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 </dev/null &
  echo $! >"$WORK/registry.pid"
  if ! poll 20 curl -sf -o /dev/null "http://127.0.0.1:$port/v2/"; then
    info "docker-registry did not answer on 127.0.0.1:$port:"; tail -n 5 "$WORK/registry.log" >&2
    return 1
  fi
  REGISTRY=127.0.0.1:$port
  PLUGIN=$REGISTRY/$REPO:1
}

stop_registry() { stop_pidfile "$WORK/registry.pid" 10; }

# state_dir: the host directory Docker made for the plugin's propagated mount.
state_dir() {
  local id
  id=$(plugin_id) || return 1
  echo "$(dk info -f '{{.DockerRootDir}}')/plugins/$id/propagated-mount"
}

cleanup() {
  local rc=$?
  set +e
  if ((keep)); then
    info "--keep: leaving $PLUGIN, networks, $NIC and netns $PEER_NS in place ($WORK)"
    return $rc
  fi
  info "cleaning up"
  dk service rm "$SVC" "$DSVC" >/dev/null 2>&1
  local -a ids
  mapfile -t ids < <(dk ps -aq --filter "label=$LABEL" 2>/dev/null
                     dk ps -aq --filter "label=com.docker.swarm.service.name=$SVC" 2>/dev/null
                     dk ps -aq --filter "label=com.docker.swarm.service.name=$DSVC" 2>/dev/null)
  ((${#ids[@]})) && dk rm -f "${ids[@]}" >/dev/null 2>&1
  local n
  for n in "$SNET" "$DNET" "$NET" "$CFG" "$DCFG"; do
    dk network inspect "$n" >/dev/null 2>&1 || continue
    poll 30 dk network rm "$n" >/dev/null 2>&1 || note "could not remove network $n"
  done
  if [ -n "$PLUGIN" ] && dk plugin inspect "$PLUGIN" >/dev/null 2>&1; then
    dk plugin disable -f "$PLUGIN" >/dev/null 2>&1
    dk plugin rm -f "$PLUGIN" >/dev/null 2>&1 || note "could not remove plugin $PLUGIN"
  fi
  if ((started_swarm)); then
    dk swarm leave --force >/dev/null 2>&1 || note "could not leave the swarm we started"
    # swarm init made docker_gwbridge; it outlives `swarm leave`.
    if [ -f "$WORK/made_gwbridge" ]; then
      poll 15 dk network rm docker_gwbridge >/dev/null 2>&1 ||
        note "could not remove docker_gwbridge"
    fi
  fi
  if [ -n "$PLUGIN" ]; then
    local v
    for v in 1 2; do dk plugin rm -f "$REGISTRY/$REPO:$v" >/dev/null 2>&1; done
  fi
  ((made_bb_image)) && dk rmi "$BB_IMAGE" >/dev/null 2>&1
  stop_dhcp
  stop_registry
  ip link del "$NIC" 2>/dev/null
  ip netns del "$PEER_NS" 2>/dev/null
  stop_dockerd "$WORK"
  rm -rf "$WORK"
  return $rc
}

# run_case's hook (scripts/common.sh) after a failed step: the plugin's
# output, and no NIC holder left behind (the next step needs the NIC).
case_failed() {
  plugin_logs
  dk rm -f hnp-held >/dev/null 2>&1
}
