#!/usr/bin/env bash
# Shows that each room of src/rooms.txt is compiled seeing only the headers
# it may include (cmake/rooms.cmake):
#
#     tests/layers/check_include_paths.sh ROOT BUILD
#
# For every room with sources, takes one of its .cc files and the command
# BUILD compiles it with (BUILD/compile_commands.json), and compiles a copy
# of it (syntax only) with an include of a header of src/ the room may not
# see planted first, which must fail with "No such file"; and, as a control,
# an include of a header of the last room it names (or the header it names)
# alone with the same command, which must compile. The forbidden header is, by preference, one of the room's own
# folder that is a room of its own (cni/service.h for cni/), else one of
# daemon/, the room that sees every other. Run by ctest as
# layers.check_include_paths.
set -uo pipefail

root=${1:?usage: check_include_paths.sh ROOT BUILD}
build=${2:?usage: check_include_paths.sh ROOT BUILD}
# shellcheck source=tests/layers/rooms.sh
source "$root/tests/layers/rooms.sh"
# shellcheck source=tests/layers/planted.sh
source "$root/tests/layers/planted.sh"
read_rooms "$root/src/rooms.txt"
db=$build/compile_commands.json
[ -f "$db" ] || { echo "FAIL: no $db (CMAKE_EXPORT_COMPILE_COMMANDS)"; exit 1; }
tmp=$(mktemp -d /tmp/hostnic-include-paths.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The first compile command of each source of src/ (compile_commands.json as
# CMake writes it: "command" before "file"), unescaped from JSON.
declare -A command_of=()
while IFS= read -r line; do
  if [[ $line =~ ^[[:space:]]*\"command\":\ \"(.*)\",?$ ]]; then
    command=${BASH_REMATCH[1]//\\\"/\"} command=${command//\\\\/\\}
  elif [[ $line =~ ^[[:space:]]*\"file\":\ \"(.*)\",?$ ]]; then
    file=${BASH_REMATCH[1]#"$root"/}
    [[ $file == src/*.cc && -z ${command_of[$file]:-} ]] && command_of[$file]=$command
  fi
done <"$db"

# Every header of src/ and include/hostnic as it is included.
mapfile -t headers < <(cd "$root" && find src include -name '*.h' | sed -E 's#^(src|include)/##' | sort)

# compile NAME FILE HEADER [ALONE]: compiles a copy of FILE with HEADER
# included first (with ALONE, HEADER alone: FILE itself compiles in BUILD),
# as BUILD compiles FILE; prints the compiler's output.
compile() {
  local command=${command_of[$2]} copy=$tmp/$1/${2##*/}
  mkdir -p "$tmp/$1"
  printf '#include "%s"\n' "$3" >"$copy"
  [ -n "${4:-}" ] || cat "$root/$2" >>"$copy"
  [[ $command =~ ^(.*)\ -o\ [^\ ]+\ -c\ [^\ ]+$ ]] || { echo "unexpected command: $command"; return 2; }
  (cd "$build" && eval "${BASH_REMATCH[1]} -fsyntax-only -c $copy") 2>&1
}

# Each room's smallest source with a compile command.
declare -A source_of=() size_of=()
for f in "${!command_of[@]}"; do
  i=$(room_of "$f") size=$(stat -c %s "$root/$f")
  [ -n "$i" ] || continue
  if [ -z "${source_of[$i]:-}" ] || ((size < size_of[$i])); then
    source_of[$i]=$f size_of[$i]=$size
  fi
done

failed=0 checked=0
for i in "${!rooms[@]}"; do
  room=${rooms[i]} name=${rooms[i]#src/} name=${name#include/} name=${name//\//.}
  dir=$build/rooms/$name
  file=${source_of[$i]:-}
  if [ -z "$file" ]; then
    echo "-- $room: no sources of its own (its headers compile in the rooms that include them)"
    continue
  fi
  [ -d "$dir" ] || { echo "FAIL: $room: no folder $dir"; failed=1; continue; }
  forbidden='' allowed=''
  for header in "${headers[@]}"; do
    [ -e "$dir/$header" ] && continue
    if [[ $header == "${room#src/}"/* ]]; then forbidden=$header; break; fi
    [[ -z $forbidden || ($header == daemon/* && $forbidden != daemon/*) ]] && forbidden=$header
  done
  for entry in ${allows[i]}; do
    if [[ $entry == *.h ]]; then
      [ -e "$dir/$entry" ] && allowed=$entry
    elif [[ $entry != \<* && -d $dir/$entry ]]; then
      allowed=$(cd "$dir" && find -L "$entry" -maxdepth 1 -name '*.h' | sort | head -1)
    fi
  done
  if [ -z "$forbidden" ] || [ -z "$allowed" ]; then
    echo "FAIL: $room sees every header of src/, or none it may include: $dir"
    failed=1
    continue
  fi
  checked=$((checked + 1))
  expect_refused "$room: $file with #include \"$forbidden\"" \
    "$forbidden(: No such file|' file not found)" compile "$name" "$file" "$forbidden"
  if out=$(compile "$name" "$file" "$allowed" alone); then
    echo "ok: $room: $file with #include \"$allowed\" compiles"
  else
    echo "FAIL: $room: $file with #include \"$allowed\" (allowed) does not compile:"
    echo "$out" | head -20
    failed=1
  fi
done
if ((failed)); then
  echo "include paths: a room saw a header it may not include, or not one it may (above)"
  exit 1
fi
echo "include paths: each of the $checked rooms with sources saw no header beyond its own, those it may include and theirs"
