#include "fuzz/handlers/host.h"

namespace hostnic::fuzz {

Link MakeLink(int ifindex, const std::string& name, const std::string& mac,
              const std::string& kind, unsigned mtu, bool up) {
  Link l;
  l.ifindex = ifindex;
  l.name = name;
  l.mac = *Mac::Parse(mac);
  l.kind = kind;
  l.mtu = mtu;
  l.up = up;
  return l;
}

std::vector<Link> InitialLinks() {
  Link lo = MakeLink(1, "lo", "00:00:00:00:00:00", "", 65536, true);
  lo.loopback = true;
  Link bond = MakeLink(7, "bond0", kNicMacs[3], "bond", 1500, true);
  Link slave = MakeLink(8, "eth5", kNicMacs[3], "", 1500, true);
  slave.master = 7;
  slave.slave = true;
  return {lo,
          MakeLink(2, "eth0", "52:54:00:00:00:01", "", 1500, true),
          MakeLink(3, "eth2", kNicMacs[0]),
          MakeLink(4, "eth3", kNicMacs[1], "veth", 1500, true),
          MakeLink(5, "eth4", kNicMacs[2], "", 9000, false),
          MakeLink(6, "docker0", "02:42:ac:11:00:01", "bridge", 1500, true),
          bond,
          slave};
}

Lease ServerLease(const std::string& address) {
  Lease lease;
  lease.address = address;
  lease.gateway = lease.server = "192.168.61.1";
  lease.lease_seconds = 120;
  lease.t1_seconds = 60;
  lease.t2_seconds = 105;
  return lease;
}

Lease NicLease(int n) {
  Lease lease = ServerLease("192.168.61." + std::to_string(11 + n) + "/24");
  lease.mac = *Mac::Parse(kNicMacs[n]);
  return lease;
}

}  // namespace hostnic::fuzz
