# shellcheck shell=bash
# podman with its CNI backend, confined to a directory of the test's own
# (sourced by cni_podman_test.sh and cni_test.sh). The host's podman
# settings are neither read nor changed: a private containers.conf
# (CONTAINERS_CONF) and CNI config dir.

# podman_setup DIR HOSTNIC_BIN: writes DIR/containers.conf (CNI backend,
# plugins from DIR/bin, where HOSTNIC_BIN is linked as the CNI plugin
# "hostnic", then /usr/lib/cni for the reference plugins), exports
# CONTAINERS_CONF and sets PODMAN (the command, with DIR/net.d as its
# network config dir: put conflists there) and PODMAN_RUN (`run` with the
# ulimits podman's defaults need under this machine's hard limits). The
# caller checks that podman is there (and skips without it).
podman_setup() {
  local dir=$1 bin=$2
  mkdir -p "$dir/bin" "$dir/net.d"
  ln -sf "$bin" "$dir/bin/hostnic"
  export CONTAINERS_CONF=$dir/containers.conf
  cat >"$CONTAINERS_CONF" <<CONF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$dir/bin", "/usr/lib/cni"]
network_config_dir = "$dir/net.d"
CONF
  PODMAN=(podman --network-config-dir "$dir/net.d")
  PODMAN_RUN=(run --ulimit nproc=1024:1024 --ulimit nofile=1024:1024)
}

# The busybox image both suites run (imported from busybox-static once, kept).
PODMAN_IMAGE=hostnic-cni-e2e/bb:local

# podman_image WORKDIR: imports $PODMAN_IMAGE unless podman has it.
podman_image() {
  "${PODMAN[@]}" image exists "$PODMAN_IMAGE" && return 0
  local rootfs=$1/rootfs a
  mkdir -p "$rootfs/bin"
  cp /bin/busybox "$rootfs/bin/"
  for a in sh ip ping sleep cat; do ln -sf busybox "$rootfs/bin/$a"; done
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import - "$PODMAN_IMAGE" >/dev/null
}
