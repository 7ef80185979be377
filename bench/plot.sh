#!/usr/bin/env bash
# Turns the benchmark results (TSV) into PNG plots with gnuplot (Debian's
# gnuplot-nox, installed if missing).
#
#   bench/plot.sh [RESULTS_DIR [IMG_DIR]]    defaults: bench/results docs/img
#
# Reads whichever of data_plane.tsv (bench/data_plane.sh), control_plane.tsv
# (bench/control_plane.sh) and docker_run.tsv (bench/docker_run.sh) exist and
# writes data_plane.png, control_plane.png and docker_run.png.
set -euo pipefail
case ${1:-} in
-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RES=${1:-$ROOT/bench/results}
IMG=${2:-$ROOT/docs/img}
mkdir -p "$IMG"
if ! command -v gnuplot >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox >/dev/null ||
    { echo "could not install gnuplot-nox" >&2; exit 1; }
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
made=()

COMMON='set terminal pngcairo size 1500,480 font "DejaVu Sans,11" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb "#dddddd"
set key off
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set datafile separator "\t"
set datafile missing "NA"'

# ------------------------------------------------------------- data plane
if [ -f "$RES/data_plane.tsv" ]; then
  grep -v '^#' "$RES/data_plane.tsv" >"$TMP/dp.tsv"
  sub=$(sed -n 's/^# //p' "$RES/data_plane.tsv" | head -1)
  gnuplot <<EOF
$COMMON
set output "$IMG/data_plane.png"
set multiplot layout 1,3 title "Data plane: one veth stand-in NIC reached five ways (medians)\n$sub"
set xtics rotate by -30
set title "TCP throughput, 1 stream (Gbit/s, higher is better)"
plot "$TMP/dp.tsv" using "tcp_gbps":xtic(1) lc rgb "#4477aa", \
     "" using 0:"tcp_gbps":(sprintf("%.2f", column("tcp_gbps"))) with labels offset 0,0.8
set key top right
set title "UDP 64-byte packets (kpps, higher is better)"
plot "$TMP/dp.tsv" using "udp_sent_kpps":xtic(1) title "sent" lc rgb "#66ccee", \
     "" using "udp_kpps" title "delivered" lc rgb "#228833"
set key off
set title "UDP 64-byte round trip p50 (us, lower is better)"
plot "$TMP/dp.tsv" using "rtt_p50_us":xtic(1) lc rgb "#ee6677", \
     "" using 0:"rtt_p50_us":(sprintf("%.1f", column("rtt_p50_us"))) with labels offset 0,0.8
unset multiplot
EOF
  made+=("$IMG/data_plane.png")
fi

# ----------------------------------------------------------- control plane
if [ -f "$RES/control_plane.tsv" ]; then
  # The sizes' rows; control_plane.sh's DHCP runs repeat the 8-NIC tmpfs ones.
  grep -v '^#' "$RES/control_plane.tsv" | awk -F'\t' '!seen[$1 FS $2 FS $3]++' >"$TMP/cp.tsv"
  for kind in tmpfs disk; do
    for m in CreateEndpoint Join Leave DeleteEndpoint; do
      awk -F'\t' -v k="$kind" -v m="$m" '$2 == k && $3 == m {print $1 "\t" $4 "\t" $5}' \
        "$TMP/cp.tsv" >"$TMP/cp-$kind-$m.tsv"
    done
  done
  # rss and start time per size (the same on every method row of a size).
  awk -F'\t' 'NR > 1 && $3 == "CreateEndpoint" {print $1 "\t" $2 "\t" $6 / 1024 "\t" $7}' \
    "$TMP/cp.tsv" >"$TMP/cp-res.tsv"
  sub=$(sed -n 's/^# //p' "$RES/control_plane.tsv" | head -1)
  # Not measured here: the original Go plugin's CreateEndpoint as issue 9
  # measured it side by side (0.94 ms with 8 NICs, 413 ms with 1,024), for
  # scale.
  printf '8\t940\n1024\t413000\n' >"$TMP/go.tsv"
  gnuplot <<EOF
set terminal pngcairo size 1500,480 font "DejaVu Sans,11" noenhanced
set output "$IMG/control_plane.png"
set datafile separator "\t"
set multiplot layout 1,3 title "Control plane over the socket vs number of NICs (veth stand-ins)\n$sub"
set logscale x 2
set xtics (8, 32, 128, 512, 1024)
set xlabel "NICs"
set grid lc rgb "#dddddd"
set key top left
set logscale y 10
set ylabel "microseconds per call (log)"
set title "p50 per call, state on tmpfs (driver cost)"
set yrange [50:1e6]
set ytics ("0.1 ms" 100, "1 ms" 1000, "10 ms" 10000, "100 ms" 100000, "1 s" 1000000)
set ylabel "time per call (log)"
set key top left reverse Left font ",9" spacing 0.9
plot for [m in "CreateEndpoint Join Leave DeleteEndpoint"] "$TMP/cp-tmpfs-".m.".tsv" \
     using 1:2 with linespoints lw 2 pt 7 title m, \
     "$TMP/go.tsv" using 1:2 with points pt 6 ps 2 lw 2 lc rgb "#888888" \
     title "Go plugin CreateEndpoint (earlier, cited)"
set title "p50 per call, state on disk (only networks fsynced)"
plot for [m in "CreateEndpoint Join Leave DeleteEndpoint"] "$TMP/cp-disk-".m.".tsv" \
     using 1:2 with linespoints lw 2 pt 7 title m, \
     "$TMP/go.tsv" using 1:2 with points pt 6 ps 2 lw 2 lc rgb "#888888" \
     title "Go plugin CreateEndpoint (earlier, cited)"
unset logscale y
set yrange [0:*]
set ytics auto
set key top left reverse Left font ",10"
set ylabel "MiB / ms"
set title "daemon RSS (MiB) and start time (ms), tmpfs rows"
plot "< awk -F'\t' '\$2 == \"tmpfs\"' $TMP/cp-res.tsv" using 1:3 with linespoints lw 2 pt 7 title "RSS MiB", \
     "< awk -F'\t' '\$2 == \"tmpfs\"' $TMP/cp-res.tsv" using 1:4 with linespoints lw 2 pt 5 title "start ms"
unset multiplot
EOF
  made+=("$IMG/control_plane.png")
fi

# -------------------------------------------------------------- docker run
if [ -f "$RES/docker_run.tsv" ]; then
  grep -v '^#' "$RES/docker_run.tsv" >"$TMP/dr.tsv"
  sub=$(sed -n 's/^# //p' "$RES/docker_run.tsv" | head -1 | sed 's/; /\\n/')
  gnuplot <<EOF
$COMMON
set terminal pngcairo size 900,520 font "DejaVu Sans,11" noenhanced
set output "$IMG/docker_run.png"
set title "docker run --rm IMAGE true: median wall time (ms, lower is better)\n$sub" font ",10"
plot "$TMP/dr.tsv" using "median_ms":xtic(1) lc rgb "#4477aa", \
     "" using 0:"median_ms":(sprintf("%d", column("median_ms"))) with labels offset 0,0.8 notitle
EOF
  made+=("$IMG/docker_run.png")
fi

[ "${#made[@]}" -gt 0 ] || { echo "no results in $RES" >&2; exit 1; }
printf '%s\n' "${made[@]}"
