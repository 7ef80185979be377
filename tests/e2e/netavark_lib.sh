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
