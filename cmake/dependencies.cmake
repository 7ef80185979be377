# The libraries hostnic builds on, found once for every target (Debian's
# packages, README.md's source-tree install). Included by CMakeLists.txt.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-route-3.0)
# libnl from its static archives (libnl-3-dev, libnl-route-3-dev), so that
# the CNI plugin can be one static executable (hostnic-cni below).
find_library(HOSTNIC_LIBNL_ROUTE_A libnl-route-3.a HINTS ${LIBNL_LIBRARY_DIRS} REQUIRED)
find_library(HOSTNIC_LIBNL_A libnl-3.a HINTS ${LIBNL_LIBRARY_DIRS} REQUIRED)
set_target_properties(PkgConfig::LIBNL PROPERTIES INTERFACE_LINK_LIBRARIES
  "${HOSTNIC_LIBNL_ROUTE_A};${HOSTNIC_LIBNL_A};Threads::Threads")
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# sd_listen_fds: the daemon serves the socket of hostnic.socket.
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
# The static CNI plugin uses spdlog and fmt as header-only libraries (Debian
# ships no static archives of them); everything else links the shared ones.
set_target_properties(spdlog::spdlog_header_only PROPERTIES
  INTERFACE_LINK_LIBRARIES "Threads::Threads;fmt::fmt-header-only")
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
