# netavark for tests, sourced: Debian trixie's netavark (podman 5's network
# backend) run on this bookworm host through trixie's own loader and libc,
# fetched with a private apt source (the host's apt configuration is neither
# read for sources nor changed) and unpacked once into a cache that later
# runs reuse:
#
#     source tests/e2e/netavark_lib.sh
#     netavark_fetch "$ROOT/build/netavark-root" || exit 77   # prints why
#     "${NETAVARK[@]}" --config DIR --plugin-directory DIR setup NETNS <conf
#
# netavark_fetch sets NETAVARK (the command) and NETAVARK_VERSION; it
# returns 1, printing the reason, when the mirror cannot be reached.
# netavark 1.14 needs glibc 2.39; bookworm has 2.36, so the binary runs under
# trixie's ld.so with --library-path pointing into the cache.

NETAVARK_SUITE=${NETAVARK_SUITE:-trixie}
NETAVARK_MIRROR=${NETAVARK_MIRROR:-http://deb.debian.org/debian}

netavark_fetch() {
  local cache=$1 apt=$1/apt root=$1/root
  local ld=$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
  if [ ! -x "$root/usr/lib/podman/netavark" ] || [ ! -e "$ld" ]; then
    rm -rf "$cache"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src" "$root"
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$NETAVARK_MIRROR" "$NETAVARK_SUITE" >"$apt/src/netavark.sources"
    local o=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/src"
             -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
             -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root)
    if ! apt-get "${o[@]}" update >"$cache/apt.log" 2>&1; then
      echo "cannot reach $NETAVARK_MIRROR ($NETAVARK_SUITE): $(tail -1 "$cache/apt.log")"
      return 1
    fi
    if ! (cd "$apt/cache/archives" && apt-get "${o[@]}" download netavark libc6 libgcc-s1 \
            >>"$cache/apt.log" 2>&1); then
      echo "cannot download netavark, libc6, libgcc-s1 from $NETAVARK_SUITE: $(tail -1 "$cache/apt.log")"
      return 1
    fi
    local deb
    for deb in "$apt"/cache/archives/*.deb; do dpkg-deb -x "$deb" "$root" || return 1; done
    rm -rf "$apt/lists" "$apt/cache/archives"/*.deb
  fi
  NETAVARK=("$ld" --library-path "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib/podman/netavark")
  NETAVARK_VERSION=$("${NETAVARK[@]}" --version 2>/dev/null) || {
    echo "the unpacked netavark does not run: $("${NETAVARK[@]}" --version 2>&1 | tail -1)"
    return 1
  }
}

# podman 5 itself needs trixie's glibc for podman, conmon and crun as well,
# so it runs in a Debian trixie root made with debootstrap and entered in a
# mount namespace of its own, on the host's network namespace (the NICs are
# the host's):
#
#     podman5_root "$CACHE" || exit 77        # prints why; sets PODMAN5_ROOT
#     podman5_config "$WORK" build/hostnic-cni
#     podman5_enter "$PODMAN5_ROOT" "$WORK"   # sets PODMAN5_PID
#     podman5 run ...                         # podman inside, as root
#     podman5_leave
#
# podman5_root makes DIR/root once (debootstrap --variant=minbase with
# podman and crun) and reuses it while DIR/root.ok names its podman; it
# returns 1 with the reason when the mirror cannot be reached, 2 when
# debootstrap failed anyway (its log: DIR/debootstrap.log).
podman5_root() {
  local dir=$1
  PODMAN5_ROOT=$dir/root
  if [ -s "$dir/root.ok" ] && [ -x "$dir/root/usr/bin/podman" ]; then return 0; fi
  rm -rf "$dir/root" "$dir/root.new" "$dir/root.ok"
  mkdir -p "$dir"
  if ! curl -fsS -o /dev/null --max-time 30 "$NETAVARK_MIRROR/dists/$NETAVARK_SUITE/InRelease" \
       2>"$dir/debootstrap.log"; then
    echo "cannot reach $NETAVARK_MIRROR ($NETAVARK_SUITE): $(tail -1 "$dir/debootstrap.log")"
    return 1
  fi
  if ! debootstrap --variant=minbase --include=podman,crun "$NETAVARK_SUITE" "$dir/root.new" \
       "$NETAVARK_MIRROR" >"$dir/debootstrap.log" 2>&1; then
    echo "debootstrap of $NETAVARK_SUITE failed: $(grep -m1 '^E:' "$dir/debootstrap.log" ||
      tail -1 "$dir/debootstrap.log") (log: $dir/debootstrap.log)"
    return 2
  fi
  rm -rf "$dir/root.new/var/cache/apt/archives/"*.deb "$dir/root.new/var/lib/apt/lists/"*
  mv "$dir/root.new" "$dir/root"
  dpkg-query --admindir="$dir/root/var/lib/dpkg" -W -f='podman ${Version}\n' podman >"$dir/root.ok"
}

# podman5_config WORK PLUGIN_BIN: what podman in the root uses, all under
# WORK: WORK/plugins/hostnic is PLUGIN_BIN (built on this host; when it is
# linked dynamically, a wrapper runs it with this host's libraries, copied
# to WORK/lib), WORK/bb a busybox root for
# `podman run --rootfs`, WORK/containers.conf (cgroupfs, file events,
# netavark with WORK/plugins, no firewall driver, networks in
# WORK/networks) and WORK/storage.conf (vfs).
podman5_config() {
  local work=$1 bin=$2 ld a
  mkdir -p "$work/lib" "$work/plugins" "$work/bb/bin" "$work/networks"
  ld=$(ldd "$bin" 2>/dev/null | awk '$1 ~ /ld-linux/ {print $1}')
  if [ -z "$ld" ]; then
    cp "$bin" "$work/plugins/hostnic"   # static: runs in the root as it is
  else
    cp "$bin" "$work/lib/hostnic-cni"
    ldd "$bin" | awk '$3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | xargs -r cp -L -t "$work/lib"
    printf '#!/bin/sh\nexec %s/lib/%s --library-path %s/lib %s/lib/hostnic-cni "$@"\n' \
      "$work" "$(basename "$ld")" "$work" "$work" >"$work/plugins/hostnic"
    chmod +x "$work/plugins/hostnic"
  fi
  cp "$(command -v busybox)" "$work/bb/bin/busybox"
  for a in sh ip ping ping6 sleep cat true; do ln -sf busybox "$work/bb/bin/$a"; done
  cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nproc=1024:1024", "nofile=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
netavark_plugin_dirs = ["$work/plugins"]
firewall_driver = "none"
network_config_dir = "$work/networks"
CONF
  printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' \
    >"$work/storage.conf"
}

# podman5_enter ROOT WORK: a process whose root is ROOT, in a new mount
# namespace: ROOT bind-mounted onto itself and made the namespace's root
# with pivot_root (with chroot, `podman exec` would land in the host's
# root: joining a mount namespace starts at its root mount), the host's
# root detached, /dev and /sys bound, a fresh /proc, tmpfs on
# /run, /tmp and /var/lib/containers (the cached root keeps no state), WORK
# at its own path. /run/netns is the host's, and its peer (it is a shared
# mount, made by `ip netns`: create a namespace first), so the namespaces
# podman makes are the host's too and the daemon, outside, opens the path
# podman passes. Only the mount holding ROOT is made private, so nothing
# else mounted here reaches the host.
podman5_enter() {
  local root=$1 work=$2
  [ "$(findmnt -no PROPAGATION /run/netns)" = shared ] || {
    echo "/run/netns is not a shared mount (ip netns add makes it one)" >&2; return 1; }
  rm -f "$work/podman5.pid"
  # shellcheck disable=SC2016  # expanded by the inner bash
  unshare --mount --propagation unchanged --fork bash -c '
    set -e
    root=$1 work=$2
    mount --make-private "$(findmnt -no TARGET -T "$root")"
    mount --bind "$root" "$root" && mount --make-private "$root"
    mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
    mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
    # crun refuses a hybrid hierarchy: inside, cgroup v1 alone.
    ! mountpoint -q "$root/sys/fs/cgroup/unified" || umount "$root/sys/fs/cgroup/unified"
    mount -t proc proc "$root/proc"
    for d in run tmp var/lib/containers; do mkdir -p "$root/$d"; mount -t tmpfs tmpfs "$root/$d"; done
    mkdir -p "$root/run/netns" "$root$work"
    mount --bind /run/netns "$root/run/netns"
    mount --bind "$work" "$root$work"
    cd "$root" && mkdir -p .host && pivot_root . .host && cd /
    # Private first: unmounting the old /run/netns, a peer of the host'"'"'s,
    # would unmount every namespace there on the host too.
    mount --make-rprivate /.host && umount -l /.host
    echo $$ >"$work/podman5.pid"
    exec sleep infinity' _ "$root" "$work" </dev/null >"$work/podman5-enter.log" 2>&1 &
  disown $!
  local _
  for _ in $(seq 100); do
    [ -s "$work/podman5.pid" ] && break
    kill -0 $! 2>/dev/null || break
    sleep 0.1
  done
  PODMAN5_PID=$(cat "$work/podman5.pid" 2>/dev/null) ||
    { echo "entering $root failed: $(cat "$work/podman5-enter.log")" >&2; return 1; }
  PODMAN5_WORK=$work
}

# podman5 ARG...: podman in the root, with the configuration of WORK
# (containers.conf, storage.conf written by the caller).
podman5() {
  nsenter -t "$PODMAN5_PID" -m -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
    CONTAINERS_CONF="$PODMAN5_WORK/containers.conf" \
    CONTAINERS_STORAGE_CONF="$PODMAN5_WORK/storage.conf" podman "$@"
}

# podman5_leave: stops every process of the root's mount namespace (the
# holder, conmon and what podman left), by PID; its mounts go with it.
podman5_leave() {
  [ -n "${PODMAN5_PID:-}" ] || return 0
  local ns p
  ns=$(readlink "/proc/$PODMAN5_PID/ns/mnt") || { PODMAN5_PID=; return 0; }
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  PODMAN5_PID=
}
