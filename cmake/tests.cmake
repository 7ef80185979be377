# The tests ctest runs (HOSTNIC_BUILD_TESTS): unit, integration and load
# tests, the e2e suite's helper executable, and the checks of the layer
# rules, the locking analysis and the documented manifests. Included by
# CMakeLists.txt after the targets they test. Test code sees the whole tree
# (include/, src/, tests/), not a room's folder.
if(HOSTNIC_BUILD_TESTS)
  find_package(GTest REQUIRED)
  enable_testing()
  include(GoogleTest)

  file(GLOB UNIT_TEST_SRCS CONFIGURE_DEPENDS tests/unit/*.cc)
  add_executable(unit_tests ${UNIT_TEST_SRCS})
  target_include_directories(unit_tests PRIVATE include src tests)
  target_compile_definitions(unit_tests PRIVATE HOSTNIC_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(unit_tests PRIVATE hostnic_docker hostnic_cni_service hostnic_http
                        hostnic_cli hostnic_cni hostnic_netavark hostnic_store hostnic_dhcp hostnic_dhcp6
                        hostnic_hooks hostnic_host GTest::gmock GTest::gtest_main)
  gtest_discover_tests(unit_tests TEST_PREFIX "unit." DISCOVERY_TIMEOUT 60)

  file(GLOB INTEGRATION_TEST_SRCS CONFIGURE_DEPENDS tests/integration/*.cc)
  if(INTEGRATION_TEST_SRCS)
    add_executable(integration_tests ${INTEGRATION_TEST_SRCS})
    target_include_directories(integration_tests PRIVATE include src tests)
    target_link_libraries(integration_tests PRIVATE hostnic_daemon hostnic_dhcp6 hostnic_http_client
                          GTest::gmock GTest::gtest_main)
    add_dependencies(integration_tests hostnic hostnic-cni)
    target_compile_definitions(integration_tests PRIVATE
                               HOSTNIC_BINARY="$<TARGET_FILE:hostnic>"
                               HOSTNIC_CNI_BINARY="$<TARGET_FILE:hostnic-cni>")
    # Not RUN_SERIAL: ctest runs each test in a process of its own, which
    # moves into a network namespace of its own, and the namespaces and
    # files a test makes carry its PID (tests/integration/netns_env.h), so
    # scripts/test.sh runs them side by side (ctest -j; they mostly wait).
    gtest_discover_tests(integration_tests TEST_PREFIX "integration."
                         DISCOVERY_TIMEOUT 60)
  endif()

  # The tests' own code (gtest, fakes) at -O1 in every tree: Release's -O3
  # doubles its compile time (tests/unit/driver_test.cc with gcc 12: 20.5 s of
  # CPU at -O3, 9.7 s at -O1) and no test needs it; the code under test keeps
  # the tree's level (cmake/sanitize.cmake lowers the tests to -O0).
  foreach(t unit_tests integration_tests)
    if(TARGET ${t})
      target_compile_options(${t} PRIVATE -O1)
    endif()
  endforeach()
  # HOSTNIC_UNITY_TESTS compiles the unit tests in batches of 8 files
  # (CMake's unity build): each batch parses gtest, gmock and the hostnic
  # headers and emits their inline code once (five unit test files under
  # ASan: 35.7 s of CPU apart, 13.6 s as one). Off by default: a change to
  # one file recompiles its batch, and two files' file-local names may
  # clash in one (the dhcp*_test.cc files share theirs, so they stay
  # apart). scripts/test.sh's builds turn it on, and build file by file when
  # a batch does not compile.
  option(HOSTNIC_UNITY_TESTS "Compile the unit tests in batches of files" OFF)
  if(HOSTNIC_UNITY_TESTS)
    set_target_properties(unit_tests PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
    file(GLOB hostnic_unity_apart CONFIGURE_DEPENDS tests/unit/dhcp*_test.cc)
    set_source_files_properties(${hostnic_unity_apart} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endif()

  # The e2e suite's attacker and stand-in metadata service
  # (tests/e2e/attack.c): static, so it runs in the busybox test image.
  enable_language(C)
  add_executable(hostnic_attack tests/e2e/attack.c)
  target_link_options(hostnic_attack PRIVATE -static)

  # The layer rules on #include lines, and a check that the checker catches
  # each kind of violation.
  add_test(NAME layers.check_includes
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/layers/check_includes.sh
                   ${CMAKE_CURRENT_SOURCE_DIR})
  add_test(NAME layers.check_includes_self_test
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/layers/check_includes.sh --self-test)
  # The rooms' include folders (cmake/rooms.cmake): a planted include of a
  # header a room may not see fails to compile, for every room.
  add_test(NAME layers.check_include_paths
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/layers/check_include_paths.sh
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
  # COST: the longest tests (about 29 s and 9 s of compiling) start first
  # under ctest -j, not last with the other jobs done.
  set_tests_properties(layers.check_include_paths PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
                       COST 30)
  set_tests_properties(layers.check_includes PROPERTIES COST 10)

  # clang's thread-safety analysis refuses the locking mistakes planted in
  # tests/thread_safety/planted.cc (whatever compiler builds the rest).
  find_program(HOSTNIC_CLANGXX NAMES clang++-14 clang++)
  add_test(NAME thread_safety.planted
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/thread_safety/check.sh
                   ${HOSTNIC_CLANGXX} ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(thread_safety.planted PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

  # docs/kubernetes.md's manifests: YAML syntax, the fields the daemon needs,
  # the conflist through hostnic's own parser (no cluster runs them here).
  find_program(HOSTNIC_PYTHON3 python3)
  if(HOSTNIC_PYTHON3)
    add_test(NAME docs.kubernetes_yaml
             COMMAND ${HOSTNIC_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/tests/docs/kubernetes_yaml_test.py
                     ${CMAKE_CURRENT_SOURCE_DIR}/docs/kubernetes.md $<TARGET_FILE:hostnic-cni>)
    set_tests_properties(docs.kubernetes_yaml PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
  else()
    message(STATUS "no python3: the docs.kubernetes_yaml test is not added")
  endif()

  # Load test of the daemon's control plane (tests/load/load_test.cc): needs
  # root (it makes a private network namespace with veth NICs); ctest reports
  # it skipped otherwise. Also run by tests/load/run.sh.
    file(GLOB LOAD_TEST_SRCS CONFIGURE_DEPENDS tests/load/*.cc)
    add_executable(hostnic_load ${LOAD_TEST_SRCS})
    target_include_directories(hostnic_load PRIVATE include src tests)
    target_link_libraries(hostnic_load PRIVATE hostnic_docker hostnic_http hostnic_http_client)
    add_dependencies(hostnic_load hostnic)
    add_test(NAME load.control_plane
             COMMAND hostnic_load --hostnic $<TARGET_FILE:hostnic>)
    set_tests_properties(load.control_plane PROPERTIES RUN_SERIAL TRUE
                         TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS load)
endif()
