# Run by `cmake --install` and by cpack: links the plugin executable (the
# one installed as the CNI plugin, PREFIX/lib/cni/hostnic or
# HOSTNIC_CNI_DIR/hostnic) as PREFIX/libexec/netavark/hostnic, where podman
# 5 and netavark look for the plugin of `podman network create -d hostnic`
# (containers.conf's netavark_plugin_dirs: /usr/libexec/netavark and
# /usr/local/libexec/netavark among them). One executable serves both: its
# mode is chosen by CNI_COMMAND or its first argument. Set by
# CMakeLists.txt: HOSTNIC_CNI_DIR (empty: PREFIX/lib/cni).
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(cni_dir "${HOSTNIC_CNI_DIR}")
if(NOT cni_dir)
  set(cni_dir "${prefix}/lib/cni")
endif()
set(netavark_dir "${prefix}/libexec/netavark")
# Relative, so the link stays right inside a package's staging tree.
file(RELATIVE_PATH target "${netavark_dir}" "${cni_dir}/hostnic")
file(MAKE_DIRECTORY "$ENV{DESTDIR}${netavark_dir}")
message(STATUS "Installing: $ENV{DESTDIR}${netavark_dir}/hostnic -> ${target}")
file(CREATE_LINK "${target}" "$ENV{DESTDIR}${netavark_dir}/hostnic" SYMBOLIC)
