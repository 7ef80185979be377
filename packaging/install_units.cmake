# Run by `cmake --install` and by cpack (prefix /usr): fills the systemd
# units in with the prefix being installed to, and installs them and the
# defaults file. Set by CMakeLists.txt: HOSTNIC_PACKAGING_DIR,
# HOSTNIC_BUILD_DIR, HOSTNIC_UNIT_DIR (empty: PREFIX/lib/systemd/system).
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(HOSTNIC_BINDIR "${prefix}/bin")
set(HOSTNIC_DOCDIR "${prefix}/share/doc/hostnic")
if(prefix STREQUAL "/usr")
  set(HOSTNIC_SYSCONFDIR "/etc")
else()
  set(HOSTNIC_SYSCONFDIR "${prefix}/etc")
endif()
if(NOT HOSTNIC_UNIT_DIR)
  set(HOSTNIC_UNIT_DIR "${prefix}/lib/systemd/system")
endif()
set(units "${HOSTNIC_BUILD_DIR}/units")
configure_file("${HOSTNIC_PACKAGING_DIR}/hostnic.service.in" "${units}/hostnic.service" @ONLY)
configure_file("${HOSTNIC_PACKAGING_DIR}/hostnic.socket.in" "${units}/hostnic.socket" @ONLY)
file(INSTALL "${units}/hostnic.service" "${units}/hostnic.socket"
     DESTINATION "${HOSTNIC_UNIT_DIR}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# An operator's settings survive a second `cmake --install`.
if(NOT EXISTS "$ENV{DESTDIR}${HOSTNIC_SYSCONFDIR}/default/hostnic")
  file(INSTALL "${HOSTNIC_PACKAGING_DIR}/hostnic.default" DESTINATION "${HOSTNIC_SYSCONFDIR}/default"
       RENAME hostnic FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
