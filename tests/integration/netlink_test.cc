// LinkMonitor against a real kernel, in a private network namespace (see
// netns_env.h) where veth pairs stand in for NICs. NetlinkLinkControl:
// link_control_test.cc.
#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/netlink_fixture.h"

namespace hostnic {
namespace {

using itest::Sh;
using itest::WaitUntil;
using std::chrono::seconds;

TEST_F(NetlinkTest, InitialDumpSeesExistingDevices) {
  AddVeth("hna0", kMacA, "hna1", kMacB, 1400);
  StartMonitor();
  ASSERT_TRUE(inventory_.Ready());

  auto a = inventory_.FindByMac(M(kMacA));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "hna0");
  EXPECT_EQ(a->ifindex, static_cast<int>(if_nametoindex("hna0")));
  EXPECT_EQ(a->kind, "veth");
  EXPECT_EQ(a->mtu, 1400u);
  EXPECT_FALSE(a->up);
  EXPECT_FALSE(a->loopback);
  EXPECT_EQ(a->master, 0);
  EXPECT_FALSE(a->slave);
  ASSERT_TRUE(inventory_.FindByName("hna1"));
  EXPECT_EQ(inventory_.FindByName("hna1")->mac, M(kMacB));

  auto lo = inventory_.FindByName("lo");
  ASSERT_TRUE(lo);
  EXPECT_TRUE(lo->loopback);
  EXPECT_TRUE(lo->up);
  EXPECT_EQ(lo->kind, "");
}

TEST_F(NetlinkTest, DeviceAddedAfterStartAppears) {
  StartMonitor();
  EXPECT_FALSE(inventory_.FindByMac(M(kMacA)));
  AddVeth("hna0", kMacA, "hna1", kMacB, 1280);
  auto a = WaitForMac(kMacA);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "hna0");
  EXPECT_EQ(a->kind, "veth");
  EXPECT_EQ(a->mtu, 1280u);
  EXPECT_TRUE(WaitForMac(kMacB));
}

TEST_F(NetlinkTest, DeletedDeviceDisappears) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  StartMonitor();
  ASSERT_TRUE(inventory_.FindByMac(M(kMacA)));
  ASSERT_EQ(Sh("ip link del hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] {
    return !inventory_.FindByMac(M(kMacA)) && !inventory_.FindByMac(M(kMacB));
  }));
  EXPECT_FALSE(inventory_.FindByName("hna0"));
}

TEST_F(NetlinkTest, RenamedDeviceIsFoundByMacUnderItsNewName) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  StartMonitor();
  const int ifindex = inventory_.FindByMac(M(kMacA))->ifindex;
  ASSERT_EQ(Sh("ip link set hna0 name hnrenamed"), 0);
  created_.push_back("hnrenamed");
  EXPECT_TRUE(WaitUntil(
      [&] { return inventory_.FindByMac(M(kMacA))->name == "hnrenamed"; }));
  EXPECT_FALSE(inventory_.FindByName("hna0"));
  ASSERT_TRUE(inventory_.FindByName("hnrenamed"));
  EXPECT_EQ(inventory_.FindByName("hnrenamed")->ifindex, ifindex);
}

TEST_F(NetlinkTest, StateChangesAreFollowed) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  StartMonitor();
  ASSERT_EQ(Sh("ip link set hna0 mtu 1300 up"), 0);
  EXPECT_TRUE(WaitUntil([&] {
    auto a = inventory_.FindByMac(M(kMacA));
    return a && a->up && a->mtu == 1300;
  }));
  ASSERT_EQ(Sh("ip link set hna0 address " + std::string(kMacC)), 0);
  EXPECT_TRUE(WaitUntil([&] {
    auto c = inventory_.FindByMac(M(kMacC));
    return c && c->name == "hna0" && !inventory_.FindByMac(M(kMacA));
  }));
}

TEST_F(NetlinkTest, Ipv4DefaultRouteMarksItsDevice) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  ASSERT_EQ(Sh("ip link set hna0 up && ip link set hna1 up && "
               "ip addr add 10.91.0.1/24 dev hna0"),
            0);
  StartMonitor();
  const int ifindex = inventory_.FindByName("hna0")->ifindex;
  EXPECT_FALSE(inventory_.HasDefaultRoute(ifindex));

  ASSERT_EQ(Sh("ip route add default via 10.91.0.2 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return inventory_.HasDefaultRoute(ifindex); }));
  ASSERT_EQ(Sh("ip route del default via 10.91.0.2 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return !inventory_.HasDefaultRoute(ifindex); }));

  // The kernel flushes IPv4 routes silently when their address goes...
  ASSERT_EQ(Sh("ip route add default via 10.91.0.2 dev hna0 metric 50"), 0);
  EXPECT_TRUE(WaitUntil([&] { return inventory_.HasDefaultRoute(ifindex); }));
  ASSERT_EQ(Sh("ip addr del 10.91.0.1/24 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return !inventory_.HasDefaultRoute(ifindex); }));

  // ...or their device goes down.
  ASSERT_EQ(Sh("ip addr add 10.91.0.1/24 dev hna0 && "
               "ip route add default via 10.91.0.2 dev hna0 metric 60"),
            0);
  EXPECT_TRUE(WaitUntil([&] { return inventory_.HasDefaultRoute(ifindex); }));
  ASSERT_EQ(Sh("ip link set hna0 down"), 0);
  EXPECT_TRUE(WaitUntil([&] { return !inventory_.HasDefaultRoute(ifindex); }));
}

TEST_F(NetlinkTest, DefaultRoutesInTheInitialDump) {
  ASSERT_NO_FATAL_FAILURE(AddTwoPairsUp(
      "ip addr add 10.92.0.1/24 dev hna0 && "
      "ip addr add 10.93.0.1/24 dev hnc0 && "
      "ip route add default via 10.92.0.2 dev hna0 metric 700 && "
      // Not the main table, and not a default route: neither count.
      "ip route add default via 10.93.0.2 dev hnc0 table 100 && "
      "ip route add 10.200.0.0/16 via 10.93.0.2 dev hnc0"));
  StartMonitor();
  EXPECT_TRUE(
      inventory_.HasDefaultRoute(inventory_.FindByName("hna0")->ifindex));
  EXPECT_FALSE(
      inventory_.HasDefaultRoute(inventory_.FindByName("hnc0")->ifindex));
  EXPECT_FALSE(
      inventory_.HasDefaultRoute(inventory_.FindByName("hna1")->ifindex));
  Sh("ip route flush table 100");
}

TEST_F(NetlinkTest, MultipathIpv4DefaultRouteMarksEveryNexthop) {
  ASSERT_NO_FATAL_FAILURE(
      AddTwoPairsUp("ip addr add 10.92.0.1/24 dev hna0 && "
                    "ip addr add 10.93.0.1/24 dev hnc0"));
  StartMonitor();
  BothMarkedBetween(
      "ip route add default nexthop via 10.92.0.2 dev hna0 "
      "nexthop via 10.93.0.2 dev hnc0",
      "ip route del default");
}

TEST_F(NetlinkTest, Ipv6DefaultRoutesMarkTheirDevices) {
  ASSERT_NO_FATAL_FAILURE(
      AddTwoPairsUp("ip -6 addr add 2001:db8:91::1/64 dev hna0 nodad && "
                    "ip -6 addr add 2001:db8:92::1/64 dev hnc0 nodad"));
  StartMonitor();
  const int a = inventory_.FindByName("hna0")->ifindex;
  const int c = inventory_.FindByName("hnc0")->ifindex;

  ASSERT_EQ(Sh("ip -6 route add default via 2001:db8:91::2 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return inventory_.HasDefaultRoute(a); }));
  EXPECT_FALSE(inventory_.HasDefaultRoute(c));
  ASSERT_EQ(Sh("ip -6 route del default via 2001:db8:91::2 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return !inventory_.HasDefaultRoute(a); }));

  BothMarkedBetween(
      "ip -6 route add default metric 300 "
      "nexthop via 2001:db8:91::2 dev hna0 nexthop via 2001:db8:92::2 dev hnc0",
      "ip -6 route del default metric 300");
}

TEST_F(NetlinkTest, BridgePortReportsItsMaster) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  ASSERT_EQ(Sh("ip link add hnbr0 type bridge"), 0);
  created_.push_back("hnbr0");
  // The bridge also announces its ports in AF_BRIDGE link messages that
  // carry no kind; they must not reach the inventory.
  std::mutex mu;
  std::vector<std::string> kinds;
  inventory_.SetListener([&](const Link& link) {
    std::lock_guard<std::mutex> lock(mu);
    if (link.name == "hna0") kinds.push_back(link.kind);
  });
  StartMonitor();
  const int bridge_index = static_cast<int>(if_nametoindex("hnbr0"));
  ASSERT_TRUE(inventory_.FindByName("hnbr0"));
  EXPECT_EQ(inventory_.FindByName("hnbr0")->kind, "bridge");

  ASSERT_EQ(Sh("ip link set hna0 master hnbr0"), 0);
  EXPECT_TRUE(WaitUntil([&] {
    auto a = inventory_.FindByName("hna0");
    return a && a->master == bridge_index;
  }));
  EXPECT_FALSE(inventory_.FindByName("hna0")->slave);

  // Leaving the bridge makes the kernel send an AF_BRIDGE RTM_DELLINK for
  // the port; the device itself must stay.
  ASSERT_EQ(Sh("ip link set hna0 nomaster"), 0);
  EXPECT_TRUE(WaitUntil([&] {
    auto a = inventory_.FindByName("hna0");
    return a && a->master == 0;
  }));
  // Events arrive in order: once a later device shows up, every event about
  // hna0 has been applied.
  AddVeth("hnp0", kMacC, "hnp1", kMacD);
  ASSERT_TRUE(WaitForMac(kMacD));
  EXPECT_TRUE(inventory_.FindByName("hna0"));
  monitor_.Stop();
  inventory_.SetListener(nullptr);
  EXPECT_FALSE(kinds.empty());
  for (const std::string& kind : kinds) EXPECT_EQ(kind, "veth");
}

TEST_F(NetlinkTest, StopIsPromptAndRestartable) {
  StartMonitor();
  EXPECT_EQ(monitor_.Start(&inventory_).code(), Code::kFailedPrecondition);
  const auto start = std::chrono::steady_clock::now();
  monitor_.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  monitor_.Stop();  // Idempotent.

  AddVeth("hna0", kMacA, "hna1", kMacB);
  Inventory fresh;
  ASSERT_TRUE(monitor_.Start(&fresh).ok());
  EXPECT_TRUE(fresh.FindByMac(M(kMacA)));
  monitor_.Stop();
}

TEST_F(NetlinkTest, LostEventsAreRecoveredByAResync) {
  // A tiny receive buffer and a listener that holds the event thread make
  // the kernel drop events (ENOBUFS).
  LinkMonitor monitor(4096);
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false;
  bool release = false;
  inventory_.SetListener([&](const Link&) {
    std::unique_lock<std::mutex> lock(mu);
    if (release) return;
    blocked = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  AddVeth("hnl0", kMacA, "hnl1", kMacB);
  ASSERT_TRUE(monitor.Start(&inventory_).ok());
  ASSERT_EQ(Sh("ip link set hnl0 up"), 0);  // An event the listener hears.
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, seconds(10), [&] { return blocked; }));
  }
  constexpr int kPairs = 40;
  std::string script;
  for (int i = 0; i < kPairs; ++i) {
    const std::string n = std::to_string(i);
    script += "ip link add hnx" + n + " type veth peer name hny" + n + "; ";
    created_.push_back("hnx" + n);
  }
  script += "ip link del hnl0";
  ASSERT_EQ(Sh(script), 0);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();

  EXPECT_TRUE(WaitUntil([&] { return monitor.resyncs() >= 1; }));
  EXPECT_TRUE(WaitUntil([&] {
    for (int i = 0; i < kPairs; ++i) {
      if (!inventory_.FindByName("hnx" + std::to_string(i)) ||
          !inventory_.FindByName("hny" + std::to_string(i))) {
        return false;
      }
    }
    return !inventory_.FindByMac(M(kMacA)) && !inventory_.FindByMac(M(kMacB));
  }));
  monitor.Stop();
  inventory_.SetListener(nullptr);
}

}  // namespace
}  // namespace hostnic
