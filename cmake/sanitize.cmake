# Fuzzing and sanitizer builds (clang only; off by default). Included by
# CMakeLists.txt last, after every target it instruments.
#
# HOSTNIC_SANITIZE=address,undefined or thread adds -fsanitize=... to every
# target (scripts/sanitize.sh); HOSTNIC_FUZZ=ON adds the libFuzzer targets
# handlers_fuzz, dhcp_fuzz, dhcp6_fuzz, cni_fuzz and netavark_fuzz with
# coverage on the hostnic libraries (tests/fuzz/run.sh). scripts/sanitize.sh's
# ASan+UBSan tree has both: one build of the libraries serves the sanitized
# tests and the fuzzers.
option(HOSTNIC_FUZZ "Build the libFuzzer targets (clang)" OFF)
set(HOSTNIC_SANITIZE "" CACHE STRING
    "Sanitizers for every target: address,undefined or thread (clang)")
if(HOSTNIC_FUZZ OR HOSTNIC_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "HOSTNIC_FUZZ/HOSTNIC_SANITIZE need clang "
                        "(-DCMAKE_CXX_COMPILER=clang++-14)")
  endif()
  get_property(hostnic_san_targets DIRECTORY PROPERTY BUILDSYSTEM_TARGETS)
  set(hostnic_san_flags -fno-omit-frame-pointer)
  if(HOSTNIC_SANITIZE)
    list(APPEND hostnic_san_flags -fsanitize=${HOSTNIC_SANITIZE})
    if(HOSTNIC_SANITIZE MATCHES "address|undefined")
      list(APPEND hostnic_san_flags -fno-sanitize-recover=all)
    endif()
  endif()
  if(HOSTNIC_FUZZ)
    # hostnic_fuzz_target(NAME LIBRARY... [SOURCES GLOB...]): tests/fuzz/NAME.cc
    # (and the files of each GLOB) with libFuzzer, linked with LIBRARY...,
    # sanitized like every other target.
    function(hostnic_fuzz_target name)
      cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES")
      set(sources "")
      if(arg_SOURCES)
        file(GLOB sources CONFIGURE_DEPENDS ${arg_SOURCES})
      endif()
      add_executable(${name} tests/fuzz/${name}.cc ${sources})
      target_include_directories(${name} PRIVATE include src tests)
      target_link_libraries(${name} PRIVATE ${arg_UNPARSED_ARGUMENTS})
      target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
      target_link_options(${name} PRIVATE -fsanitize=fuzzer)
      set(hostnic_san_targets ${hostnic_san_targets} ${name} PARENT_SCOPE)
    endfunction()
    # The remote-driver API over the driver: Docker's (or anyone's) requests,
    # and its world (the host, the protocol's checks, the driver's invariants).
    hostnic_fuzz_target(handlers_fuzz hostnic_docker hostnic_store
                        SOURCES tests/fuzz/handlers/*.cc)
    # The DHCP decoder: every byte a server (or anyone on the link) sends.
    hostnic_fuzz_target(dhcp_fuzz hostnic_dhcp)
    # The DHCPv6 decoder: every byte a DHCPv6 server (or anyone) sends.
    hostnic_fuzz_target(dhcp6_fuzz hostnic_dhcp6)
    # The CNI plugin's stdin: a runtime's (or anyone's) network configuration.
    hostnic_fuzz_target(cni_fuzz hostnic_cni)
    # The netavark plugin's stdin: what podman 5's netavark sends.
    hostnic_fuzz_target(netavark_fuzz hostnic_netavark)
  endif()
  foreach(t IN LISTS hostnic_san_targets)
    get_target_property(t_type ${t} TYPE)
    if(t_type STREQUAL "STATIC_LIBRARY" OR t_type STREQUAL "EXECUTABLE")
      target_compile_options(${t} PRIVATE ${hostnic_san_flags})
      target_link_options(${t} PRIVATE ${hostnic_san_flags})
      # Coverage for libFuzzer in the libraries only: the fuzz targets and the
      # sanitized unit and integration tests share one tree (scripts/sanitize.sh
      # asan), and the tests' own code needs none (ASan's runtime answers the
      # coverage callbacks when no libFuzzer is linked).
      if(HOSTNIC_FUZZ AND t_type STREQUAL "STATIC_LIBRARY")
        target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link)
      endif()
    endif()
  endforeach()
  # The tests' own code (gtest, fakes) at -O0 under the sanitizers: it is
  # instrumented all the same and compiles in a third of the CPU time
  # (tests/unit/driver_test.cc with ASan+UBSan: 28 s at -O1, 9 s at -O0),
  # which was most of scripts/test.sh's clang builds. So is src/main.cc, the
  # daemon's wiring and CLI11's templates, which no fuzzer runs (under TSan:
  # 26.7 s of CPU at -O1, 13.1 s at -O0). The code under test keeps its
  # tree's level (scripts/sanitize.sh: -O1 under ASan, whose libraries the
  # fuzzers share; -O0 under TSan).
  if(HOSTNIC_SANITIZE)
    foreach(t unit_tests integration_tests hostnic)
      if(TARGET ${t})
        target_compile_options(${t} PRIVATE -O0)
      endif()
    endforeach()
  endif()
endif()
