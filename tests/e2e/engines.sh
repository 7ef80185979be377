#!/usr/bin/env bash
# Other Docker engines for the end-to-end suites, fetched from Debian's own
# mirror as .deb files and unpacked (never installed) beside the system's
# runc, each run with its own client. As root:
#
#   tests/e2e/engines.sh fetch ENGINE            # prints the unpacked tree
#   tests/e2e/engines.sh run ENGINE -- CMD ARGS  # CMD against that engine
#
# ENGINE: 26.1 (trixie) or 28.5 (sid): docker.io, docker-cli, containerd and
# tini; the version actually fetched is whatever
# that suite carries and is printed. The .debs and trees are cached in
# $HOSTNIC_ENGINE_CACHE (default /var/cache/hostnic-engines), so a second
# run downloads nothing. `run` starts that engine's dockerd (its own
# --data-root under the cache, the usual /var/run/docker.sock; refused while
# another dockerd answers there), runs CMD with HNE_DOCKER and HNP_DOCKER set
# to the engine's client, then stops the dockerd by its PID, and exits with
# CMD's status.
# Exit status 77 with "SKIP docker-ENGINE: why" on stdout: the engine cannot
# be fetched or does not start here (no mirror, package gone, glibc too old...).
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
CACHE=${HOSTNIC_ENGINE_CACHE:-/var/cache/hostnic-engines}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '[engines] %s\n' "$*" >&2; }
unavailable() { suite_skip "docker-$engine" "Docker $engine: $*"; }

usage() { sed -n '2,21p' "$0" >&2; exit 2; }

[ "$#" -ge 2 ] || usage
cmd=$1 engine=$2
shift 2
case $engine in
  26.1) suite=trixie; packages=(docker.io docker-cli containerd tini) ;;
  28.5) suite=sid; packages=(docker.io docker-cli containerd tini) ;;
  *) echo "unknown engine '$engine' (26.1 or 28.5)" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "engines.sh must run as root" >&2; exit 1; }

apt_dir=$CACHE/apt-$suite
tree=$CACHE/docker-$engine

# fetch: apt-get download with a private source list, state and cache (the
# system's apt configuration is not touched), then dpkg-deb -x.
fetch() {
  local stamp=$tree/.fetched
  if [ -f "$stamp" ]; then
    log "Docker $engine: cached in $tree ($(cat "$stamp"))"
    return 0
  fi
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/src" "$apt_dir/debs"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$MIRROR" "$suite" >"$apt_dir/src/$suite.sources"
  local -a o=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/src"
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
              -o Acquire::Check-Valid-Until=false -o APT::Architecture="$(dpkg --print-architecture)")
  log "Docker $engine: apt-get update of $suite (private lists in $apt_dir)"
  apt-get "${o[@]}" -qq update >"$apt_dir/update.log" 2>&1 ||
    unavailable "apt-get update of Debian $suite failed: $(tail -n 2 "$apt_dir/update.log" | tr '\n' ' ')"
  rm -f "$apt_dir/debs"/*.deb
  (cd "$apt_dir/debs" && apt-get "${o[@]}" -qq download "${packages[@]}") >"$apt_dir/download.log" 2>&1 ||
    unavailable "apt-get download ${packages[*]} from $suite failed: $(tail -n 2 "$apt_dir/download.log" | tr '\n' ' ')"
  rm -rf "$tree.new"
  mkdir -p "$tree.new"
  local d
  for d in "$apt_dir/debs"/*.deb; do
    dpkg-deb -x "$d" "$tree.new" || unavailable "dpkg-deb -x $(basename "$d") failed"
  done
  # Debian's dockerd runs docker-init from PATH; tini provides it.
  [ -e "$tree.new/usr/sbin/docker-init" ] || [ ! -e "$tree.new/usr/bin/tini-static" ] ||
    ln -s ../bin/tini-static "$tree.new/usr/sbin/docker-init"
  # sid's runc needs a newer glibc: the engines run beside the system's.
  rm -f "$tree.new/usr/sbin/runc" "$tree.new/usr/bin/runc"
  (cd "$apt_dir/debs" && ls *.deb) >"$tree.new/.fetched"
  rm -rf "$tree"
  mv "$tree.new" "$tree"
  log "Docker $engine: unpacked $(tr '\n' ' ' <"$tree/.fetched") into $tree"
  rm -rf "$apt_dir"   # the tree is the cache; the lists and .debs are not needed again
}

run() {
  [ "${1:-}" = -- ] && shift
  [ "$#" -gt 0 ] || usage
  command -v runc >/dev/null || unavailable "no runc on this machine (apt-get install runc)"
  local client=$tree/usr/bin/docker
  [ -x "$client" ] || unavailable "no client in $tree"
  if "$client" info >/dev/null 2>&1; then
    echo "a dockerd already answers on /var/run/docker.sock; stop it first (only one may run)" >&2
    exit 1
  fi
  local work=$CACHE/run-$engine
  mkdir -p "$work"
  log "Docker $engine: starting $tree/usr/sbin/dockerd (data root $CACHE/data-$engine, log $work/dockerd.log)"
  PATH=$tree/usr/sbin:$tree/usr/bin:$PATH "$tree/usr/sbin/dockerd" --data-root "$CACHE/data-$engine" \
    --pidfile "$work/dockerd.pid" >"$work/dockerd.log" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 90))
  until "$client" info >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      kill "$pid" 2>/dev/null
      unavailable "its dockerd did not start: $(tail -n 3 "$work/dockerd.log" | tr '\n' ' ' | cut -c1-400)"
    fi
    sleep 0.5
  done
  log "Docker $engine: $("$client" version -f 'client {{.Client.Version}}, server {{.Server.Version}} (API {{.Server.APIVersion}})')"
  HNE_DOCKER=$client HNP_DOCKER=$client HNE_ENGINE=$engine "$@"
  local rc=$?
  log "Docker $engine: stopping its dockerd (pid $pid)"
  kill "$pid" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  wait "$pid" 2>/dev/null
  return "$rc"
}

case $cmd in
  fetch) fetch; echo "$tree" ;;
  run) fetch; run "$@" ;;
  *) usage ;;
esac
