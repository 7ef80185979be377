// Building Links for tests.
#ifndef HOSTNIC_TESTS_FAKES_LINKS_H_
#define HOSTNIC_TESTS_FAKES_LINKS_H_

#include <string>

#include "hostnic/link.h"

namespace hostnic {

// A veth stand-in for a hot-plugged NIC: up = false, MTU 1500.
inline Link MakeLink(int ifindex, const std::string& name,
                     const std::string& mac) {
  Link l;
  l.ifindex = ifindex;
  l.name = name;
  l.mac = *Mac::Parse(mac);
  l.kind = "veth";
  l.mtu = 1500;
  return l;
}

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_LINKS_H_
