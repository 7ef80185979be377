# The rooms of src/rooms.txt for the layer checks (sourced by
# check_includes.sh and check_include_paths.sh):
#
#     read_rooms FILE     fills rooms, allows and whys (ROOM :: MAY INCLUDE
#                         :: WHY, one a line) from FILE
#     room_of PATH        prints the index of the rule that rules PATH
#                         (relative to the root), or nothing
#
# cmake/rooms.cmake reads the same file the same way for the include paths.

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

rooms=() allows=() whys=()
read_rooms() {
  local line rest
  while IFS= read -r line; do
    [[ -z "$(trim "$line")" || $line == \#* ]] && continue
    rooms+=("$(trim "${line%% :: *}")") rest=${line#* :: }
    allows+=("$(trim "${rest%% :: *}")")
    whys+=("$(trim "${rest#* :: }")")
  done <"$1"
}

# The longest ROOM that is PATH's folder or its path without extension.
room_of() {
  local file=$1 stem=${1%.*} i best='' len=0
  for i in "${!rooms[@]}"; do
    if [[ $file == "${rooms[i]}"/* || $stem == "${rooms[i]}" ]] &&
       ((${#rooms[i]} > len)); then
      best=$i len=${#rooms[i]}
    fi
  done
  printf '%s' "$best"
}
