# shellcheck shell=bash
# containerd's CRI plugin, an instance of the test's own, driven as kubelet
# drives it (sourced by tests/e2e/cri_test.sh and bench/cri_pod_start.sh).
#
# The instance has its own root, state, gRPC socket, runc root and CNI
# directories under one work directory, so it shares nothing with a
# containerd or dockerd already on the machine. What is slow to make is kept
# in build/cri/ for the next run: the CRI api.proto's Debian package (from
# trixie's mirror, through a private apt source list), the Python stubs
# generated from it, and the pause image (a static C program, tarred by
# `docker save`).

CRI_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRI_ROOT=$(cd "$CRI_LIB_DIR/../../.." && pwd)
CRI_CACHE=${HOSTNIC_CRI_CACHE:-$CRI_ROOT/build/cri}
CRI_PAUSE_IMAGE=docker.io/hostnic-test/pause:1
# Debian's package holding k8s.io/cri-api's api.proto (none in bookworm).
CRI_PROTO_PKG=golang-github-kubernetes-cri-api-dev
CRI_PROTO_PATH=usr/share/gocode/src/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto
CRI_PYTHON=/usr/bin/python3   # Debian's: the one that sees python3-grpcio

cri_log() { printf '[cri] %s\n' "$*" >&2; }

# cri_missing: prints why containerd's CRI plugin cannot run here (nothing
# when it can).
cri_missing() {
  local cmd
  for cmd in containerd ctr containerd-shim-runc-v2 runc; do
    command -v "$cmd" >/dev/null || { echo "no $cmd (apt-get install containerd runc)"; return; }
  done
}

# cri_stubs: makes $CRI_CACHE/stubs/api_pb2{,_grpc}.py from the CRI
# api.proto unless they are there. The .deb is fetched from Debian trixie
# with an apt source list of our own (the machine's sources are untouched)
# and kept; the proto's gogoproto import and options are dropped (protoc
# does not need them, and Debian has no gogo.proto for Python).
cri_stubs() {
  local stubs=$CRI_CACHE/stubs apt=$CRI_CACHE/apt-trixie debs opts
  [ -f "$stubs/api_pb2.py" ] && [ -f "$stubs/api_pb2_grpc.py" ] && return 0
  "$CRI_PYTHON" -c 'import grpc, grpc_tools' 2>/dev/null ||
    { cri_log "no python3-grpcio / python3-grpc-tools for $CRI_PYTHON"; return 1; }
  mkdir -p "$CRI_CACHE/debs" "$stubs"
  debs=("$CRI_CACHE/debs/${CRI_PROTO_PKG}"_*.deb)
  if [ ! -f "${debs[0]}" ]; then
    cri_log "fetching $CRI_PROTO_PKG from Debian trixie (once; kept in $CRI_CACHE/debs)"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      >"$apt/src/trixie.sources"
    opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/src"
          -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
          -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root)
    if ! apt-get -qq "${opts[@]}" update >"$apt/log" 2>&1 ||
       ! (cd "$CRI_CACHE/debs" && apt-get -qq "${opts[@]}" download "$CRI_PROTO_PKG") >>"$apt/log" 2>&1; then
      cri_log "could not fetch $CRI_PROTO_PKG from trixie:"; tail -n 5 "$apt/log" >&2
      return 1
    fi
    rm -rf "$apt"   # the lists are 10 MB; only the .deb is kept
    debs=("$CRI_CACHE/debs/${CRI_PROTO_PKG}"_*.deb)
  fi
  dpkg-deb --fsys-tarfile "${debs[0]}" | tar -xO "./$CRI_PROTO_PATH" | grep -v gogoproto \
    >"$stubs/api.proto" || { cri_log "${debs[0]} has no $CRI_PROTO_PATH"; return 1; }
  (cd "$stubs" && "$CRI_PYTHON" -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. api.proto) ||
    { cri_log "protoc failed on $stubs/api.proto"; rm -f "$stubs"/api_pb2*.py; return 1; }
}

# cri_pause_tar DOCKER: $CRI_CACHE/pause.tar, the sandbox image (no registry
# can be reached): tests/e2e/cri/pause.c built static, imported with DOCKER
# (`docker import`, the entrypoint set) and written by `docker save`. Made
# again when pause.c is newer.
cri_pause_tar() {
  local docker=$1 tar=$CRI_CACHE/pause.tar src=$CRI_LIB_DIR/pause.c rootfs
  [ -f "$tar" ] && [ "$tar" -nt "$src" ] && return 0
  rootfs=$CRI_CACHE/pause-rootfs
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  gcc -static -Os -s -o "$rootfs/pause" "$src" ||
    { cri_log "gcc -static failed on $src (libc6-dev has the static libc)"; return 1; }
  if ! tar -C "$rootfs" -c . |
       "$docker" import -c 'ENTRYPOINT ["/pause"]' - "${CRI_PAUSE_IMAGE#docker.io/}" >/dev/null ||
     ! "$docker" save -o "$tar.new" "${CRI_PAUSE_IMAGE#docker.io/}"; then
    cri_log "docker import/save of the pause image failed"; rm -f "$tar.new"; return 1
  fi
  mv "$tar.new" "$tar"
}

# cri_config DIR CNI_BIN_DIR CNI_CONF_DIR: DIR/config.toml for an instance
# rooted in DIR.
cri_config() {
  local dir=$1
  mkdir -p "$dir/root" "$dir/state" "$dir/opt" "$dir/runc"
  cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRI_PAUSE_IMAGE"
  # Without it runc fails here: "oom_score_adj: Permission denied".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      Root = "$dir/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$2"
    conf_dir = "$3"
EOF
}

# cri_start DIR: starts containerd with DIR/config.toml (log appended to
# DIR/containerd.log, PID in DIR/containerd.pid), waits until it answers,
# and imports the pause image if the instance lacks it.
cri_start() {
  local dir=$1 deadline
  echo "---- $(date '+%F %T') starting" >>"$dir/containerd.log"
  containerd --config "$dir/config.toml" >>"$dir/containerd.log" 2>&1 </dev/null &
  echo $! >"$dir/containerd.pid"
  disown $! 2>/dev/null || true
  deadline=$((SECONDS + 30))
  until ctr -a "$dir/containerd.sock" version >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      cri_log "containerd did not come up; its log ends with:"
      tail -n 15 "$dir/containerd.log" >&2
      return 1
    fi
    sleep 0.1
  done
  ctr -a "$dir/containerd.sock" -n k8s.io images ls -q | grep -qx "$CRI_PAUSE_IMAGE" && return 0
  ctr -a "$dir/containerd.sock" -n k8s.io images import "$CRI_CACHE/pause.tar" >/dev/null ||
    { cri_log "ctr images import $CRI_CACHE/pause.tar failed"; return 1; }
}

# cri_stop DIR: stops that containerd by its PID (SIGTERM; pods keep running
# in their shims, as on a real node's containerd restart).
cri_stop() {
  local dir=$1 pid i
  pid=$(cat "$dir/containerd.pid" 2>/dev/null) || return 0
  rm -f "$dir/containerd.pid"
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cri_alive() {
  local pid
  pid=$(cat "$1/containerd.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

# cri_client_start DIR: tests/e2e/cri/cri_client.py serving that instance
# for the rest of the run (one process: Python and the stubs take ~0.4 s to
# load, more than most calls), on the fifos DIR/client.{in,out}.
CRI_SERVED=
cri_client_start() {
  local dir=$1
  mkfifo "$dir/client.in" "$dir/client.out"
  "$CRI_PYTHON" "$CRI_LIB_DIR/cri_client.py" --address "$dir/containerd.sock" \
    --stubs "$CRI_CACHE/stubs" --timeout 90 serve \
    <"$dir/client.in" >"$dir/client.out" 2>>"$dir/client.log" &
  echo $! >"$dir/client.pid"
  exec {CRI_IN}>"$dir/client.in" {CRI_OUT}<"$dir/client.out"
  CRI_SERVED=$dir
}

# cri_client_stop: ends the served client by its PID (processes started
# meanwhile, a daemon or containerd, inherit the fifo, so no EOF comes).
cri_client_stop() {
  [ -n "$CRI_SERVED" ] || return 0
  exec {CRI_IN}>&- {CRI_OUT}<&-
  local pid
  if pid=$(cat "$CRI_SERVED/client.pid" 2>/dev/null); then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  CRI_SERVED=
}

# crictl DIR COMMAND [ARG...]: one call of cri_client.py against that
# instance (the served client when it is running); the command's output on
# stdout, its error on stderr, its exit status.
crictl() {
  local dir=$1 line rc=
  shift
  if [ "$CRI_SERVED" != "$dir" ]; then
    "$CRI_PYTHON" "$CRI_LIB_DIR/cri_client.py" --address "$dir/containerd.sock" \
      --stubs "$CRI_CACHE/stubs" --timeout 90 "$@"
    return
  fi
  printf '%q ' "$@" >&"$CRI_IN"
  echo >&"$CRI_IN"
  while IFS= read -r -t 200 line <&"$CRI_OUT"; do
    case $line in
      "@@end "*) rc=${line#@@end }; break ;;
      "@@err "*) printf '%s\n' "${line#@@err }" >&2 ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
  [ -n "$rc" ] || { echo "cri_client.py did not answer $*" >&2; return 1; }
  return "$rc"
}

# cri_remove_pods DIR: stops and removes every sandbox of the instance.
cri_remove_pods() {
  local dir=$1 id rest
  while read -r id rest; do
    [ -n "$id" ] || continue
    crictl "$dir" stop "$id" >/dev/null 2>&1
    crictl "$dir" rm "$id" >/dev/null 2>&1
  done < <(crictl "$dir" ls 2>/dev/null)
}

# cri_teardown DIR: every pod removed, containerd stopped, and anything it
# left behind (a shim of this instance, a mount under DIR) cleared before
# DIR is deleted. The shims are found by their -address argument: only this
# instance's.
cri_teardown() {
  local dir=$1 p m
  [ -d "$dir" ] || return 0
  if cri_alive "$dir"; then cri_remove_pods "$dir"; fi
  [ "$CRI_SERVED" != "$dir" ] || cri_client_stop
  cri_stop "$dir"
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "-address $dir/containerd.sock"; then
      cri_log "killing a shim containerd left: pid ${p#/proc/}"
      kill -KILL "${p#/proc/}" 2>/dev/null
    fi
  done
  while read -r m; do umount -l "$m" 2>/dev/null; done < <(awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  rm -rf "$dir"
}
