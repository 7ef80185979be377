// DriverTest: the driver's unit tests' host -- lo, eth0 (which carries the
// default route), and two free NICs eth2 (kMac2) and eth3 (kMac3) -- with a
// network kNet on 192.168.1.0/24 a call away -- and what all the driver's
// tests share: its names, MACs and the matchers they use.
#ifndef HOSTNIC_TESTS_UNIT_DRIVER_TEST_H_
#define HOSTNIC_TESTS_UNIT_DRIVER_TEST_H_

#include <map>
#include <string>

#include "fakes/driver_fixture.h"
#include "fakes/status_matchers.h"

namespace hostnic::driver_test {

inline constexpr char kNet[] = "4390aa";
inline constexpr char kEp[] = "2b34bb";
inline constexpr char kMac2[] = "52:54:0e:e5:00:f7";
inline constexpr char kMac3[] = "52:54:0e:e5:00:f8";

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The host's own NIC: it carries the default route, so it is never handed out.
inline Link HostEth0() {
  Link eth0 = MakeLink(2, "eth0", "52:54:00:00:00:01");
  eth0.kind = "";
  return eth0;
}

class DriverTest : public DriverFixture {
 protected:
  DriverTest() {
    Link lo = MakeLink(1, "lo", "00:00:00:00:00:00");
    lo.loopback = true;
    lo.kind = "";
    inventory_.Reset({lo, HostEth0(), MakeLink(3, "eth2", kMac2),
                      MakeLink(4, "eth3", kMac3)},
                     {2});
    StartDriver();
  }

  Status CreateNetwork(std::map<std::string, std::string> options = {},
                       const std::string& id = kNet) {
    return driver_->CreateNetwork(NetworkRequest(id, std::move(options)));
  }

  Result<CreateEndpointReply> CreateEndpoint(const std::string& mac,
                                             const std::string& ep = kEp,
                                             const std::string& net = kNet) {
    return driver_->CreateEndpoint(
        EndpointRequest(net, ep, mac, "192.168.1.5/24"));
  }

  // Network kNet, endpoint kEp on eth2 (kMac2), joined to sandbox "/sb".
  void JoinEth2() {
    ASSERT_TRUE(CreateNetwork().ok());
    ASSERT_TRUE(CreateEndpoint(kMac2).ok());
    ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  }

  // Docker moves the NIC named `name` into a sandbox: it leaves the host.
  void MoveIntoSandbox(const std::string& name) {
    const Link in = *inventory_.FindByName(name);
    inventory_.Remove(in.ifindex);
    LinkRemoved(in);
  }
};

}  // namespace hostnic::driver_test

#endif  // HOSTNIC_TESTS_UNIT_DRIVER_TEST_H_
