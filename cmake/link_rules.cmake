# The layer rules for linking, checked here at configure time: a layer library
# that reaches a forbidden target through its link libraries, directly or
# not, stops the configuration. tests/layers/check_includes.sh checks the
# same rules on #include lines.
function(hostnic_forbid_links target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "WHY" "LINKS")
  set(seen "")
  set(queue ${target})
  while(queue)
    list(POP_FRONT queue t)
    if(NOT TARGET ${t} OR t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    get_target_property(imported ${t} IMPORTED)
    set(props INTERFACE_LINK_LIBRARIES)
    if(NOT imported)
      list(APPEND props LINK_LIBRARIES)
    endif()
    foreach(prop IN LISTS props)
      get_target_property(libs ${t} ${prop})
      if(NOT libs)
        continue()
      endif()
      foreach(lib IN LISTS libs)
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
        if(lib IN_LIST arg_LINKS)
          message(FATAL_ERROR "${target} links ${lib} (through ${t}): ${arg_WHY}")
        endif()
        list(APPEND queue ${lib})
      endforeach()
    endforeach()
  endwhile()
endfunction()
hostnic_forbid_links(hostnic_driver
  WHY "driver/ is the domain core: no JSON, HTTP or libnl, and none of the layers that implement its include/hostnic contracts (src/daemon wires them)"
  LINKS nlohmann_json::nlohmann_json PkgConfig::HTTPLIB PkgConfig::LIBNL hostnic_netlink
        hostnic_store hostnic_hooks hostnic_dhcp hostnic_guard hostnic_host hostnic_http hostnic_docker hostnic_cni_service
        hostnic_observability hostnic_cni
        PkgConfig::LIBBPF)
hostnic_forbid_links(hostnic_store
  WHY "store/ is below the driver: it sees records (include/hostnic), never the driver"
  LINKS hostnic_driver hostnic_netlink hostnic_http hostnic_docker hostnic_cni_service hostnic_observability PkgConfig::LIBNL
        PkgConfig::HTTPLIB)
hostnic_forbid_links(hostnic_netlink
  WHY "netlink/ is below the driver: it reports devices to hostnic/link.h's LinkEvents"
  LINKS hostnic_driver hostnic_store hostnic_http hostnic_docker hostnic_cni_service hostnic_observability
        nlohmann_json::nlohmann_json PkgConfig::HTTPLIB)
hostnic_forbid_links(hostnic_guard
  WHY "guard/ implements hostnic/guard.h below the driver: no driver, no JSON, no libnl"
  LINKS hostnic_driver nlohmann_json::nlohmann_json PkgConfig::LIBNL PkgConfig::HTTPLIB)
hostnic_forbid_links(hostnic_dhcp
  WHY "dhcp/ is an address source of its own: no JSON, no libnl, no driver"
  LINKS hostnic_driver nlohmann_json::nlohmann_json PkgConfig::LIBNL PkgConfig::HTTPLIB)
hostnic_forbid_links(hostnic_dhcp6
  WHY "dhcp6/ is an address source of its own: no JSON, no libnl, no driver"
  LINKS hostnic_driver nlohmann_json::nlohmann_json PkgConfig::LIBNL PkgConfig::HTTPLIB)
foreach(lower hostnic_hooks hostnic_host)
  hostnic_forbid_links(${lower}
    WHY "a layer below the driver never links it, nor the front ends"
    LINKS hostnic_driver hostnic_http hostnic_docker hostnic_cni_service hostnic_observability hostnic_netlink
          PkgConfig::HTTPLIB)
endforeach()
hostnic_forbid_links(hostnic_cni
  WHY "the CNI plugin is a thin executable of its own: it reaches the daemon through hostnic_http_client and hostnic_cni_wire, never links the driver, the HTTP server or a TLS library"
  LINKS hostnic_http hostnic_docker hostnic_cni_service hostnic_observability hostnic_driver hostnic_daemon hostnic_store
        PkgConfig::HTTPLIB PkgConfig::CRYPTO
        PkgConfig::SYSTEMD)
hostnic_forbid_links(hostnic_netavark
  WHY "the netavark plugin lives in the thin plugin executable: it reaches the daemon as the CNI plugin does"
  LINKS hostnic_http hostnic_docker hostnic_cni_service hostnic_observability hostnic_driver hostnic_daemon hostnic_store
        PkgConfig::HTTPLIB PkgConfig::CRYPTO
        PkgConfig::SYSTEMD)
foreach(front hostnic_docker hostnic_cni_service hostnic_observability hostnic_cli)
  hostnic_forbid_links(${front}
    WHY "a front end: no libnl; devices come through the driver, host facts from src/daemon"
    LINKS PkgConfig::LIBNL hostnic_netlink hostnic_host hostnic_store hostnic_http)
endforeach()
hostnic_forbid_links(hostnic_http
  WHY "http/ is the transport under the front ends: it knows no driver, no protocol and no libnl"
  LINKS hostnic_driver hostnic_docker hostnic_cni_service hostnic_observability PkgConfig::LIBNL
        nlohmann_json::nlohmann_json)
