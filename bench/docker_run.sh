#!/usr/bin/env bash
# `docker run --rm IMAGE true` wall time, container network by container
# network, in one run:
#   none      --network none (no networking: the floor)
#   bridge    Docker's default bridge
#   hostnic   a hostnic network (build/hostnic as driver hostnic-bench) with
#             --ip and --mac-address of a veth stand-in NIC (hnb0), which is
#             moved into the container and back on every run
#   macvlan   Docker's macvlan driver, parent hnb0
#
#   bench/docker_run.sh            (as root; see --help)
#
# Uses hyperfine (Debian) when present: --warmup 2, RUNS runs per command,
# one command after the other. Without it, a shell loop interleaves the
# commands run by run. Reports median, mean and min per command, and the
# ratios hostnic/none and hostnic/bridge of the medians.
set -Eeuo pipefail
# shellcheck source=bench/lib.sh disable=SC2034
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-20}
KINDS=${KINDS:-none bridge hostnic macvlan}

case ${1:-} in
-h|--help)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  cat <<EOF
Environment:
  RUNS=$RUNS                runs per network kind (after 2 warm-up runs)
  KINDS="$KINDS"
  BUILD_DIR=$BUILD_DIR
  RESULTS_DIR=$RESULTS_DIR   docker_run.tsv is written there
  NO_HYPERFINE=1          use the shell loop even if hyperfine is installed
EOF
  exit 0 ;;
"") ;;
*) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

trap bench_cleanup EXIT
trap 'exit 130' INT TERM
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

bench_init
[ -n "${NO_HYPERFINE:-}" ] || need hyperfine hyperfine
ensure_dockerd "$DOCKER" "$BENCH_WORK" || die "no Docker engine"
ensure_image
dk network inspect docker_gwbridge >/dev/null 2>&1 && BENCH_HAD_GWBRIDGE=1
remove_bench_objects
make_world
ip link set "$BENCH_NIC" up
start_hostnic
dk network create -d "$DRIVER" --label "$LABEL" --subnet "$SUBNET" --gateway "$PEER_IP" \
  hnb-hostnic >/dev/null
# A macvlan network on hostnic's subnet would overlap it in Docker's IPAM:
# give it another one (the command is `true`; nothing is measured on the wire).
dk network create -d macvlan --label "$LABEL" --subnet 192.168.78.0/24 \
  -o parent="$BENCH_NIC" hnb-macvlan >/dev/null

cmd_for() {
  case $1 in
  none) echo "$DOCKER run --rm --network none $IMAGE true" ;;
  bridge) echo "$DOCKER run --rm $IMAGE true" ;;
  hostnic) echo "$DOCKER run --rm --network hnb-hostnic --ip $HOSTNIC_IP --mac-address $BENCH_MAC $IMAGE true" ;;
  macvlan) echo "$DOCKER run --rm --network hnb-macvlan $IMAGE true" ;;
  *) die "unknown kind $1" ;;
  esac
}

read -r -a KIND_LIST <<<"$KINDS"
MACHINE=$(machine_line)
log "machine: $MACHINE"
TSV=$RESULTS_DIR/docker_run.tsv
ROWS=$BENCH_WORK/rows
: >"$ROWS"
if command -v hyperfine >/dev/null && [ -z "${NO_HYPERFINE:-}" ]; then
  TOOL="hyperfine --warmup 2 --runs $RUNS"
  args=()
  for k in "${KIND_LIST[@]}"; do args+=(-n "$k" "$(cmd_for "$k")"); done
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$BENCH_WORK/h.json" "${args[@]}" >&2
  jq -r '.results[] | [.command, .median * 1000, .mean * 1000, .min * 1000, .max * 1000] | @tsv' \
    "$BENCH_WORK/h.json" >"$ROWS"
else
  TOOL="shell loop, interleaved, $RUNS runs after 2 warm-up rounds"
  for ((r = -1; r <= RUNS; r++)); do
    for k in "${KIND_LIST[@]}"; do
      read -r -a c <<<"$(cmd_for "$k")"
      t0=$(date +%s%N); "${c[@]}" >/dev/null; t1=$(date +%s%N)
      [ "$r" -ge 1 ] && echo "$k $(((t1 - t0) / 1000))" >>"$BENCH_WORK/loop"
    done
  done
  for k in "${KIND_LIST[@]}"; do
    awk -v k="$k" '$1 == k {print $2 / 1000}' "$BENCH_WORK/loop" >"$BENCH_WORK/v"
    printf '%s\t%s\t%s\t%s\t%s\n' "$k" "$(median <"$BENCH_WORK/v")" \
      "$(awk '{s += $1} END {print s / NR}' "$BENCH_WORK/v")" \
      "$(sort -g "$BENCH_WORK/v" | head -1)" "$(sort -g "$BENCH_WORK/v" | tail -1)" >>"$ROWS"
  done
fi

{
  printf '# %s; %s\n' "$MACHINE" "$TOOL"
  printf 'network\tmedian_ms\tmean_ms\tmin_ms\tmax_ms\n'
  awk -F'\t' '{printf "%s\t%.0f\t%.0f\t%.0f\t%.0f\n", $1, $2, $3, $4, $5}' "$ROWS"
} >"$TSV"
med() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$ROWS"; }
echo
echo "docker run --rm IMAGE true, wall time in ms ($TOOL)"
grep -v '^#' "$TSV" | column -t -s $'\t'
echo
printf 'hostnic/none %s   hostnic/bridge %s   (medians)\n' \
  "$(ratio "$(med hostnic)" "$(med none)")" "$(ratio "$(med hostnic)" "$(med bridge)")"
log "results: $TSV"
