# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).
# Debian bookworm, run as root. Everything here is idempotent.

HOSTNIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What it takes to build build/hostnic and its unit/integration tests.
# make: cmake only *recommends* it, so a minimal machine may lack it.
# clang and libbpf-dev: the metadata guard's XDP program (src/guard/).
HOSTNIC_BUILD_DEPS=(cmake make g++ pkg-config libcpp-httplib-dev nlohmann-json3-dev
                    libnl-3-dev libnl-route-3-dev libspdlog-dev libcli11-dev
                    googletest libgtest-dev libgmock-dev libsystemd-dev help2man
                    clang libbpf-dev)
# What the end-to-end tests need on top: a real Docker engine, a static
# busybox for the test image, ip(8) for the stand-in NICs, dnsmasq for the
# cloud's DHCP server, docker-registry for the managed plugin's registry flow,
# containernetworking-plugins for the CNI tests' IPAM plugins and host-device,
# podman (its CNI backend) for the CNI end-to-end tests, python3-yaml to
# check docs/kubernetes.md's manifests, containerd (its CRI plugin) and
# python3-grpcio with python3-grpc-tools for the CRI client of
# tests/e2e/cri_test.sh, jq and debian-archive-keyring (trixie's netavark
# is fetched with it) for tests/e2e/netavark_test.sh.
HOSTNIC_TEST_DEPS=(docker.io busybox-static iproute2 curl util-linux dnsmasq-base docker-registry
                   containernetworking-plugins podman python3-yaml
                   containerd runc python3-grpcio python3-grpc-tools jq debian-archive-keyring
                   clang-14 libclang-rt-14-dev llvm-14)

say() { printf '[hostnic] %s\n' "$*" >&2; }
die() { printf '[hostnic] error: %s\n' "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" -eq 0 ] ||
    die "this needs root (it installs packages and manages network devices); run it with sudo"
}

# ensure_packages PKG...: installs the ones that are not installed yet, quietly.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
  say "installing ${missing[*]} (apt-get, this happens once)"
  local log
  log=$(mktemp /tmp/hostnic-apt.XXXXXX)
  if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    die "apt-get update failed (see above): check the machine's apt sources and network"
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2; rm -f "$log"
    die "apt-get install ${missing[*]} failed (see above)"
  fi
  rm -f "$log"
  say "installed ${missing[*]}"
}

# build_hostnic [TARGET...]: configures and builds a Release tree in build/.
# Output is kept in build/build.log and shown only when something fails.
build_hostnic() {
  local build="$HOSTNIC_ROOT/build" jobs log args=()
  jobs=$(nproc 2>/dev/null || echo 2)
  mkdir -p "$build"
  log="$build/build.log"
  for t in "$@"; do args+=(--target "$t"); done
  say "building hostnic (Release) in build/ ..."
  if ! { cmake -S "$HOSTNIC_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOSTNIC_BUILD_TESTS=ON &&
         cmake --build "$build" -j "$jobs" "${args[@]}"; } >"$log" 2>&1; then
    grep -E -m 40 -i 'error|fatal|undefined reference' "$log" >&2 || tail -n 40 "$log" >&2
    die "build failed; full output in build/build.log"
  fi
  [ -x "$build/hostnic" ] || die "build finished but build/hostnic is missing; see build/build.log"
  say "built build/hostnic"
}
