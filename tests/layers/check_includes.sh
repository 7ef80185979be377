#!/usr/bin/env bash
# The layer rules of hostnic's sources, checked on their #include lines:
#
#     tests/layers/check_includes.sh [ROOT]     (default: this checkout)
#     tests/layers/check_includes.sh --self-test
#
# Each room (a folder of src/, include/hostnic, or one file of a folder that
# is a room of its own) names what it MAY include; anything else is refused.
# Prints one line per include no rule allows -- the file and line, what it
# includes, and what that room may include and why -- and exits 1 when there
# is any. A file under src/ or include/ that is in no room is refused too:
# a new room is added to src/rooms.txt first.
#
# --self-test plants, for every room, one include of another room and one
# of a library it may not use, and for every room of one file an include of
# it from its folder's room, and checks that each is reported (and that the
# allowed includes beside them are not). Run by ctest as
# layers.check_includes and layers.check_includes_self_test.
#
# The CMake layer libraries state the same rules for linking (see
# cmake/link_rules.cmake), and each room's sources are compiled seeing only
# the headers it may include (cmake/rooms.cmake, shown by
# check_include_paths.sh).
set -uo pipefail

# The rooms and what each may include: src/rooms.txt (ROOM :: MAY INCLUDE
# :: WHY, one a line), read by read_rooms of rooms.sh.
# shellcheck source=tests/layers/rooms.sh
source "$(dirname "${BASH_SOURCE[0]}")/rooms.sh"

# Libraries an angle-bracket include is checked against (anything else in
# angle brackets is the system's): the first part of the included path.
readonly LIBRARIES='nlohmann netlink httplib.h bpf openssl systemd CLI gtest gmock'

# allowed INDEX FILE INCLUDE: whether rule INDEX lets FILE include INCLUDE
# (as written, with its quotes or brackets).
allowed() {
  local i=$1 file=$2 inc=$3 path first entry folder ruler
  path=${inc:1:${#inc}-2}
  first=${path%%/*}
  if [[ $inc == \<* ]]; then
    [[ " $LIBRARIES " == *" $first "* ]] || return 0
    [[ " ${allows[i]} " == *" <${first%.h}> "* ]]
    return
  fi
  # The room that rules the included header, and the room of its folder:
  # a room sees its own headers and those of the folders it names, but a
  # header that is a room of its own (cni/service.h) only where it is named.
  if [ "$first" = hostnic ]; then folder=include/hostnic; else folder=src/$first; fi
  ruler=$(room_of "$folder/${path#*/}")
  [ "$ruler" = "$i" ] && return 0
  for entry in ${allows[i]}; do
    [ "$entry" = "$path" ] && return 0
    [ "$entry" = "$first" ] && [ -n "$ruler" ] && [ "${rooms[ruler]}" = "$folder" ] && return 0
  done
  return 1
}

# check ROOT: prints the violations; returns 1 when there is any.
check() {
  local root=$1 found=0 file rel i hit lineno inc
  local include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"])'
  while IFS= read -r -d '' file; do
    rel=${file#"$root"/}
    i=$(room_of "$rel")
    if [ -z "$i" ]; then
      printf '%s: in no room: add its folder to src/rooms.txt\n' "$rel"
      found=1
      continue
    fi
    while IFS= read -r hit; do
      lineno=${hit%%:*} hit=${hit#*:}
      [[ $hit =~ $include_re ]] || continue
      inc=${BASH_REMATCH[1]}
      allowed "$i" "$rel" "$inc" && continue
      printf '%s:%s: includes %s; room %s may include only its own folder and %s: %s\n' \
        "$rel" "$lineno" "$inc" "${rooms[i]}" "${allows[i]}" "${whys[i]}"
      found=1
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file")
  done < <(find "$root/src" "$root/include" -type f \( -name '*.h' -o -name '*.cc' \) \
             -print0 2>/dev/null | sort -z)
  return "$found"
}

self_test() {
  local tmp out status=0 i room file ok bad lib want
  local -a wants=() unwanted=()
  tmp=$(mktemp -d /tmp/hostnic-layers.XXXXXX)
  trap 'rm -rf "$tmp"' RETURN
  for i in "${!rooms[@]}"; do
    room=${rooms[i]}
    if [ -f "$here/$room.cc" ] || [ -f "$here/$room.h" ]; then
      file=$room.cc  # A room of one file.
    else
      file=$room/planted.cc
    fi
    mkdir -p "$tmp/$(dirname "$file")"
    # One room it may include (the first it lists), one room it may not
    # (daemon/ or, for the rooms that may, a test fake), and one library it
    # may not use.
    ok=$(set -- ${allows[i]}; printf '%s' "${1%%/*}")
    [[ $ok == \<* ]] && ok=hostnic
    bad=daemon
    [[ " ${allows[i]} " == *" daemon "* || $room == src/daemon ]] && bad=fakes
    lib=netlink/netlink.h
    [[ " ${allows[i]} " == *" <netlink> "* ]] && lib=nlohmann/json.hpp
    printf '#include "%s/x.h"\n#include "%s/planted.h"\n#include <%s>\n#include <string>\n' \
      "$ok" "$bad" "$lib" >"$tmp/$file"
    wants+=("$file:2: includes \"$bad/planted.h\"" "$file:3: includes <$lib>")
    unwanted+=("$file:1:" "$file:4:")
  done
  # A room of one file (cni/service.h) is not its folder's: the folder's
  # room may not include it.
  for i in "${!rooms[@]}"; do
    room=${rooms[i]}
    [ -f "$here/$room.h" ] && [[ " ${rooms[*]} " == *" ${room%/*} "* ]] || continue
    file=${room%/*}/planted_sub.cc
    printf '#include "%s.h"\n' "${room#src/}" >"$tmp/$file"
    wants+=("$file:1: includes \"${room#src/}.h\"")
  done
  mkdir -p "$tmp/src/newroom"
  printf '#include <string>\n' >"$tmp/src/newroom/n.cc"
  wants+=('src/newroom/n.cc: in no room')
  if out=$(check "$tmp"); then
    echo "self-test: the planted violations were not reported" >&2
    return 1
  fi
  printf '%s\n' "$out"
  for want in "${wants[@]}"; do
    grep -qF "$want" <<<"$out" || { echo "self-test: not reported: $want" >&2; status=1; }
  done
  for want in "${unwanted[@]}"; do
    ! grep -qF "$want" <<<"$out" || { echo "self-test: allowed include reported: $want" >&2; status=1; }
  done
  [ "$status" -eq 0 ] &&
    echo "self-test: a planted violation reported for each of the ${#rooms[@]} rooms, and a file in no room; nothing else"
  return "$status"
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
read_rooms "$here/src/rooms.txt"
if [ "${1:-}" = --self-test ]; then
  self_test
  exit
fi
root=${1:-$here}
if check "$root"; then
  echo "layers: every #include under $root/src and $root/include is one its room allows"
else
  echo "layers: the includes above break the layer rules (tests/layers/check_includes.sh says why)" >&2
  exit 1
fi
