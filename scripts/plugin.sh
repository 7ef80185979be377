#!/usr/bin/env bash
# Builds hostnic's image and installs it as a Docker managed (v2) plugin.
#
#   scripts/plugin.sh                    # = install: base image, build, create, enable
#   scripts/plugin.sh install [--set LOG_LEVEL=debug] [--name hostnic:0.1.0]
#   scripts/plugin.sh upgrade            # rebuild, replace the plugin under the same name,
#                                        # keep its settings and its state
#   scripts/plugin.sh push --name REGISTRY/hostnic:VERSION   # build and publish it
#   scripts/plugin.sh remove             # disable (forced) and remove the plugin
#   scripts/plugin.sh base | base-tree | build | rootfs DIR | create
#
# Run as root on the Docker host (see docs/plugin.md). Exit status: 0 done,
# 1 failed, 2 usage error, 3 the debian:bookworm-slim base image is absent and
# cannot be made (no registry and no debootstrap/apt): callers such as CI may
# treat 3 as "skip".
set -euo pipefail

readonly EXIT_FAIL=1 EXIT_USAGE=2 EXIT_NO_BASE=3

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

DOCKER=${DOCKER:-/usr/bin/docker}
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
# The classic builder needs nothing from a registry beyond the FROM image.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}

version=$(sed -n 's/^project(hostnic VERSION \([0-9][0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
version=${version:-0.0.0}
name=""
image=""
context="$root"
sets=()
quiet=0
no_build=0
binary=""
cleanup_dirs=()

usage() {
  cat <<EOF
usage: scripts/plugin.sh [COMMAND] [OPTIONS]

Commands:
  install    (default) base + build + create the plugin + enable it
  upgrade    build, then replace the installed plugin under the same name,
             re-applying its settings (docker plugin set) and copying its
             state over before enabling it
  push       build + docker plugin create --name + docker plugin push, then
             remove the local copy; --name must be REGISTRY/NAME:TAG
  remove     disable (forced) and remove the plugin and its state
  base       make sure the $BASE_IMAGE image exists (pull, else debootstrap
             + docker import; a tree made before is imported, not pulled)
  base-tree  make the debootstrapped tree \`base\` imports (kept in
             /var/cache/hostnic-base, HOSTNIC_BASE_CACHE), unless Docker
             Hub answers; needs no dockerd
  build      base + docker build of the image
  rootfs DIR build + write the plugin directory (DIR/config.json, DIR/rootfs)
  create     build + docker plugin create, without enabling

Options:
  --name NAME      plugin name (default hostnic:$version; networks record it,
                   so keep one name across upgrades)
  --image IMAGE    image tag to build (default hostnic:$version)
  --set KEY=VALUE  docker plugin set before enabling (repeatable), e.g.
                   LOG_LEVEL=debug, ALLOW_NICS=eth2,eth3, WAIT=30,
                   args="--flag value"
  --context DIR    source tree to build (default: this checkout)
  --no-build       install/upgrade/create/rootfs: use the existing --image
                   instead of building it
  --binary FILE    build the image around FILE, a hostnic already built on a
                   Debian bookworm host (e.g. build/hostnic), instead of
                   compiling it in the Dockerfile's build stage (which also
                   runs the unit tests): the runtime stage, then FILE
                   and the hostnic-cni beside it (stripped) with the same
                   checks
  --quiet          send docker build output to a log file instead of stdout
  -h, --help       this help

Environment: DOCKER (client, default /usr/bin/docker), BASE_IMAGE,
DEBIAN_MIRROR (for debootstrap), HOSTNIC_BASE_CACHE.
Exit status: 0 ok, 1 failed, 2 usage, 3 base image absent and impossible to make.
EOF
}

log() { printf 'plugin.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit "$EXIT_FAIL"; }

cleanup() {
  local d
  for d in "${cleanup_dirs[@]+"${cleanup_dirs[@]}"}"; do
    rm -rf -- "$d"
  done
}
trap cleanup EXIT

docker_ok() {
  [[ -x $DOCKER ]] || die "no docker client at $DOCKER (set DOCKER=...)"
  "$DOCKER" info >/dev/null 2>&1 ||
    die "the Docker daemon does not answer ($DOCKER info failed); start dockerd first"
}

# --- base image ------------------------------------------------------------

# slim_tree DIR: what makes the official image "slim": no apt caches, and
# dpkg told to skip documentation (but copyright files), man pages and locales
# in every later apt-get install as well.
slim_tree() {
  local r=$1
  mkdir -p "$r/etc/dpkg/dpkg.cfg.d" "$r/etc/apt/apt.conf.d"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF_DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF_DPKG
  cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF_APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF_APT
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
    "$r"/usr/share/man/* "$r"/usr/share/info/*
  find "$r/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete 2>/dev/null || true
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
}

# The debootstrapped, slimmed bookworm tree, as a tar kept between runs (like
# the podman 5 root in /var/cache/hostnic-podman5): made by `base-tree`
# (scripts/test.sh runs it in the background from its start, where no
# dockerd runs yet) or by ensure_base, imported by ensure_base.
BASE_TREE=${HOSTNIC_BASE_CACHE:-/var/cache/hostnic-base}/bookworm-minbase.tar

# make_base_tree: BASE_TREE made with debootstrap (installed first when
# missing); exits EXIT_NO_BASE when it cannot be made.
make_base_tree() {
  if [[ $BASE_IMAGE != debian:bookworm* ]]; then
    log "SKIP-BASE: cannot pull $BASE_IMAGE and only debian:bookworm* can be debootstrapped"
    exit "$EXIT_NO_BASE"
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "no registry; installing debootstrap to make $BASE_IMAGE locally"
    if ! { command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]] &&
           { apt-get install -y debootstrap >/dev/null 2>&1 ||
             { apt-get update >/dev/null 2>&1 &&
               apt-get install -y debootstrap >/dev/null 2>&1; }; }; }; then
      log "SKIP-BASE: $BASE_IMAGE cannot be pulled and debootstrap cannot be installed"
      exit "$EXIT_NO_BASE"
    fi
  fi
  # debootstrap runs programs inside the tree: keep it off a noexec /tmp.
  local dir
  dir=$(mktemp -d /var/tmp/hostnic-base.XXXXXX)
  cleanup_dirs+=("$dir")
  log "debootstrap --variant=minbase bookworm (takes a minute or more)"
  if ! debootstrap --variant=minbase bookworm "$dir/rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} \
      >"$dir/debootstrap.log" 2>&1; then
    tail -n 20 "$dir/debootstrap.log" >&2 || true
    log "SKIP-BASE: debootstrap of bookworm failed (no Debian mirror reachable?)"
    exit "$EXIT_NO_BASE"
  fi
  slim_tree "$dir/rootfs"
  mkdir -p "$(dirname "$BASE_TREE")"
  # Renamed into place whole: a run that reads it never sees half a tree.
  if ! { tar -C "$dir/rootfs" -cf "$BASE_TREE.$$" . && mv "$BASE_TREE.$$" "$BASE_TREE"; }; then
    rm -f "$BASE_TREE.$$"
    die "cannot write $BASE_TREE"
  fi
  rm -rf "$dir"
  log "made $BASE_TREE"
}

# cmd_base_tree: BASE_TREE made, unless it is there, the system's dockerd
# has BASE_IMAGE (its image list on disk: no dockerd needs to run) or
# Docker Hub answers (docker pull is faster than debootstrap).
cmd_base_tree() {
  if [[ -s $BASE_TREE ]]; then
    log "$BASE_TREE present"
    return 0
  fi
  if grep -qF "\"$BASE_IMAGE\"" /var/lib/docker/image/*/repositories.json 2>/dev/null; then
    log "the system's dockerd has $BASE_IMAGE: no tree needed"
    return 0
  fi
  if [[ $(curl -s -o /dev/null -m 10 -w '%{http_code}' https://registry-1.docker.io/v2/) == 401 ]]; then
    log "Docker Hub answers: docker pull makes $BASE_IMAGE, no tree needed"
    return 0
  fi
  make_base_tree
}

ensure_base() {
  if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE present"
    return 0
  fi
  if [[ $BASE_IMAGE != debian:bookworm* || ! -s $BASE_TREE ]]; then
    log "base image $BASE_IMAGE absent; trying docker pull"
    if "$DOCKER" pull "$BASE_IMAGE" >/dev/null 2>&1; then
      return 0
    fi
    make_base_tree
  fi
  "$DOCKER" import -c 'CMD ["/bin/bash"]' "$BASE_TREE" "$BASE_IMAGE" >/dev/null ||
    die "docker import of $BASE_TREE failed"
  log "base image $BASE_IMAGE imported from $BASE_TREE"
}

# --- image, rootfs, plugin ---------------------------------------------------

# docker_build ARG...: docker build --force-rm ARG..., its output in a log
# file with --quiet.
docker_build() {
  local args=(build --force-rm --build-arg "BASE_IMAGE=$BASE_IMAGE" "$@")
  if ((quiet)); then
    local blog
    blog=$(mktemp /tmp/hostnic-build.XXXXXX.log)
    if ! "$DOCKER" "${args[@]}" >"$blog" 2>&1; then
      tail -n 40 "$blog" >&2
      die "docker build failed (full log: $blog)"
    fi
    rm -f "$blog"
  else
    "$DOCKER" "${args[@]}" || die "docker build failed"
  fi
}

# build_around_binary: the Dockerfile's runtime stage, then its last stage
# with $binary and the CNI plugin beside it (hostnic-cni), stripped, from a
# build context of their own instead of the build stage's.
build_around_binary() {
  [[ -x $binary ]] || die "--binary $binary is not an executable file"
  local dir cni
  cni=$(dirname "$binary")/hostnic-cni
  [[ -x $cni ]] || die "--binary $binary: there is no CNI plugin $cni beside it (cmake --build build --target hostnic-cni)"
  dir=$(mktemp -d /var/tmp/hostnic-binary.XXXXXX)
  cleanup_dirs+=("$dir")
  strip -o "$dir/hostnic" "$binary" || die "strip $binary failed"
  strip -o "$dir/hostnic-cni" "$cni" || die "strip $cni failed"
  log "building image $image around $binary (the runtime stage of $context/Dockerfile)"
  docker_build --target runtime -t "$image" -f "$context/Dockerfile" "$context"
  {
    echo "FROM $image"
    sed -n '/^FROM runtime$/,$p' "$context/Dockerfile" |
      sed -e 1d -e 's|^COPY --from=build /src/build/\(hostnic[a-z-]*\) |COPY \1 |'
  } >"$dir/Dockerfile"
  grep -q '^COPY hostnic ' "$dir/Dockerfile" ||
    die "$context/Dockerfile has no last stage 'FROM runtime' + 'COPY --from=build /src/build/hostnic ...'"
  docker_build -t "$image" "$dir"
  rm -rf "$dir"
}

build_image() {
  if ((no_build)); then
    "$DOCKER" image inspect "$image" >/dev/null 2>&1 || die "--no-build: there is no image $image"
    log "using the existing image $image (--no-build)"
    return 0
  fi
  ensure_base
  if [[ -n $binary ]]; then
    build_around_binary
    return 0
  fi
  log "building image $image from $context"
  docker_build -t "$image" -f "$context/Dockerfile" "$context"
}

# write_rootfs DIR: the plugin directory docker plugin create wants.
write_rootfs() {
  local dir=$1 cid
  mkdir -p "$dir/rootfs"
  cid=$("$DOCKER" create "$image") || die "docker create $image failed"
  if ! "$DOCKER" export "$cid" | tar -x -C "$dir/rootfs"; then
    "$DOCKER" rm -f "$cid" >/dev/null 2>&1 || true
    die "docker export of $image failed"
  fi
  "$DOCKER" rm -f "$cid" >/dev/null
  cp "$context/plugin-config/config.json" "$dir/config.json"
}

plugin_exists() { "$DOCKER" plugin inspect "$name" >/dev/null 2>&1; }

create_plugin() {
  local dir
  dir=$(mktemp -d /var/tmp/hostnic-plugin.XXXXXX)
  cleanup_dirs+=("$dir")
  write_rootfs "$dir"
  log "docker plugin create $name"
  "$DOCKER" plugin create "$name" "$dir" >/dev/null || die "docker plugin create $name failed"
  rm -rf "$dir"
}

# state_dir: where the installed plugin $name keeps its state on the host:
# the directory Docker made for its propagatedMount, or (older plugins) the
# source of their "state" bind mount.
state_dir() {
  local root id prop
  prop=$("$DOCKER" plugin inspect -f '{{.Config.PropagatedMount}}' "$name") || return 1
  if [[ -n $prop ]]; then
    root=$("$DOCKER" info -f '{{.DockerRootDir}}') || return 1
    id=$("$DOCKER" plugin inspect -f '{{.Id}}' "$name") || return 1
    echo "$root/plugins/$id/propagated-mount"
  else
    "$DOCKER" plugin inspect -f \
      '{{range .Settings.Mounts}}{{if eq .Name "state"}}{{.Source}}{{end}}{{end}}' "$name"
  fi
}

apply_sets() {
  if ((${#sets[@]})); then
    log "docker plugin set $name ${sets[*]}"
    "$DOCKER" plugin set "$name" "${sets[@]}" || die "docker plugin set failed"
  fi
}

enable_plugin() {
  log "docker plugin enable $name"
  if ! "$DOCKER" plugin enable "$name"; then
    log "the plugin did not start; its output is in dockerd's log (lines with plugin=$("$DOCKER" plugin inspect -f '{{.Id}}' "$name" 2>/dev/null))"
    die "docker plugin enable $name failed"
  fi
  log "enabled: docker network create -d $name --subnet ... --gateway ... NET"
}

cmd_install() {
  docker_ok
  plugin_exists && die "plugin $name is already installed; use 'scripts/plugin.sh upgrade' or 'remove'"
  build_image
  create_plugin
  apply_sets
  enable_plugin
}

cmd_upgrade() {
  docker_ok
  plugin_exists || die "plugin $name is not installed; use 'scripts/plugin.sh install'"
  build_image
  # Keep what the operator set: env, mount sources, args.
  local -a keep=()
  local line
  while IFS= read -r line; do
    [[ -n $line ]] && keep+=("$line")
  done < <("$DOCKER" plugin inspect -f '{{range .Settings.Env}}{{println .}}{{end}}' "$name")
  while IFS= read -r line; do
    [[ -n $line ]] && keep+=("$line")
  done < <("$DOCKER" plugin inspect -f '{{range .Settings.Mounts}}{{if .Source}}{{.Name}}.source={{.Source}}{{println}}{{end}}{{end}}' "$name")
  local args
  # shellcheck disable=SC2016  # a Go template, not a shell expansion
  args=$("$DOCKER" plugin inspect -f '{{range $i, $a := .Settings.Args}}{{if $i}} {{end}}{{$a}}{{end}}' "$name")
  [[ -n $args ]] && keep+=("args=$args")

  # Prepare the new tree before touching the running plugin.
  local dir old_state new_state copy
  dir=$(mktemp -d /var/tmp/hostnic-plugin.XXXXXX)
  cleanup_dirs+=("$dir")
  write_rootfs "$dir"
  old_state=$(state_dir) || die "cannot find the state directory of $name"
  # Not in cleanup_dirs: if the swap fails half-way, this copy is the state.
  copy=$(mktemp -d /var/tmp/hostnic-state.XXXXXX)

  log "replacing plugin $name (containers keep their NICs; the state is copied over)"
  "$DOCKER" plugin disable -f "$name" >/dev/null 2>&1 || true
  # docker plugin rm deletes the propagated mount: keep a copy first.
  if [[ -d $old_state ]]; then
    cp -a "$old_state/." "$copy/" || die "cannot copy the state of $name from $old_state to $copy"
  fi
  "$DOCKER" plugin rm -f "$name" >/dev/null || die "docker plugin rm $name failed"
  "$DOCKER" plugin create "$name" "$dir" >/dev/null ||
    die "docker plugin create $name failed; the old plugin is gone and its state is in $copy: install again with --name $name, disable it, copy $copy/. into its state directory, enable it"
  new_state=$(state_dir) || die "cannot find the state directory of the new $name (the state is in $copy)"
  mkdir -p "$new_state"
  cp -a "$copy/." "$new_state/" || die "cannot copy the state of $name into $new_state (it is in $copy)"
  rm -rf "$dir" "$copy"

  # Re-apply only keys the new config still has, then the caller's --set.
  local known kv k
  known=" $("$DOCKER" plugin inspect -f '{{range .Config.Env}}{{.Name}} {{end}}{{range .Config.Mounts}}{{.Name}}.source {{end}}{{.Config.Args.Name}}' "$name") "
  local -a apply=()
  for kv in "${keep[@]+"${keep[@]}"}"; do
    k=${kv%%=*}
    [[ $known == *" $k "* ]] && apply+=("$kv")
  done
  sets=("${apply[@]+"${apply[@]}"}" "${sets[@]+"${sets[@]}"}")
  apply_sets
  enable_plugin
}

# cmd_push: the plugin under a registry name (REGISTRY/NAME:TAG), pushed;
# the local copy is removed again (install it with docker plugin install).
cmd_push() {
  docker_ok
  [[ $name == */* ]] || die "push needs --name REGISTRY/NAME:TAG (e.g. 127.0.0.1:5000/hostnic:$version)"
  plugin_exists && die "plugin $name exists here; remove it first or push another tag"
  build_image
  create_plugin
  log "docker plugin push $name"
  if ! "$DOCKER" plugin push "$name"; then
    "$DOCKER" plugin rm -f "$name" >/dev/null 2>&1 || true
    die "docker plugin push $name failed"
  fi
  "$DOCKER" plugin rm "$name" >/dev/null || die "docker plugin rm $name (the local copy) failed"
  log "pushed: docker plugin install --grant-all-permissions $name"
}

cmd_remove() {
  docker_ok
  if ! plugin_exists; then
    log "plugin $name is not installed"
    return 0
  fi
  "$DOCKER" plugin disable -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" plugin rm -f "$name" >/dev/null || die "docker plugin rm $name failed"
  log "removed $name and its state (networks that use it remain until 'docker network rm')"
}

# --- arguments ---------------------------------------------------------------

cmd=install
rootfs_dir=""
if [[ $# -gt 0 && $1 != -* ]]; then
  cmd=$1
  shift
  if [[ $cmd == rootfs ]]; then
    [[ $# -gt 0 && $1 != -* ]] || { usage >&2; exit "$EXIT_USAGE"; }
    rootfs_dir=$1
    shift
  fi
fi
while [[ $# -gt 0 ]]; do
  case $1 in
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --image) image=${2:?--image needs a value}; shift 2 ;;
    --set) sets+=("${2:?--set needs KEY=VALUE}"); shift 2 ;;
    --context) context=$(cd "${2:?--context needs a directory}" && pwd); shift 2 ;;
    --quiet) quiet=1; shift ;;
    --no-build) no_build=1; shift ;;
    --binary) binary=$(realpath "${2:?--binary needs a file}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) log "unknown argument: $1"; usage >&2; exit "$EXIT_USAGE" ;;
  esac
done
name=${name:-hostnic:$version}
image=${image:-hostnic:$version}
[[ $name == *:* ]] || name="$name:latest"

case $cmd in
  install) cmd_install ;;
  upgrade) cmd_upgrade ;;
  push) cmd_push ;;
  remove) cmd_remove ;;
  base) docker_ok; ensure_base ;;
  base-tree) cmd_base_tree ;;
  build) docker_ok; no_build=0; build_image ;;
  rootfs) docker_ok; build_image; write_rootfs "$rootfs_dir"; log "plugin directory: $rootfs_dir" ;;
  create) docker_ok; plugin_exists && die "plugin $name exists"; build_image; create_plugin; apply_sets ;;
  help) usage ;;
  *) log "unknown command: $cmd"; usage >&2; exit "$EXIT_USAGE" ;;
esac
