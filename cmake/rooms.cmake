# Each room of src/rooms.txt compiles its sources seeing only the headers it
# may include: a folder of symlinks in the build tree, BUILD/rooms/NAME (NAME
# the room without src/ or include/, "/" as "."), holds its own headers,
# those of the rooms and headers it names (include/hostnic as hostnic/), and
# what those headers include in turn, so that "driver/driver.h" resolves as
# it does in the source tree; the room's .cc files get that folder as their
# only include path of the project. Any other header of src/ is "No such
# file" to them (ctest's layers.check_include_paths shows it). Libraries come
# from the system's paths, so tests/layers/check_includes.sh still decides
# <nlohmann>, <netlink> and the others, and refuses what only the closure
# lets a room see; headers are compiled with their includer's folder.
#
# Included by CMakeLists.txt: gives every source of src/ its room's folder
# and adds the target hostnic_rooms, which refreshes the folders when a
# header or src/rooms.txt changes (add_dependencies on it for every target
# that compiles sources of src/). Run as a script to refresh them:
#
#     cmake -DHOSTNIC_SOURCE_DIR=ROOT -DHOSTNIC_ROOMS_DIR=DIR -P cmake/rooms.cmake

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.18)  # The policies, as in CMakeLists.txt.
endif()

# hostnic_read_rooms(ROOT): sets hostnic_rooms (the rooms of ROOT/src/rooms.txt)
# and hostnic_allows_<I> (what room I may include, a list).
macro(hostnic_read_rooms root)
  file(STRINGS "${root}/src/rooms.txt" hostnic_lines REGEX "^[^# ]+ +:: ")
  set(hostnic_rooms "")
  set(hostnic_i 0)
  foreach(hostnic_line IN LISTS hostnic_lines)
    string(REGEX MATCH "^([^ ]+) +:: +([^:]*[^: ]) +::" hostnic_m "${hostnic_line}")
    list(APPEND hostnic_rooms "${CMAKE_MATCH_1}")
    string(REGEX REPLACE " +" ";" hostnic_allows_${hostnic_i} "${CMAKE_MATCH_2}")
    math(EXPR hostnic_i "${hostnic_i} + 1")
  endforeach()
endmacro()

# hostnic_room_of(OUT PATH): the index of the room that rules PATH (relative
# to the root): the longest room that is its folder or its path without its
# extension; -1 for none.
function(hostnic_room_of out path)
  string(REGEX REPLACE "\\.[^./]*$" "" stem "${path}")
  set(best -1)
  set(best_length 0)
  set(i 0)
  foreach(room IN LISTS hostnic_rooms)
    string(LENGTH "${room}" length)
    string(FIND "${path}" "${room}/" at)
    if((at EQUAL 0 OR stem STREQUAL room) AND length GREATER best_length)
      set(best ${i})
      set(best_length ${length})
    endif()
    math(EXPR i "${i} + 1")
  endforeach()
  set(${out} ${best} PARENT_SCOPE)
endfunction()

# hostnic_room_dir(OUT INDEX): the name of room INDEX's folder.
function(hostnic_room_dir out index)
  list(GET hostnic_rooms ${index} room)
  string(REGEX REPLACE "^(src|include)/" "" name "${room}")
  string(REPLACE "/" "." name "${name}")
  set(${out} "${name}" PARENT_SCOPE)
endfunction()

# hostnic_sync_rooms(ROOT DIR): makes DIR/NAME for every room, as above.
function(hostnic_sync_rooms root dir)
  file(GLOB headers RELATIVE "${root}" "${root}/src/*/*.h" "${root}/include/hostnic/*.h")
  # Each header's name as included, its room, and what it includes.
  set(names "")
  foreach(header IN LISTS headers)
    string(REGEX REPLACE "^(src|include)/" "" name "${header}")
    list(APPEND names "${name}")
    string(REPLACE "/" "|" key "${name}")
    set(path_${key} "${header}")
    hostnic_room_of(ruler_${key} "${header}")
    file(STRINGS "${root}/${header}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    set(includes_${key} "")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[^\"]*\"([^\"]*)\".*$" "\\1" included "${line}")
      list(APPEND includes_${key} "${included}")
    endforeach()
  endforeach()
  set(index 0)
  foreach(room IN LISTS hostnic_rooms)
    # The headers the room may include: its own, those of each folder room
    # it names (not a room of one file inside it), and each header named.
    set(seen "")
    foreach(name IN LISTS names)
      string(REPLACE "/" "|" key "${name}")
      string(REGEX REPLACE "/.*" "" first "${name}")
      if(first STREQUAL "hostnic")
        set(folder include/hostnic)
      else()
        set(folder src/${first})
      endif()
      set(ruler ${ruler_${key}})
      if(ruler EQUAL -1)
        continue()  # In no room: tests/layers/check_includes.sh says so.
      endif()
      list(GET hostnic_rooms ${ruler} ruling)
      if(ruler EQUAL index OR name IN_LIST hostnic_allows_${index}
         OR (first IN_LIST hostnic_allows_${index} AND ruling STREQUAL folder))
        list(APPEND seen "${name}")
      endif()
    endforeach()
    # And what those include, header by header.
    set(queue ${seen})
    while(queue)
      list(POP_FRONT queue name)
      string(REPLACE "/" "|" key "${name}")
      foreach(included IN LISTS includes_${key})
        if(included IN_LIST names AND NOT included IN_LIST seen)
          list(APPEND seen "${included}")
          list(APPEND queue "${included}")
        endif()
      endforeach()
    endwhile()
    # The folder: a link for each header seen, no other file.
    hostnic_room_dir(room_dir ${index})
    set(room_dir "${dir}/${room_dir}")
    file(GLOB_RECURSE present LIST_DIRECTORIES false RELATIVE "${room_dir}" "${room_dir}/*")
    foreach(name IN LISTS present)
      if(NOT name IN_LIST seen)
        file(REMOVE "${room_dir}/${name}")
      endif()
    endforeach()
    foreach(name IN LISTS seen)
      string(REPLACE "/" "|" key "${name}")
      set(target "")
      if(IS_SYMLINK "${room_dir}/${name}")
        file(READ_SYMLINK "${room_dir}/${name}" target)
      endif()
      if(NOT target STREQUAL "${root}/${path_${key}}")
        file(REMOVE "${room_dir}/${name}")
        get_filename_component(parent "${room_dir}/${name}" DIRECTORY)
        file(MAKE_DIRECTORY "${parent}")
        file(CREATE_LINK "${root}/${path_${key}}" "${room_dir}/${name}" SYMBOLIC)
      endif()
    endforeach()
    math(EXPR index "${index} + 1")
  endforeach()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE)
  hostnic_read_rooms("${HOSTNIC_SOURCE_DIR}")
  hostnic_sync_rooms("${HOSTNIC_SOURCE_DIR}" "${HOSTNIC_ROOMS_DIR}")
  return()
endif()

set(HOSTNIC_ROOMS_DIR "${CMAKE_CURRENT_BINARY_DIR}/rooms")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS src/rooms.txt)
hostnic_read_rooms("${CMAKE_CURRENT_SOURCE_DIR}")
hostnic_sync_rooms("${CMAKE_CURRENT_SOURCE_DIR}" "${HOSTNIC_ROOMS_DIR}")
file(GLOB hostnic_headers CONFIGURE_DEPENDS src/*/*.h include/hostnic/*.h)
add_custom_command(
  OUTPUT rooms/.stamp
  COMMAND ${CMAKE_COMMAND} -DHOSTNIC_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}
          -DHOSTNIC_ROOMS_DIR=${HOSTNIC_ROOMS_DIR}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/rooms.cmake
  COMMAND ${CMAKE_COMMAND} -E touch rooms/.stamp
  DEPENDS src/rooms.txt cmake/rooms.cmake ${hostnic_headers}
  COMMENT "Refreshing each room's include folder (cmake/rooms.cmake)"
  VERBATIM)
add_custom_target(hostnic_rooms DEPENDS rooms/.stamp)

# Every source of src/ (and the generated guard_object.cc, of src/guard)
# compiled with its room's folder alone.
file(GLOB hostnic_sources CONFIGURE_DEPENDS RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}"
     src/*.cc src/*/*.cc)
foreach(source IN LISTS hostnic_sources ITEMS src/guard/guard_object.cc)
  hostnic_room_of(index "${source}")
  if(index EQUAL -1)
    message(FATAL_ERROR "${source} is in no room: add its folder to src/rooms.txt")
  endif()
  hostnic_room_dir(room_dir ${index})
  if(source STREQUAL "src/guard/guard_object.cc")
    set(source "${CMAKE_CURRENT_BINARY_DIR}/guard_object.cc")
  endif()
  set_property(SOURCE "${source}" APPEND PROPERTY INCLUDE_DIRECTORIES
               "${HOSTNIC_ROOMS_DIR}/${room_dir}")
endforeach()
