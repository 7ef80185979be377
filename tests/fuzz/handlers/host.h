// The host the handlers fuzzer plays: its devices (a few NICs a script
// moves, and the devices a real host has beside them) and the DHCP server's
// leases for those NICs.
#ifndef HOSTNIC_TESTS_FUZZ_HANDLERS_HOST_H_
#define HOSTNIC_TESTS_FUZZ_HANDLERS_HOST_H_

#include <string>
#include <vector>

#include "hostnic/address.h"
#include "hostnic/link.h"

namespace hostnic::fuzz {

// The NICs a script can move (index N of !gone/!back/!attach); NIC 3 is also
// a bond's MAC (its slave shares it).
inline constexpr const char* kNicMacs[] = {
    "52:54:0e:e5:00:f7", "52:54:0e:e5:00:f8", "52:54:0e:e5:00:f9",
    "52:54:0e:e5:00:fa"};
// NICs 0 to kDhcpNics - 1 have a lease at the DHCP server.
inline constexpr int kDhcpNics = 3;

Link MakeLink(int ifindex, const std::string& name, const std::string& mac,
              const std::string& kind = "veth", unsigned mtu = 1500,
              bool up = false);

// The host at the start: loopback, the host's own uplink, NICs 0-2 (down,
// up, jumbo), docker0, and a bond over a slave with NIC 3's MAC.
std::vector<Link> InitialLinks();

// The DHCP server's lease of ADDRESS (CIDR) on 192.168.61.0/24: 120 s,
// T1 60 s, T2 105 s, the server and gateway at .1. Without a MAC: the
// server's answer to a renewal carries none.
Lease ServerLease(const std::string& address);

// NIC n's own lease (n < kDhcpNics): 192.168.61.(11 + n)/24.
Lease NicLease(int n);

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_HANDLERS_HOST_H_
