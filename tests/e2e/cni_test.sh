# One host, both front ends: Docker containers and podman pods (hostnic as a
# CNI plugin) drawing from one pool of the same daemon. Sourced by run.sh;
# see lib.sh for the world these run in and podman_lib.sh for podman's.
source "$E2E_DIR/podman_lib.sh"

# pod_cleanup: removes every labelled pod (EXIT trap of
# the case's subshell, so also after a failure).
pod_cleanup() {
  local ids
  ids=$("${PODMAN[@]}" ps -aq --filter "label=$LABEL" 2>/dev/null || true)
  [ -z "$ids" ] || "${PODMAN[@]}" rm -f -t 0 $ids >/dev/null 2>&1 || true
}

# eth0_mac RUNTIME... NAME: the MAC of eth0 in a container or pod.
eth0_mac() { timeout "$DOCKER_TIMEOUT" "$@" cat /sys/class/net/eth0/address 2>&1; }

# A Docker network and a CNI network with the same pool (hne3, hne4): each
# NIC goes to one holder at a time, whichever front end asks; a full pool
# is refused on both sides with the daemon's reason, and a NIC released on
# one side is taken on the other.
test_docker_and_podman() {
  command -v podman >/dev/null || skip "no podman (apt-get install podman containernetworking-plugins)"
  [ -x /usr/lib/cni/static ] || skip "no /usr/lib/cni/static (apt-get install containernetworking-plugins)"
  local dir=$HNE_WORK/podman out d_mac p_mac pool="${NIC_MAC[hne3]} ${NIC_MAC[hne4]}"
  podman_setup "$dir" "$HOSTNIC_CNI_BIN"
  trap pod_cleanup EXIT
  pod_cleanup
  podman_image "$dir" || fail "podman import of $PODMAN_IMAGE failed"
  cat >"$dir/net.d/hne-both.conflist" <<CONF
{"cniVersion": "1.0.0", "name": "hne-both",
 "plugins": [{"type": "hostnic", "socket": "$SOCKET", "nics": ["hne3", "${NIC_MAC[hne4]}"],
              "ipam": {"type": "static", "routes": [{"dst": "0.0.0.0/0"}],
                       "addresses": [{"address": "192.168.1.40/24", "gateway": "$GATEWAY"}]}}]}
CONF
  pod() { timeout "$DOCKER_TIMEOUT" "${PODMAN[@]}" "${PODMAN_RUN[@]}" --network hne-both --label "$LABEL" "$@"; }
  net_create hne-both -o hostnic.nics=hne3,"${NIC_MAC[hne4]}"

  # Docker takes one NIC of the pool, podman the other.
  dk_ok run -d --name hne-both-d --label "$LABEL" --network hne-both "$IMAGE" "${SLEEPER[@]}" >/dev/null
  d_mac=$(eth0_mac "$DOCKER" exec hne-both-d)
  [[ " $pool " == *" $d_mac "* ]] || fail "the container's eth0 has MAC '$d_mac', not one of the pool ($pool)"
  out=$(pod -d --name hne-both-p1 "$PODMAN_IMAGE" sleep 300 2>&1) || fail "podman run: $(one_line "$out")"
  p_mac=$(eth0_mac "${PODMAN[@]}" exec hne-both-p1)
  [[ " $pool " == *" $p_mac "* ]] || fail "the pod's eth0 has MAC '$p_mac', not one of the pool ($pool)"
  [ "$p_mac" != "$d_mac" ] || fail "the pod and the container share the NIC $d_mac"
  out=$("${PODMAN[@]}" exec hne-both-p1 ping -c 2 -W 2 "$GATEWAY" 2>&1) || true
  expect_contains "$out" "[1-2] packets received" "ping $GATEWAY from the pod"
  out=$("$HOSTNIC_BIN" --socket "$SOCKET" status 2>&1) || fail "hostnic status: $(one_line "$out")"
  expect_contains "$(grep -i "$p_mac" <<<"$out" || true)" "cni-hne-both" "hostnic status, the pod's NIC"
  if grep -i "$d_mac" <<<"$out" | grep -q cni-; then
    fail "hostnic status shows the container's NIC held by CNI: $(one_line "$out")"
  fi

  # The pool is full: a third pod and a third container are told why.
  if out=$(pod --rm "$PODMAN_IMAGE" sleep 0 2>&1); then
    fail "a third pod started on a full pool: $(one_line "$out")"
  fi
  # Each names both holders, the other front end's too.
  expect_contains "$out" "no free NIC.*$d_mac.*$p_mac|no free NIC.*$p_mac.*$d_mac" "a third pod's error"
  out=$(dk_err run --rm --label "$LABEL" --network hne-both "$IMAGE" sleep 0)
  expect_error "$out" "no free NIC" "$d_mac" "$p_mac"

  # Released by Docker, taken by podman; released by podman, taken by Docker.
  dk_ok rm -f hne-both-d >/dev/null
  expect_nic_back "$(nic_of "$d_mac")"
  out=$(pod -d --name hne-both-p2 "$PODMAN_IMAGE" sleep 300 2>&1) || fail "podman run after docker rm: $(one_line "$out")"
  [ "$(eth0_mac "${PODMAN[@]}" exec hne-both-p2)" = "$d_mac" ] ||
    fail "the second pod did not get $d_mac, which the container released"
  "${PODMAN[@]}" rm -f -t 0 hne-both-p1 >/dev/null 2>&1 || fail "podman rm hne-both-p1 failed"
  expect_nic_back "$(nic_of "$p_mac")"
  dk_ok run -d --name hne-both-d2 --label "$LABEL" --network hne-both "$IMAGE" "${SLEEPER[@]}" >/dev/null
  [ "$(eth0_mac "$DOCKER" exec hne-both-d2)" = "$p_mac" ] ||
    fail "the second container did not get $p_mac, which the pod released"

  "${PODMAN[@]}" rm -f -t 0 hne-both-p2 >/dev/null 2>&1 || fail "podman rm hne-both-p2 failed"
  dk_ok rm -f hne-both-d2 >/dev/null
  expect_nic_back hne3
  expect_nic_back hne4
}
register_case docker-and-podman test_docker_and_podman
