# What `cmake --install` puts where (the executables, docs, man page,
# systemd units, the CNI and netavark plugin) and the Debian package `cpack`
# makes. Included by CMakeLists.txt after the targets it installs.
include(GNUInstallDirs)
install(TARGETS hostnic RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md" PATTERN img EXCLUDE)
# hostnic(8), made by help2man from `hostnic --help` (src/cli/help_text.h).
find_program(HOSTNIC_HELP2MAN help2man)
if(HOSTNIC_HELP2MAN)
  add_custom_command(
    OUTPUT hostnic.8.gz
    COMMAND ${HOSTNIC_HELP2MAN} --no-info --section=8 --manual=hostnic
            --source=hostnic-${PROJECT_VERSION}
            "--name=give a container a whole NIC of the host (Docker network driver, CNI plugin)"
            --output=hostnic.8 $<TARGET_FILE:hostnic>
    COMMAND gzip -9nf hostnic.8
    DEPENDS hostnic
    COMMENT "Writing the man page hostnic(8)"
    VERBATIM)
  add_custom_target(hostnic_man ALL DEPENDS hostnic.8.gz)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/hostnic.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
else()
  message(WARNING "help2man not found: no man page hostnic(8) (apt-get install help2man)")
endif()
# hostnic.socket (socket activation on /run/docker/plugins/hostnic.sock,
# before docker.service), hostnic.service and /etc/default/hostnic; see
# packaging/install_units.cmake.
set(HOSTNIC_SYSTEMD_UNIT_DIR "" CACHE PATH
    "Where to install the systemd units (empty: PREFIX/lib/systemd/system)")
install(CODE "set(HOSTNIC_PACKAGING_DIR \"${CMAKE_CURRENT_SOURCE_DIR}/packaging\")
set(HOSTNIC_BUILD_DIR \"${CMAKE_CURRENT_BINARY_DIR}\")
set(HOSTNIC_UNIT_DIR \"${HOSTNIC_SYSTEMD_UNIT_DIR}\")")
install(SCRIPT packaging/install_units.cmake)
# The CNI plugin: hostnic-cni installed as PREFIX/lib/cni/hostnic, where
# Debian's podman and containernetworking-plugins look (docs/cni.md and
# docs/kubernetes.md: /opt/cni/bin for Kubernetes).
set(HOSTNIC_CNI_DIR "" CACHE PATH
    "Where to install the CNI plugin (empty: PREFIX/lib/cni; Kubernetes: /opt/cni/bin)")
if(HOSTNIC_CNI_DIR)
  set(hostnic_cni_dest "${HOSTNIC_CNI_DIR}")
else()
  set(hostnic_cni_dest lib/cni)
endif()
install(PROGRAMS $<TARGET_FILE:hostnic-cni> DESTINATION "${hostnic_cni_dest}" RENAME hostnic)
# The same executable as podman 5's netavark plugin: PREFIX/libexec/netavark/
# hostnic links to it (packaging/install_netavark_link.cmake, docs/podman.md).
install(CODE "set(HOSTNIC_CNI_DIR \"${HOSTNIC_CNI_DIR}\")")
install(SCRIPT packaging/install_netavark_link.cmake)

# `cpack` (in the build tree) makes hostnic_VERSION_ARCH.deb; its maintainer
# scripts enable hostnic.socket and remove /var/lib/hostnic only on purge.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hostnic)
set(CPACK_PACKAGE_CONTACT "hostnic maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Docker network driver that hands a whole host NIC to a container")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "hostnic gives a container a whole NIC of the host (found by MAC) as eth0,\nwith the NIC's own address from DHCP or the one given. A libnetwork remote\ndriver on /run/docker/plugins/hostnic.sock, socket-activated by systemd.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "docker.io | docker-ce")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
include(CPack)
