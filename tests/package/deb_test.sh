#!/usr/bin/env bash
# The host install as a user gets it: the Debian package cpack makes.
#
#   sudo tests/package/deb_test.sh [BUILD_DIR]     # default: build/
#
# Builds build/hostnic_VERSION_ARCH.deb (cpack, from the built tree), installs
# it with dpkg, checks its files (the CNI plugin link answers VERSION too),
# `systemd-analyze verify`s its units, serves a request through socket
# activation (systemd-socket-activate hands hostnic its listening socket as
# hostnic.socket would; in a private network namespace, so no NIC of the
# machine is seen), removes the package (the state directory stays) and
# purges it (the state directory goes).
# Prints PASS/FAIL/SKIP lines; exits 1 if a check failed. When a hostnic
# package is already installed here it touches nothing, prints SKIP and
# exits 77.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd) || { echo "FAIL package: no build dir ${1:-$ROOT/build}"; exit 1; }
STATE=/var/lib/hostnic
UNITS=/usr/lib/systemd/system
failed=0

pass() { echo "PASS package: $*"; }
fail() { echo "FAIL package: $*"; failed=1; }
skip() { echo "SKIP package: $*"; }
installed() { dpkg-query -W -f='${Status}' hostnic 2>/dev/null | grep -q 'ok installed'; }

[ "$(id -u)" = 0 ] || { echo "FAIL package: must run as root (dpkg -i)"; exit 1; }
if installed; then
  source "$ROOT/scripts/common.sh"
  suite_skip package "a hostnic package is already installed on this machine; not replacing it"
fi

WORK=$(mktemp -d /tmp/hostnic-deb.XXXXXX)
act_pid=""
cleanup() {
  [ -n "$act_pid" ] && kill "$act_pid" 2>/dev/null
  if installed; then dpkg -r hostnic >/dev/null 2>&1; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. the package
rm -f "$BUILD"/hostnic_*.deb
if ! (cd "$BUILD" && cpack -G DEB) >"$WORK/cpack.log" 2>&1; then
  tail -n 20 "$WORK/cpack.log"; fail "cpack failed"; exit 1
fi
deb=$(ls "$BUILD"/hostnic_*.deb)
pass "cpack made $(basename "$deb") ($(dpkg-deb -f "$deb" Depends | tr -d '\n' | cut -c1-80)...)"

# 2. install
state_before=absent
[ -e "$STATE" ] && state_before=present
if ! dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1; then
  cat "$WORK/dpkg.log"; fail "dpkg -i $(basename "$deb") failed"; exit 1
fi
version=$(dpkg-deb -f "$deb" Version)
missing=""
for f in /usr/bin/hostnic "$UNITS/hostnic.service" "$UNITS/hostnic.socket" /etc/default/hostnic \
         /usr/share/doc/hostnic/README.md; do
  [ -e "$f" ] || missing+=" $f"
done
[ -z "$missing" ] && pass "dpkg -i installed the daemon, both units, /etc/default/hostnic, the docs" ||
  fail "missing after dpkg -i:$missing"
# The CNI plugin where podman and containernetworking-plugins look: the
# thin plugin executable of its own (no HTTP server, no TLS library); the
# runtime runs it with CNI_COMMAND set and the configuration on stdin.
if [ -f /usr/lib/cni/hostnic ] && [ ! -L /usr/lib/cni/hostnic ] && [ -x /usr/lib/cni/hostnic ]; then
  pass "the CNI plugin /usr/lib/cni/hostnic is an executable of its own"
else
  fail "/usr/lib/cni/hostnic: $(ls -l /usr/lib/cni/hostnic 2>&1), expected the hostnic-cni executable"
fi
libs=$(ldd /usr/lib/cni/hostnic 2>&1)
if grep -qE 'libcrypto|libssl|libsystemd' <<<"$libs"; then
  fail "/usr/lib/cni/hostnic links what only the daemon needs: $(grep -oE 'lib(crypto|ssl|systemd)[^ ]*' <<<"$libs" | tr '\n' ' ')"
else
  pass "/usr/lib/cni/hostnic links $(grep -c '=>' <<<"$libs") shared libraries, none of libcrypto, libssl, libsystemd"
fi
out=$(echo '{"cniVersion":"1.1.0"}' | env -i CNI_COMMAND=VERSION /usr/lib/cni/hostnic 2>&1)
grep -q '"supportedVersions"' <<<"$out" && grep -q '"1.1.0"' <<<"$out" &&
  pass "CNI_COMMAND=VERSION /usr/lib/cni/hostnic answers: $(tr -d ' \n' <<<"$out" | cut -c1-120)" ||
  fail "CNI_COMMAND=VERSION /usr/lib/cni/hostnic printed: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
# The netavark plugin where podman 5 looks (docs/podman.md): a link to the
# same executable, which speaks netavark's protocol when its first argument
# is a verb of it.
if [ "$(readlink -f /usr/libexec/netavark/hostnic)" = /usr/lib/cni/hostnic ]; then
  pass "the netavark plugin /usr/libexec/netavark/hostnic links to /usr/lib/cni/hostnic"
else
  fail "/usr/libexec/netavark/hostnic: $(ls -l /usr/libexec/netavark/hostnic 2>&1), expected a link to /usr/lib/cni/hostnic"
fi
out=$(env -i /usr/libexec/netavark/hostnic info 2>&1)
grep -q '"api_version":"1.0.0"' <<<"$out" &&
  pass "/usr/libexec/netavark/hostnic info answers: $(cut -c1-120 <<<"$out")" ||
  fail "/usr/libexec/netavark/hostnic info printed: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
[ "$(/usr/bin/hostnic --version)" = "hostnic $version" ] && pass "hostnic --version says $version" ||
  fail "/usr/bin/hostnic --version says '$(/usr/bin/hostnic --version)', expected 'hostnic $version'"
# man hostnic: the page help2man made from --help, with the sections a man
# page has beyond the options.
MAN=/usr/share/man/man8/hostnic.8.gz
if [ -f "$MAN" ]; then
  page=$(zcat "$MAN" | sed 's/\\-/-/g')
  lacks=""
  for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT FILES EXAMPLES; do
    grep -qx "\.SH $s" <<<"$page" || lacks+=" section $s"
  done
  for o in $(/usr/bin/hostnic --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$o" <<<"$page" || lacks+=" $o"
  done
  [ -z "$lacks" ] && pass "man page $MAN: NAME to EXAMPLES and every option of --help" ||
    fail "man page $MAN lacks:$lacks"
else
  fail "no man page $MAN (was help2man installed when the package was built?)"
fi
[ -L /etc/systemd/system/sockets.target.wants/hostnic.socket ] && pass "postinst enabled hostnic.socket" ||
  fail "hostnic.socket is not enabled (no /etc/systemd/system/sockets.target.wants/hostnic.socket)"
grep -qx 'ListenStream=/run/docker/plugins/hostnic.sock' "$UNITS/hostnic.socket" &&
  grep -qx 'Before=docker.service' "$UNITS/hostnic.socket" && pass "hostnic.socket listens on /run/docker/plugins/hostnic.sock, before docker.service" ||
  fail "hostnic.socket lacks ListenStream=/run/docker/plugins/hostnic.sock or Before=docker.service"
if out=$(systemd-analyze verify "$UNITS/hostnic.socket" "$UNITS/hostnic.service" 2>&1) && [ -z "$out" ]; then
  pass "systemd-analyze verify hostnic.socket hostnic.service: clean"
else
  fail "systemd-analyze verify: $(printf '%s' "$out" | tr '\n' ' ')"
fi

# 3. socket activation, as hostnic.socket does it (LISTEN_FDS=1, fd 3)
sock=$WORK/run/hostnic.sock
mkdir -p "$WORK/run"
unshare --net systemd-socket-activate -l "$sock" /usr/bin/hostnic --state-dir "$WORK/state" \
  --allow-nic 02:00:00:00:00:01 >"$WORK/activated.log" 2>&1 </dev/null &
act_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
reply=$(curl -sf --max-time 10 --unix-socket "$sock" -X POST -d '{}' http://hostnic/Plugin.Activate)
if grep -q NetworkDriver <<<"$reply" && grep -q "serving $sock" "$WORK/activated.log"; then
  pass "socket activation: hostnic served Plugin.Activate on the socket it was handed"
else
  fail "socket activation: reply '$reply'; log: $(tr '\n' ' ' <"$WORK/activated.log" | cut -c1-300)"
fi
kill "$act_pid" 2>/dev/null; wait "$act_pid" 2>/dev/null; act_pid=""
[ -S "$sock" ] && pass "the handed socket's file is left to its owner on SIGTERM" ||
  fail "hostnic removed the socket file systemd owns"
out=$(unshare --net systemd-socket-activate -l "$WORK/run/other.sock" /usr/bin/hostnic \
      --socket /run/docker/plugins/elsewhere.sock --state-dir "$WORK/state" 2>&1 </dev/null &
      pid=$!; for _ in $(seq 50); do [ -S "$WORK/run/other.sock" ] && break; sleep 0.1; done
      curl -s --max-time 5 --unix-socket "$WORK/run/other.sock" http://x/ >/dev/null 2>&1
      wait "$pid"; echo "exit $?")
grep -q "drop --socket or change ListenStream=" <<<"$out" && grep -q "exit 1" <<<"$out" &&
  pass "a --socket that differs from the handed socket is refused with a clear error" ||
  fail "--socket mismatch under socket activation: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"

# 4. remove keeps the state, purge removes it
if [ "$state_before" = absent ]; then
  mkdir -p "$STATE/networks" && echo '{}' >"$STATE/networks/deb-test.json"
fi
dpkg -r hostnic >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -r hostnic failed"; }
left=""
for f in /usr/bin/hostnic /usr/lib/cni/hostnic /usr/libexec/netavark/hostnic \
         "$UNITS/hostnic.service" "$UNITS/hostnic.socket" \
         /usr/share/doc/hostnic /usr/share/man/man8/hostnic.8.gz; do
  [ -e "$f" ] || [ -L "$f" ] && left+=" $f"
done
[ -z "$left" ] && pass "dpkg -r removed the daemon, the CNI plugin, the netavark link, units, docs and man page" || fail "left after dpkg -r:$left"
[ -d "$STATE" ] && pass "dpkg -r kept $STATE" || fail "dpkg -r removed $STATE"
if [ "$state_before" = present ]; then
  skip "purge: $STATE existed before this test (someone's state), so the package is left removed, not purged"
  exit "$failed"
fi
dpkg -P hostnic >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -P hostnic failed"; }
left=""
for f in "$STATE" /etc/default/hostnic /etc/systemd/system/sockets.target.wants/hostnic.socket \
         /etc/systemd/system/hostnic.socket /etc/systemd/system/hostnic.service; do
  [ -e "$f" ] || [ -L "$f" ] && left+=" $f"
done
dpkg-query -W hostnic >/dev/null 2>&1 && left+=" (dpkg still lists hostnic)"
[ -z "$left" ] && pass "dpkg -P removed $STATE, /etc/default/hostnic and the unit links" ||
  fail "left after dpkg -P:$left"
exit "$failed"
