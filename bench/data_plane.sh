#!/usr/bin/env bash
# Data-plane benchmark: one stand-in NIC reached five ways, measured in one run.
#
#   bench/data_plane.sh            (as root; see --help)
#
# The NIC is a veth (hnb0, MAC 52:54:0e:b0:77:01) whose far end sits in the
# netns hnb-peer with 192.168.77.1/24: it plays the cloud switch/gateway, and
# the iperf3 and sockperf servers run there (pinned to CPU 1). The client
# (pinned to CPU 0) runs, with the host's binaries, in:
#   host       a netns of its own holding hnb0 with 192.168.77.2/24: the limit,
#              the NIC used with no container networking at all;
#   hostnic    a container on build/hostnic (driver hostnic-bench), which hands
#              it hnb0 itself as eth0 (192.168.77.3);
#   bridge     a container on Docker's default bridge: container veth ->
#              docker0 -> host routing -> MASQUERADE (Docker's own rule for
#              172.17.0.0/16) -> hnb0, which has 192.168.77.2/24 in the host
#              netns for the duration of this way only;
#   bridge-pub the same bridge path the other way in: the servers run in the
#              container behind published ports (-p 192.168.77.2:PORT:PORT,
#              iptables DNAT) and the client in hnb-peer; iperf3 -R so data
#              still flows container -> far end;
#   macvlan    a container on Docker's macvlan driver with parent hnb0
#              (192.168.77.4).
# Metrics: TCP throughput (iperf3, one stream), small-packet UDP (iperf3 -u
# -l 64 -b 0: packets/s delivered to the far end, and sent), round trip of a
# 64-byte UDP message (sockperf ping-pong --full-rtt, p50 and p99). Each way
# runs REPS times, interleaved (the order rotates each repetition); the tables
# give medians and hostnic/other ratios.
set -Eeuo pipefail
# shellcheck source=bench/lib.sh disable=SC2034
source "$(dirname "$0")/lib.sh"

REPS=${REPS:-3}
DURATION=${DURATION:-5}
WAYS=${WAYS:-host hostnic bridge bridge-pub macvlan}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
HOST_NS=hnb-host
IPERF_PORT=5201
SOCKPERF_PORT=11111

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  cat <<EOF
Environment:
  REPS=$REPS            repetitions of every way (medians are reported)
  DURATION=$DURATION         seconds per measurement
  WAYS="$WAYS"
  BUILD_DIR=$BUILD_DIR   where hostnic was built
  RESULTS_DIR=$RESULTS_DIR
  CLIENT_CPU=$CLIENT_CPU SERVER_CPU=$SERVER_CPU   taskset CPUs (empty: no pinning)
Output: a table on stdout; data_plane_raw.tsv (every measurement),
data_plane.tsv (medians), data_plane_ratios.tsv (ratios of the medians) and
data_plane_ratios_paired.tsv (median of the per-repetition ratios) in RESULTS_DIR.
Takes about REPS x ways x (3 x DURATION + ~4) seconds (~5 minutes by default).
EOF
}
case ${1:-} in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

pin() { if [ -n "$1" ] && [ "$(nproc)" -gt "$1" ]; then echo taskset -c "$1"; fi; }
read -r -a CPIN <<<"$(pin "$CLIENT_CPU")"
read -r -a SPIN <<<"$(pin "$SERVER_CPU")"

SERVER_PIDS=()
cleanup() {
  set +e
  trap - ERR
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip addr del "$HOSTSIDE_IP/24" dev "$BENCH_NIC" 2>/dev/null
  ip -n "$HOST_NS" link del "$BENCH_NIC" 2>/dev/null
  ip netns del "$HOST_NS" 2>/dev/null
  bench_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

# start_servers PREFIX...: iperf3 and sockperf servers, run with PREFIX (a
# netns entry command), pinned to SERVER_CPU.
start_servers() {
  "$@" "${SPIN[@]}" iperf3 -s -p "$IPERF_PORT" >/dev/null 2>&1 </dev/null 9>&- &
  SERVER_PIDS+=($!)
  "$@" "${SPIN[@]}" sockperf server -i 0.0.0.0 -p "$SOCKPERF_PORT" >/dev/null 2>&1 </dev/null 9>&- &
  SERVER_PIDS+=($!)
  sleep 0.5
}

stop_servers() {  # the last two started
  local n=${#SERVER_PIDS[@]} p
  for p in "${SERVER_PIDS[@]:n-2}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  SERVER_PIDS=("${SERVER_PIDS[@]:0:n-2}")
}

# ---------------------------------------------------------------- the ways
# way_up WAY: puts the NIC/container in place; sets CLIENT (command prefix
# that enters the client's netns), TARGET (server address), REVERSE.
way_up() {
  local cid
  REVERSE=()
  TARGET=$PEER_IP
  case $1 in
  host)
    ip link set "$BENCH_NIC" netns "$HOST_NS"
    ip -n "$HOST_NS" addr add "$HOSTSIDE_IP/24" dev "$BENCH_NIC"
    ip -n "$HOST_NS" link set "$BENCH_NIC" up
    CLIENT=(ip netns exec "$HOST_NS")
    ;;
  hostnic)
    dk network create -d "$DRIVER" --label "$LABEL" --subnet "$SUBNET" \
      --gateway "$PEER_IP" hnb-hostnic >/dev/null
    cid=$(dk run -d --label "$LABEL" --network hnb-hostnic --ip "$HOSTNIC_IP" \
      --mac-address "$BENCH_MAC" "$IMAGE" "${SLEEPER[@]}")
    CLIENT=(nsenter --net="/proc/$(container_pid "$cid")/ns/net")
    "${CLIENT[@]}" ip -o link show eth0 | grep -qi "link/ether $BENCH_MAC" ||
      die "the hostnic container's eth0 is not $BENCH_NIC"
    ;;
  bridge|bridge-pub)
    ip addr add "$HOSTSIDE_IP/24" dev "$BENCH_NIC"
    ip link set "$BENCH_NIC" up
    if [ "$1" = bridge ]; then
      cid=$(dk run -d --label "$LABEL" "$IMAGE" "${SLEEPER[@]}")
      CLIENT=(nsenter --net="/proc/$(container_pid "$cid")/ns/net")
    else
      cid=$(dk run -d --label "$LABEL" \
        -p "$HOSTSIDE_IP:$IPERF_PORT:$IPERF_PORT/tcp" -p "$HOSTSIDE_IP:$IPERF_PORT:$IPERF_PORT/udp" \
        -p "$HOSTSIDE_IP:$SOCKPERF_PORT:$SOCKPERF_PORT/udp" "$IMAGE" "${SLEEPER[@]}")
      start_servers nsenter --net="/proc/$(container_pid "$cid")/ns/net"
      CLIENT=(ip netns exec "$PEER_NS")
      TARGET=$HOSTSIDE_IP
      REVERSE=(-R)
    fi
    ;;
  macvlan)
    ip link set "$BENCH_NIC" up
    dk network create -d macvlan --label "$LABEL" --subnet "$SUBNET" --gateway "$PEER_IP" \
      -o parent="$BENCH_NIC" hnb-macvlan >/dev/null
    cid=$(dk run -d --label "$LABEL" --network hnb-macvlan --ip "$MACVLAN_IP" "$IMAGE" "${SLEEPER[@]}")
    CLIENT=(nsenter --net="/proc/$(container_pid "$cid")/ns/net")
    ;;
  *) die "unknown way $1" ;;
  esac
}

way_down() {
  case $1 in
  host)
    ip -n "$HOST_NS" link set "$BENCH_NIC" netns "$HOST_NETNS_PID"
    ;;
  bridge-pub) stop_servers ;;
  esac
  remove_bench_objects
  ip addr del "$HOSTSIDE_IP/24" dev "$BENCH_NIC" 2>/dev/null || true
  wait_nic_home
}

# ------------------------------------------------------------- measurements
client() { timeout $((DURATION + 30)) "${CLIENT[@]}" "${CPIN[@]}" "$@"; }

# Each prints its values (tab separated) or NAs on failure.
measure_tcp() {
  local j
  if j=$(client iperf3 -c "$TARGET" -p "$IPERF_PORT" "${REVERSE[@]}" -t "$DURATION" -J 2>"$BENCH_WORK/err"); then
    jq -r '.end.sum_received.bits_per_second / 1e9' <<<"$j" | awk '{printf "%.2f\n", $1}'
  else
    log "tcp failed: $(jq -r '.error // empty' <<<"$j" 2>/dev/null) $(tail -1 "$BENCH_WORK/err")"; echo NA
  fi
}

measure_udp() {
  local j
  if j=$(client iperf3 -c "$TARGET" -p "$IPERF_PORT" "${REVERSE[@]}" -u -l 64 -b 0 \
           -t "$DURATION" -J 2>"$BENCH_WORK/err"); then
    jq -r '.end | [((.sum_received.packets - .sum_received.lost_packets)
                      / .sum_received.seconds / 1000),
                   (.sum_sent.packets / .sum_sent.seconds / 1000)] | @tsv' <<<"$j" |
      awk -F'\t' '{printf "%.1f\t%.1f\n", $1, $2}'
  else
    log "udp failed: $(jq -r '.error // empty' <<<"$j" 2>/dev/null) $(tail -1 "$BENCH_WORK/err")"
    printf 'NA\tNA\n'
  fi
}

measure_rtt() {
  local out
  if out=$(client sockperf ping-pong -i "$TARGET" -p "$SOCKPERF_PORT" -m 64 \
             -t "$DURATION" --full-rtt 2>&1); then
    awk '/percentile 50.000/ {p50 = $NF} /percentile 99.000/ {p99 = $NF}
         END { if (p50 == "") print "NA\tNA"; else printf "%.1f\t%.1f\n", p50, p99 }' <<<"$out"
  else
    log "sockperf failed: $(tail -1 <<<"$out")"; printf 'NA\tNA\n'
  fi
}

# ------------------------------------------------------------------- run it
need iperf3 iperf3
need sockperf sockperf
need taskset util-linux
bench_init
ensure_dockerd "$DOCKER" "$BENCH_WORK" || die "no Docker engine"
ensure_image
dk network inspect docker_gwbridge >/dev/null 2>&1 && BENCH_HAD_GWBRIDGE=1
remove_bench_objects
make_world
ip netns add "$HOST_NS"
ip -n "$HOST_NS" link set lo up
start_hostnic
start_servers ip netns exec "$PEER_NS"

read -r -a WAY_LIST <<<"$WAYS"
METRICS=(tcp_gbps udp_kpps udp_sent_kpps rtt_p50_us rtt_p99_us)
RAW=$RESULTS_DIR/data_plane_raw.tsv
MACHINE=$(machine_line)
log "machine: $MACHINE"
log "$REPS repetitions x ${#WAY_LIST[@]} ways x 3 measurements of ${DURATION}s"
printf 'rep\tway\t%s\n' "$(IFS=$'\t'; echo "${METRICS[*]}")" >"$RAW"
for ((rep = 1; rep <= REPS; rep++)); do
  n=${#WAY_LIST[@]}
  for ((k = 0; k < n; k++)); do
    way=${WAY_LIST[(k + rep - 1) % n]}
    way_up "$way"
    tcp=$(measure_tcp); udp=$(measure_udp); rtt=$(measure_rtt)
    way_down "$way"
    printf '%s\t%s\t%s\t%s\t%s\n' "$rep" "$way" "$tcp" "$udp" "$rtt" >>"$RAW"
    log "rep $rep $way: tcp ${tcp} Gbit/s, udp delivered/sent $(tr '\t' / <<<"$udp") kpps, rtt p50/p99 $(tr '\t' / <<<"$rtt") us"
  done
done

# ------------------------------------------------------------------ results
SUM=$RESULTS_DIR/data_plane.tsv
RAT=$RESULTS_DIR/data_plane_ratios.tsv
{
  printf '# %s; REPS=%s DURATION=%ss; medians\n' "$MACHINE" "$REPS" "$DURATION"
  printf 'way\t%s\n' "$(IFS=$'\t'; echo "${METRICS[*]}")"
  for way in "${WAY_LIST[@]}"; do
    row=$way
    for ((c = 3; c < 3 + ${#METRICS[@]}; c++)); do
      row+=$'\t'$(awk -F'\t' -v w="$way" -v c="$c" 'NR > 1 && $2 == w {print $c}' "$RAW" | median)
    done
    printf '%s\n' "$row"
  done
} >"$SUM"
val() { awk -F'\t' -v w="$1" -v m="$2" '
  /^#/ {next} !h {for (i = 1; i <= NF; i++) col[$i] = i; h = 1; next}
  $1 == w {v = $col[m]} END {print (v == "" ? "NA" : v)}' "$SUM"; }
{
  printf 'metric'
  for way in "${WAY_LIST[@]}"; do [ "$way" = hostnic ] || printf '\thostnic/%s' "$way"; done
  printf '\n'
  for m in "${METRICS[@]}"; do
    printf '%s' "$m"
    for way in "${WAY_LIST[@]}"; do
      [ "$way" = hostnic ] || printf '\t%s' "$(ratio "$(val hostnic "$m")" "$(val "$way" "$m")")"
    done
    printf '\n'
  done
} >"$RAT"
# The same ratios paired by repetition (hostnic and the other way measured
# minutes apart at most), then the median over repetitions: less sensitive
# to the machine's load drifting during the run.
RATP=$RESULTS_DIR/data_plane_ratios_paired.tsv
paired() {  # WAY COLUMN
  awk -F'\t' -v w="$1" -v c="$2" 'NR > 1 && $2 == "hostnic" {h[$1] = $c}
    NR > 1 && $2 == w {o[$1] = $c}
    END {for (r in h) if ((r in o) && h[r] != "NA" && o[r] != "NA" && o[r] != 0) print h[r] / o[r]}' "$RAW" |
    median | awk '{print ($1 == "NA" ? "NA" : sprintf("%.2f", $1))}'
}
{
  head -1 "$RAT"
  for ((c = 3; c < 3 + ${#METRICS[@]}; c++)); do
    printf '%s' "${METRICS[c - 3]}"
    for way in "${WAY_LIST[@]}"; do [ "$way" = hostnic ] || printf '\t%s' "$(paired "$way" "$c")"; done
    printf '\n'
  done
} >"$RATP"

echo
echo "Data plane, medians of $REPS runs ($MACHINE)"
echo "tcp: Gbit/s (1 stream); udp: 64-byte datagrams, kpps delivered to the far end / sent;"
echo "rtt: 64-byte UDP round trip, microseconds (lower is better)"
grep -v '^#' "$SUM" | column -t -s $'\t'
echo
echo "Ratios (hostnic / other; above 1 is better for hostnic except rtt, where below 1 is)"
column -t -s $'\t' "$RAT"
echo
echo "Ratios paired by repetition (median over repetitions of hostnic/other in the same one)"
column -t -s $'\t' "$RATP"
echo
log "results: $RAW $SUM $RAT $RATP"
