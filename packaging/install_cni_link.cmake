# Run by `cmake --install` and by cpack: links the CNI plugin into the
# directory container runtimes search for CNI plugins. The plugin is the
# daemon's own executable (it acts as the plugin when CNI_COMMAND is set),
# so the link keeps one binary for both. Set by CMakeLists.txt:
# HOSTNIC_CNI_DIR (empty: PREFIX/lib/cni, which Debian's podman and
# containernetworking-plugins use, for /usr and /usr/local alike).
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(cni_dir "${HOSTNIC_CNI_DIR}")
if(NOT cni_dir)
  set(cni_dir "${prefix}/lib/cni")
endif()
# Relative, so the link stays right inside a package's staging tree.
file(RELATIVE_PATH target "${cni_dir}" "${prefix}/bin/hostnic")
file(MAKE_DIRECTORY "$ENV{DESTDIR}${cni_dir}")
message(STATUS "Installing: $ENV{DESTDIR}${cni_dir}/hostnic -> ${target}")
file(CREATE_LINK "${target}" "$ENV{DESTDIR}${cni_dir}/hostnic" SYMBOLIC)
