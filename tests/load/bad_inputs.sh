#!/usr/bin/env bash
# Sends malformed and hostile requests to a running hostnic daemon and prints
# docs/bad-inputs.md (a markdown table of each request and the exact answer).
# As root:
#
#     tests/load/bad_inputs.sh > docs/bad-inputs.md
#
# It re-runs itself in a private network namespace (unshare -n), creates a few
# veth NICs there (hb0, hb1 free; hbdef carrying the namespace's default
# route), starts build/hostnic (HOSTNIC_BIN=... for another binary) on its own
# socket and state dir, and talks to it with curl --unix-socket. Nothing
# outside the namespace and a temporary directory is touched. Exits non-zero
# if the daemon died or a check at the end failed (the document says which).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOSTNIC_BIN=${HOSTNIC_BIN:-$ROOT/build/hostnic}
if [ "$(id -u)" -ne 0 ]; then echo "needs root" >&2; exit 77; fi
if [ -z "${HB_IN_NETNS:-}" ]; then
  HB_IN_NETNS=1 HOSTNIC_BIN=$HOSTNIC_BIN exec unshare -n "$0" "$@"
fi
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }
[ -x "$HOSTNIC_BIN" ] || { echo "no $HOSTNIC_BIN: build first" >&2; exit 2; }

WORK=$(mktemp -d /tmp/hostnic-bad-inputs.XXXXXX)
SOCK=$WORK/hostnic-bad.sock
STATE=$WORK/state
LOG=$WORK/hostnic.log
DPID=
cleanup() {
  [ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
  rm -rf "$WORK"
}
trap cleanup EXIT

# ------------------------------------------------------------------ setup
ip link set lo up
mk() {  # NAME MAC
  ip link add "$1" type veth peer name "${1}p"
  ip link set "$1" address "$2"
}
mk hb0 52:54:0e:bb:00:00
mk hb1 52:54:0e:bb:00:01
mk hbdef 52:54:0e:bb:00:0d
ip link set hbdef up; ip link set hbdefp up
ip addr add 10.200.0.2/24 dev hbdef
ip route add default via 10.200.0.1 dev hbdef

"$HOSTNIC_BIN" --socket "$SOCK" --state-dir "$STATE" --log-level info \
  --allow-nic 52:54:0e:bb:00:00 --allow-nic 52:54:0e:bb:00:01 \
  --allow-nic 52:54:0e:bb:00:0d --allow-nic lo >"$LOG" 2>&1 &
DPID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "daemon did not start:" >&2; cat "$LOG" >&2; exit 1; }
VERSION=$("$HOSTNIC_BIN" --version 2>/dev/null | head -n1)

# ----------------------------------------------------------------- probing
ROWS=()
N=0
DIED=
md() {  # escapes text for a markdown table cell
  local s=$1
  s=${s//\\/\\\\}
  s=${s//|/\\|}
  s=${s//$'\n'/ }
  s=${s//$'\r'/ }
  s=${s//\`/\'}
  printf '%s' "$s"
}
short() {  # TEXT MAX: TEXT cut to MAX characters, with the total length
  local s=$1 max=$2
  if [ "${#s}" -gt "$max" ]; then
    printf '%s… (%d bytes)' "${s:0:$max}" "${#s}"
  else
    printf '%s' "$s"
  fi
}

# probe WHAT METHOD PATH [BODY|@FILE] [CURL ARGS...]: one request; records a row.
probe() {
  local what=$1 method=$2 path=$3 body=${4-} sent code answer
  shift 4 2>/dev/null || shift $#
  # No Content-Type, as Docker sends none (curl would say form-urlencoded).
  local args=(-sS --max-time 20 --unix-socket "$SOCK" -X "$method" -H 'Content-Type:'
              -o "$WORK/answer" -w '%{http_code}')
  if [ -n "$body" ]; then
    if [ "${body:0:1}" = @ ]; then
      args+=(--data-binary "$body")
      sent="$(short "$(head -c 120 "${body:1}" | tr -d '\0')" 60)… ($(stat -c %s "${body:1}") bytes)"
    else
      args+=(--data-binary "$body")
      sent=$(short "$body" 160)
    fi
  else
    sent="(no body)"
  fi
  rm -f "$WORK/answer"
  code=$(curl "${args[@]}" "$@" "http://hostnic$path" 2>"$WORK/curl.err") ||
    code="curl: $(tr '\n' ' ' <"$WORK/curl.err")"
  answer=$(head -c 2000 "$WORK/answer" 2>/dev/null | tr -d '\0' | iconv -c -f UTF-8 -t UTF-8)
  sent=$(printf '%s' "$sent" | iconv -c -f UTF-8 -t UTF-8)
  [ -n "$answer" ] || answer="(empty)"
  N=$((N + 1))
  ROWS+=("| $N | $(md "$what") | \`$method $(md "$(short "$path" 60)")\` \`$(md "$sent")\` | $(md "$code") | \`$(md "$(short "$answer" 400)")\` |")
  if ! kill -0 "$DPID" 2>/dev/null; then
    DIED+="after request $N ($what); "
    ROWS+=("| | **the daemon died here** | | | |")
  fi
}

P() {  # shorthand: POST /NetworkDriver.METHOD BODY
  local what=$1 method=$2 body=$3
  probe "$what" POST "/NetworkDriver.$method" "$body"
}

NET='"IPv4Data":[{"AddressSpace":"LocalDefault","Pool":"192.168.1.0/24","Gateway":"192.168.1.1/24"}],"IPv6Data":[]'
NETOK='{"NetworkID":"good","Options":{"com.docker.network.generic":{}},'$NET'}'
EPOK='{"NetworkID":"good","EndpointID":"ep1","Interface":{"Address":"192.168.1.5/24","MacAddress":"52:54:0e:bb:00:00"},"Options":{}}'
ep() {  # ENDPOINT_ID EXTRA_INTERFACE_JSON [OPTIONS_JSON] [NETWORK]
  printf '{"NetworkID":"%s","EndpointID":"%s","Interface":{"Address":"192.168.1.9/24"%s},"Options":%s}' \
    "${4:-good}" "$1" "$2" "${3:-{\}}"
}
IPV4_2='[{"Pool":"192.168.2.0/24","Gateway":"192.168.2.1/24"}]'
netw() {  # NETWORK_ID GENERIC_OPTIONS_JSON [IPV4DATA]
  local ipv4=${3:-$IPV4_2}
  printf '{"NetworkID":"%s","Options":{"com.docker.network.generic":%s},"IPv4Data":%s,"IPv6Data":[]}' \
    "$1" "$2" "$ipv4"
}

# Set-up requests (a valid network and endpoint), listed too.
P "valid CreateNetwork (set-up for what follows)" CreateNetwork "$NETOK"
P "valid CreateEndpoint holding hb0 (set-up)" CreateEndpoint "$EPOK"

# Malformed bodies.
P "invalid JSON (truncated)" CreateNetwork '{"NetworkID": "n1",'
P "invalid JSON (trailing garbage)" CreateNetwork '{"NetworkID":"n1"} xyz'
P "JSON array, not an object" CreateNetwork '[1,2,3]'
P "JSON string, not an object" CreateEndpoint '"hello"'
P "JSON null" DeleteNetwork 'null'
probe "empty body" POST /NetworkDriver.CreateNetwork ""
P "whitespace-only body" CreateNetwork '   '
P "body with a NUL byte inside a string" CreateNetwork $'{"NetworkID":"a\\u0000b"}'
P "invalid UTF-8 in an ID (bytes 0xff 0xfe, not shown)" CreateNetwork $'{"NetworkID":"n\xff\xfe"}'
P "duplicate keys (last one wins in JSON parsers)" CreateNetwork '{"NetworkID":"../x","NetworkID":"dupkey"}'
printf '%*s' 500000 '' | tr ' ' '[' >"$WORK/nested"
probe "500 000 nested arrays (stack-depth attack, < 1 MiB)" POST /NetworkDriver.CreateNetwork "@$WORK/nested"
{ printf '{"NetworkID":"deep","x":'; printf '%*s' 300000 '' | tr ' ' '['; printf '%*s' 300000 '' | tr ' ' ']'; printf '}'; } >"$WORK/nested2"
probe "300 000 nested arrays, well-formed, in an unknown field" POST /NetworkDriver.CreateNetwork "@$WORK/nested2"

# Wrong types.
P "NetworkID is a number" CreateNetwork '{"NetworkID":42}'
P "NetworkID is an object" DeleteNetwork '{"NetworkID":{"a":1}}'
P "EndpointID is an array" Join '{"NetworkID":"good","EndpointID":["ep1"]}'
P "Options is a string" CreateNetwork '{"NetworkID":"n1","Options":"hostnic.mtu=1400"}'
P "generic options is an array" CreateNetwork '{"NetworkID":"n1","Options":{"com.docker.network.generic":["a"]}}'
P "option value is an object" CreateNetwork "$(netw n1 '{"hostnic.mtu":{"v":1400}}')"
P "option value is a number (accepted as text)" CreateNetwork "$(netw numopt '{"hostnic.mtu":1400}')"
P "IPv4Data is an object" CreateNetwork '{"NetworkID":"n1","IPv4Data":{"Pool":"10.0.0.0/8"}}'
P "IPv4Data entry is a string" CreateNetwork '{"NetworkID":"n1","IPv4Data":["10.0.0.0/8"]}'
P "Interface is a string" CreateEndpoint '{"NetworkID":"good","EndpointID":"e2","Interface":"eth0"}'
P "Interface.MacAddress is a number" CreateEndpoint "$(ep e2 ',"MacAddress":525400')"
P "Interface.Address is a boolean" CreateEndpoint '{"NetworkID":"good","EndpointID":"e2","Interface":{"Address":true}}'
P "SandboxKey is a number" Join '{"NetworkID":"good","EndpointID":"ep1","SandboxKey":7}'

# Missing IDs.
P "CreateNetwork without NetworkID" CreateNetwork "{$NET}"
P "CreateNetwork with NetworkID \"\"" CreateNetwork '{"NetworkID":""}'
P "CreateEndpoint without EndpointID" CreateEndpoint '{"NetworkID":"good","Interface":{}}'
P "CreateEndpoint without NetworkID" CreateEndpoint '{"EndpointID":"e2","Interface":{}}'
P "Join with {}" Join '{}'
P "Leave with {}" Leave '{}'
P "DeleteEndpoint with {}" DeleteEndpoint '{}'
P "DeleteNetwork with {}" DeleteNetwork '{}'
P "EndpointOperInfo with {}" EndpointOperInfo '{}'

# Hostile IDs.
P "path traversal NetworkID ../../etc" CreateNetwork "$(netw ../../etc '{}')"
P "path traversal EndpointID ../../../tmp/pwned" CreateEndpoint "$(ep ../../../tmp/pwned '')"
P "EndpointID with a slash" CreateEndpoint "$(ep a/b '')"
P "NetworkID ." CreateNetwork "$(netw . '{}')"
P "NetworkID .." DeleteNetwork '{"NetworkID":".."}'
P "EndpointID .tmp-x (the store's temp-file prefix)" CreateEndpoint "$(ep .tmp-x '')"
P "EndpointID with a newline (log injection)" CreateEndpoint "$(ep 'a\nwarning forged log line' '')"
P "NetworkID with shell metacharacters" CreateNetwork "$(netw '$(reboot);x' '{}')"
P "NetworkID of 129 characters" CreateNetwork "$(netw "$(printf 'a%.0s' $(seq 129))" '{}')"
netw "$(printf '%*s' 900000 '' | tr ' ' a)" '{}' >"$WORK/longid"
probe "NetworkID of 900 000 characters" POST /NetworkDriver.CreateNetwork "@$WORK/longid"

# Size.
head -c $((3 * 1024 * 1024 / 2)) /dev/zero | tr '\0' ' ' >"$WORK/big"
printf '{"NetworkID":"big"}' >>"$WORK/big"
probe "1.5 MiB body (JSON padded with spaces)" POST /NetworkDriver.CreateNetwork "@$WORK/big"
head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$WORK/huge"
probe "64 MiB body" POST /NetworkDriver.CreateNetwork "@$WORK/huge"
probe "1.5 MiB body sent chunked (no Content-Length)" POST /NetworkDriver.CreateNetwork "@$WORK/big" -H 'Transfer-Encoding: chunked'
probe "Content-Length larger than the body sent (answered at the 5 s request timeout)" POST /NetworkDriver.CreateNetwork '{"NetworkID":"cl"}' -H 'Content-Length: 5000' --max-time 10
probe "Content-Length: 10 GiB" POST /NetworkDriver.CreateNetwork '{}' -H 'Content-Length: 10737418240' --max-time 3
{ printf '{"NetworkID":"form"'; printf '%*s' 10000 ''; printf '}'; } >"$WORK/form"
probe "10 KB body with Content-Type: application/x-www-form-urlencoded (curl's default)" \
  POST /NetworkDriver.DeleteNetwork "@$WORK/form" -H 'Content-Type: application/x-www-form-urlencoded'
printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.json"\r\n\r\n{"NetworkID":"mp"}\r\n--XyZ--\r\n' >"$WORK/mp"
probe "multipart/form-data upload" POST /NetworkDriver.CreateNetwork "@$WORK/mp" \
  -H 'Content-Type: multipart/form-data; boundary=XyZ'
probe "URL path of 100 000 characters" POST "/NetworkDriver.$(printf '%*s' 100000 '' | tr ' ' A)" '{}'

# Methods and paths.
P "unknown method NetworkDriver.Frobnicate" Frobnicate '{}'
probe "unknown plugin API path /VolumeDriver.Create" POST /VolumeDriver.Create '{"Name":"v"}'
probe "path traversal in the URL" POST /NetworkDriver.CreateNetwork/../../etc/passwd '{}'
probe "GET on a POST path" GET /NetworkDriver.CreateNetwork ""
probe "GET /Plugin.Activate" GET /Plugin.Activate ""
probe "PUT on a POST path" PUT /NetworkDriver.CreateNetwork "$NETOK"
probe "DELETE on a POST path" DELETE /NetworkDriver.DeleteNetwork '{"NetworkID":"good"}'
probe "POST /status" POST /status '{}'
probe "GET /" GET / ""
probe "HEAD /status" HEAD /status "" -I

# Bad MACs and NIC choices.
P "Interface.Address that is not an address" CreateEndpoint "$(printf '{"NetworkID":"good","EndpointID":"e6","Interface":{"Address":"not-an-ip","MacAddress":"52:54:0e:bb:00:01"}}')"
P "Interface.AddressIPv6 that is not an address" CreateEndpoint "$(printf '{"NetworkID":"good","EndpointID":"e7","Interface":{"Address":"192.168.1.9/24","AddressIPv6":"zz::1/64","MacAddress":"52:54:0e:bb:00:01"}}')"
P "(clean-up) DeleteEndpoint e6" DeleteEndpoint '{"NetworkID":"good","EndpointID":"e6"}'
P "(clean-up) DeleteEndpoint e7" DeleteEndpoint '{"NetworkID":"good","EndpointID":"e7"}'
P "MAC that is not hex" CreateEndpoint "$(ep e3 ',"MacAddress":"zz:zz:zz:zz:zz:zz"')"
P "MAC with 5 bytes" CreateEndpoint "$(ep e3 ',"MacAddress":"52:54:0e:bb:00"')"
P "MAC with 7 bytes" CreateEndpoint "$(ep e3 ',"MacAddress":"52:54:0e:bb:00:01:02"')"
P "MAC in upper case with dashes (valid spelling)" CreateEndpoint "$(ep e3 ',"MacAddress":"52-54-0E-BB-00-01"')"
P "the same endpoint again (Docker retry), same NIC" CreateEndpoint "$(ep e3 ',"MacAddress":"52:54:0e:bb:00:01"')"
P "MAC of no device" CreateEndpoint "$(ep e4 ',"MacAddress":"52:54:0e:bb:00:99"')"
P "broadcast MAC" CreateEndpoint "$(ep e4 ',"MacAddress":"ff:ff:ff:ff:ff:ff"')"
P "all-zero MAC (loopback's)" CreateEndpoint "$(ep e4 ',"MacAddress":"00:00:00:00:00:00"')"
P "loopback by name (hostnic.nic=lo)" CreateEndpoint "$(ep e4 '' '{"hostnic.nic":"lo"}')"
P "the default-route NIC by name (hostnic.nic=hbdef)" CreateEndpoint "$(ep e4 '' '{"hostnic.nic":"hbdef"}')"
P "the default-route NIC by MAC" CreateEndpoint "$(ep e4 ',"MacAddress":"52:54:0e:bb:00:0d"')"
P "a NIC outside --allow-nic (hb0's peer hb0p)" CreateEndpoint "$(ep e4 '' '{"hostnic.nic":"hb0p"}')"
P "hostnic.nic naming a NIC by path (../hb1)" CreateEndpoint "$(ep e4 '' '{"hostnic.nic":"../hb1"}')"
P "hostnic.nic contradicting --mac-address" CreateEndpoint "$(ep e4 ',"MacAddress":"52:54:0e:bb:00:00"' '{"hostnic.nic":"hb1"}')"
P "the NIC another endpoint holds (hb0, held by ep1)" CreateEndpoint "$(ep e4 ',"MacAddress":"52:54:0e:bb:00:00"')"
P "pool pick when every NIC is held" CreateEndpoint "$(ep e4 '')"
P "duplicate EndpointID ep1 with another NIC" CreateEndpoint "$(ep ep1 ',"MacAddress":"52:54:0e:bb:00:01"')"
P "unknown endpoint option hostnic.colour" CreateEndpoint "$(ep e5 '' '{"hostnic.colour":"blue"}')"
P "endpoint on an unknown network" CreateEndpoint "$(ep e5 ',"MacAddress":"52:54:0e:bb:00:01"' '{}' nosuchnet)"

# Bad network definitions.
P "Pool that is not a CIDR (300.1.1.0/24)" CreateNetwork "$(netw bad1 '{}' '[{"Pool":"300.1.1.0/24","Gateway":"300.1.1.1/24"}]')"
P "prefix length /33" CreateNetwork "$(netw bad2 '{}' '[{"Pool":"10.0.0.0/33","Gateway":"10.0.0.1/33"}]')"
P "Gateway that is not an address" CreateNetwork "$(netw bad3 '{}' '[{"Pool":"10.0.0.0/24","Gateway":"gw"}]')"
P "Gateway outside the Pool" CreateNetwork "$(netw bad4 '{}' '[{"Pool":"10.0.0.0/24","Gateway":"10.9.9.1/24"}]')"
P "IPv6 pool in IPv4Data" CreateNetwork "$(netw bad5 '{}' '[{"Pool":"fd00::/64","Gateway":"fd00::1/64"}]')"
P "no IPv4Data at all" CreateNetwork '{"NetworkID":"noipam","Options":{}}'
P "unknown network option hostnic.colour" CreateNetwork "$(netw bad6 '{"hostnic.colour":"blue"}')"
P "hostnic.mtu=10 (too small)" CreateNetwork "$(netw bad7 '{"hostnic.mtu":"10"}')"
P "hostnic.mtu=abc" CreateNetwork "$(netw bad8 '{"hostnic.mtu":"abc"}')"
P "hostnic.mtu=99999999999999999999" CreateNetwork "$(netw bad9 '{"hostnic.mtu":"99999999999999999999"}')"
P "hostnic.wait=-1" CreateNetwork "$(netw bad10 '{"hostnic.wait":"-1"}')"
P "hostnic.wait=1e9" CreateNetwork "$(netw bad11 '{"hostnic.wait":"1e9"}')"
P "hostnic.routes=garbage" CreateNetwork "$(netw bad12 '{"hostnic.routes":"garbage@@"}')"
P "hostnic.routes with a bad next hop" CreateNetwork "$(netw bad13 '{"hostnic.routes":"10.0.0.0/8@1.2.3"}')"
P "hostnic.nics naming the loopback (accepted; refused when used)" CreateNetwork "$(netw n3 '{"hostnic.nics":"lo"}')"
P "pool pick on that network (its pool is only lo)" CreateEndpoint "$(ep e8 '' '{}' n3)"
P "hostnic.nics empty" CreateNetwork "$(netw bad14 '{"hostnic.nics":""}')"
P "CreateNetwork with an existing NetworkID" CreateNetwork "$(netw good '{"hostnic.mtu":"1400"}' '[{"Pool":"10.1.0.0/24","Gateway":"10.1.0.1/24"}]')"

# Lifecycle misuse.
P "Join for an unknown endpoint" Join '{"NetworkID":"good","EndpointID":"nosuchep","SandboxKey":"/var/run/docker/netns/x"}'
P "Join with the wrong NetworkID" Join '{"NetworkID":"numopt","EndpointID":"ep1","SandboxKey":"/x"}'
P "Join with a hostile SandboxKey (accepted: only recorded)" Join '{"NetworkID":"good","EndpointID":"ep1","SandboxKey":"../../../proc/1/ns/net"}'
P "Leave for an unknown endpoint" Leave '{"NetworkID":"good","EndpointID":"nosuchep"}'
P "EndpointOperInfo for an unknown endpoint" EndpointOperInfo '{"NetworkID":"good","EndpointID":"nosuchep"}'
P "DeleteEndpoint for an unknown endpoint" DeleteEndpoint '{"NetworkID":"good","EndpointID":"nosuchep"}'
P "Leave with the wrong NetworkID" Leave '{"NetworkID":"numopt","EndpointID":"ep1"}'
P "DeleteEndpoint with the wrong NetworkID" DeleteEndpoint '{"NetworkID":"numopt","EndpointID":"ep1"}'
P "DeleteNetwork for an unknown network" DeleteNetwork '{"NetworkID":"nosuchnet"}'

# Whether the state held up: what the daemon holds now.
STATUS_AFTER=$(curl -s --unix-socket "$SOCK" http://hostnic/status)
P "DeleteNetwork good while endpoints hold hb0, hb1" DeleteNetwork '{"NetworkID":"good"}'

# ------------------------------------------------------------ after-checks
CHECKS=()
check() {  # DESCRIPTION COMMAND...
  if "${@:2}" >/dev/null 2>&1; then CHECKS+=("- ok: $1"); else CHECKS+=("- **FAILED**: $1"); FAILED=1; fi
}
FAILED=
check "the daemon is still running" kill -0 "$DPID"
check "it still answers Plugin.Activate" sh -c "curl -s --unix-socket '$SOCK' -X POST -d '{}' http://h/Plugin.Activate | grep -q NetworkDriver"
check "hb0 and hb1 are on the host under their own names, MTU 1500" sh -c \
  "ip -o link show hb0 | grep -q 'mtu 1500' && ip -o link show hb1 | grep -q 'mtu 1500'"
check "hbdef still carries the default route" sh -c "ip route show default | grep -q hbdef"
check "no file outside networks/, endpoints/, orphans/, leases/ in the state dir" sh -c \
  "[ -z \"\$(find '$STATE' -mindepth 1 -not -path '$STATE/networks*' -not -path '$STATE/endpoints*' -not -path '$STATE/orphans*' -not -path '$STATE/leases*')\" ]"
check "no file named pwned or etc anywhere under the work dir or /tmp" sh -c \
  "[ -z \"\$(find '$WORK' /tmp -maxdepth 3 \( -name 'pwned*' -o -name 'etc.json' \) 2>/dev/null)\" ]"
STATE_FILES=$(cd "$STATE" && find . -type f | sort | tr '\n' ' ')
HELD=$(printf '%s' "$STATUS_AFTER" | grep -E '"(name|state|endpoint)"' | tr -d ' ,"' | paste -d' ' - - - |
  awk '{print $2, $3, $1}' | sed 's/name://; s/state://; s/endpoint://' | awk '$1 ~ /^hb/ {print $1 "=" $2 ($3 != "" ? " (" $3 ")" : "")}' |
  tr '\n' ',' | sed 's/,$//; s/,/, /g')
WARNINGS=$(grep -c ' warning ' "$LOG")

# ------------------------------------------------------------------ output
cat <<EOF
# Bad inputs: what hostnic answers to malformed and hostile requests

Every row is a request actually sent to a running daemon
(\`${VERSION:-hostnic}\`) over its unix socket with \`curl --unix-socket\`,
in the order shown, and the exact answer it gave. Docker's remote-driver
protocol answers errors as HTTP 200 with \`{"Err": "..."}\`, so the
HTTP column is 200 for most refusals; the message in \`Err\` is what Docker
shows the user after \`Error response from daemon:\`.

Regenerate with (as root; the daemon runs in a private network namespace
with veth NICs \`hb0\`, \`hb1\` and \`hbdef\`, the latter carrying that
namespace's default route 10.200.0.0/24 via 10.200.0.1; \`--allow-nic\`
lists those three and \`lo\`):

    tests/load/bad_inputs.sh > docs/bad-inputs.md

The set-up rows create the network \`good\` (192.168.1.0/24) and the
endpoint \`ep1\` holding \`hb0\`; later rows rely on them. Long bodies and
answers are cut (the byte count is given). Requests carry no Content-Type,
as Docker's do. A request must arrive whole within 5 s of the connection
being accepted (or of its previous answer): a client still sending then
gets 408 and the connection is closed. A request over a limit (body 1 MiB,
request line 8 KiB, headers 64 KiB) is answered 413/414/431 as soon as
that is known, without waiting for the rest, and its connection closed.

| # | Request | Sent | HTTP | Answer |
|---|---|---|---|---|
EOF
printf '%s\n' "${ROWS[@]}"
cat <<EOF

## After all the requests
${DIED:+
**The daemon died: $DIED**
}
$(printf '%s\n' "${CHECKS[@]}")
- NICs as \`/status\` reported them before the final DeleteNetwork: ${HELD:-?}
- state files at the end: \`${STATE_FILES:-none}\`
- the daemon logged $WARNINGS warnings (one per refused request) and kept serving.

## Idle and slow clients

Connections that send nothing, or headers and part of the body they
announce, or trickle a request byte by byte, hold no worker thread: the
daemon reads every connection on one thread with \`poll()\` and hands a
request to a worker only once it has arrived whole (src/http/unix_http_server.h
gives the design and its limits). So Docker's calls are answered while
hundreds of such clients hang on, and each of them is cut 5 s after it
connected (with a 408 when part of a request had come). Beyond 1024
connections the oldest one still waiting for its request is closed to make
room; beyond 64 MiB of partial requests in all, the connection holding the
most is. An answer the client does not read within 5 s ends its connection.

Measured by \`hostnic_load --slow-only --slow-clients N\`
(tests/load/load_slow_clients.cc; the full load test runs the same phase with
300 + 300 clients) on a shared 2-core VM: Plugin.Activate called 20 times,
one after the other, while the clients hang on. "Before" is the previous
server (httplib's accept loop, 64 worker threads each reading its
connection with a 5 s read timeout), the same client and machine.

| clients hanging on | before: first call | now: first / p50 / max |
|---|---|---|
| 50 idle + 50 half-body | 10.0 s | 2.97 / 0.29 / 2.97 ms |
| 100 idle + 100 half-body | 20.0 s | 0.43 / 0.21 / 0.44 ms |
| 300 idle + 300 half-body | no answer within 60 s | 1.94 / 0.50 / 3.81 ms |

Now all of them are cut 5.0-5.1 s after connecting (before: 10-20 s
and more, as workers got round to them), and the daemon runs 6 threads
meanwhile (workers start only when requests wait).
EOF
[ -z "$DIED" ] && [ -z "$FAILED" ]
