// The fixture of the netlink integration tests (netlink_test.cc,
// link_control_test.cc): a private network namespace (netns_env.h), veth
// pairs standing in for NICs, removed again after each test, and a
// LinkMonitor feeding an Inventory.
#ifndef HOSTNIC_TESTS_INTEGRATION_NETLINK_FIXTURE_H_
#define HOSTNIC_TESTS_INTEGRATION_NETLINK_FIXTURE_H_

#include <gtest/gtest.h>
#include <net/if.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "driver/inventory.h"
#include "integration/netns_env.h"
#include "netlink/link_monitor.h"

namespace hostnic {

class NetlinkTest : public ::testing::Test {
 protected:
  static constexpr char kMacA[] = "02:00:5e:00:00:0a";
  static constexpr char kMacB[] = "02:00:5e:00:00:0b";
  static constexpr char kMacC[] = "02:00:5e:00:00:0c";
  static constexpr char kMacD[] = "02:00:5e:00:00:0d";

  static Mac M(const std::string& text) { return *Mac::Parse(text); }

  void SetUp() override { HOSTNIC_REQUIRE_PRIVATE_NETNS(); }

  void TearDown() override {
    monitor_.Stop();
    // Deleting one end of a veth deletes both; a bridge frees its ports.
    for (const std::string& name : created_) {
      itest::Sh("ip link del " + name + " 2>/dev/null");
    }
    itest::Sh("ip route flush table main proto static 2>/dev/null");
    itest::Sh("ip -6 route flush table main proto static 2>/dev/null");
  }

  // Creates veth `a`/`b` with the given MACs (and MTU when nonzero).
  void AddVeth(const std::string& a, const std::string& mac_a,
               const std::string& b, const std::string& mac_b,
               unsigned mtu = 0) {
    const std::string mtu_arg = mtu ? " mtu " + std::to_string(mtu) : "";
    ASSERT_EQ(
        itest::Sh("ip link add " + a + " address " + mac_a + mtu_arg +
                  " type veth peer name " + b + " address " + mac_b + mtu_arg),
        0);
    created_.push_back(a);
  }

  // Veths hna0/hna1 (kMacA, kMacB) and hnc0/hnc1 (kMacC, kMacD), all up,
  // then `more` (shell commands, such as the addresses of hna0 and hnc0).
  void AddTwoPairsUp(const std::string& more) {
    AddVeth("hna0", kMacA, "hna1", kMacB);
    AddVeth("hnc0", kMacC, "hnc1", kMacD);
    ASSERT_EQ(itest::Sh("ip link set hna0 up && ip link set hna1 up && "
                        "ip link set hnc0 up && ip link set hnc1 up && " +
                        more),
              0);
  }

  // `add` makes a multipath default route over hna0 and hnc0: the monitor
  // marks both; `del` removes it: neither.
  void BothMarkedBetween(const std::string& add, const std::string& del) {
    const int a = inventory_.FindByName("hna0")->ifindex;
    const int c = inventory_.FindByName("hnc0")->ifindex;
    ASSERT_EQ(itest::Sh(add), 0);
    EXPECT_TRUE(itest::WaitUntil([&] {
      return inventory_.HasDefaultRoute(a) && inventory_.HasDefaultRoute(c);
    }));
    ASSERT_EQ(itest::Sh(del), 0);
    EXPECT_TRUE(itest::WaitUntil([&] {
      return !inventory_.HasDefaultRoute(a) && !inventory_.HasDefaultRoute(c);
    }));
  }

  // The device named `name` as the kernel has it, for LinkControl calls.
  Link KernelLink(const std::string& name, const std::string& mac) {
    Link link;
    link.ifindex = static_cast<int>(if_nametoindex(name.c_str()));
    link.name = name;
    link.mac = M(mac);
    return link;
  }

  void StartMonitor() { ASSERT_TRUE(monitor_.Start(&inventory_).ok()); }

  std::optional<Link> WaitForMac(const std::string& mac) {
    return inventory_.WaitForMac(M(mac), std::chrono::seconds(10),
                                 std::chrono::milliseconds(0));
  }

  Inventory inventory_;
  LinkMonitor monitor_;
  std::vector<std::string> created_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_INTEGRATION_NETLINK_FIXTURE_H_
