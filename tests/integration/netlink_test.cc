// LinkMonitor and NetlinkLinkControl against a real kernel, in a private
// network namespace (see netns_env.h) where veth pairs stand in for NICs.
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

#include "driver/inventory.h"
#include "integration/netns_env.h"
#include "netlink/link_control.h"
#include "netlink/link_monitor.h"

namespace hostnic {
namespace {

using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;

Mac M(const std::string& text) { return *Mac::Parse(text); }

class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override { HOSTNIC_REQUIRE_PRIVATE_NETNS(); }

  void TearDown() override {
    monitor_.Stop();
    // Deleting one end of a veth deletes both; a bridge frees its ports.
    for (const std::string& name : created_) {
      Sh("ip link del " + name + " 2>/dev/null");
    }
    Sh("ip route flush table main proto static 2>/dev/null");
    Sh("ip -6 route flush table main proto static 2>/dev/null");
  }

  // Creates veth `a`/`b` with the given MACs (and MTU when nonzero).
  void AddVeth(const std::string& a, const std::string& mac_a,
               const std::string& b, const std::string& mac_b,
               unsigned mtu = 0) {
    const std::string mtu_arg = mtu ? " mtu " + std::to_string(mtu) : "";
    ASSERT_EQ(Sh("ip link add " + a + " address " + mac_a + mtu_arg +
                 " type veth peer name " + b + " address " + mac_b + mtu_arg),
              0);
    created_.push_back(a);
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
    return inventory_.WaitForMac(M(mac), seconds(10), milliseconds(0));
  }

  Inventory inventory_;
  LinkMonitor monitor_;
  std::vector<std::string> created_;
};

constexpr char kMacA[] = "02:00:5e:00:00:0a";
constexpr char kMacB[] = "02:00:5e:00:00:0b";
constexpr char kMacC[] = "02:00:5e:00:00:0c";
constexpr char kMacD[] = "02:00:5e:00:00:0d";

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
  AddVeth("hna0", kMacA, "hna1", kMacB);
  AddVeth("hnc0", kMacC, "hnc1", kMacD);
  ASSERT_EQ(Sh("ip link set hna0 up && ip link set hna1 up && "
               "ip link set hnc0 up && ip link set hnc1 up && "
               "ip addr add 10.92.0.1/24 dev hna0 && "
               "ip addr add 10.93.0.1/24 dev hnc0 && "
               "ip route add default via 10.92.0.2 dev hna0 metric 700 && "
               // Not the main table, and not a default route: neither count.
               "ip route add default via 10.93.0.2 dev hnc0 table 100 && "
               "ip route add 10.200.0.0/16 via 10.93.0.2 dev hnc0"),
            0);
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
  AddVeth("hna0", kMacA, "hna1", kMacB);
  AddVeth("hnc0", kMacC, "hnc1", kMacD);
  ASSERT_EQ(Sh("ip link set hna0 up && ip link set hna1 up && "
               "ip link set hnc0 up && ip link set hnc1 up && "
               "ip addr add 10.92.0.1/24 dev hna0 && "
               "ip addr add 10.93.0.1/24 dev hnc0"),
            0);
  StartMonitor();
  const int a = inventory_.FindByName("hna0")->ifindex;
  const int c = inventory_.FindByName("hnc0")->ifindex;
  ASSERT_EQ(Sh("ip route add default nexthop via 10.92.0.2 dev hna0 "
               "nexthop via 10.93.0.2 dev hnc0"),
            0);
  EXPECT_TRUE(WaitUntil([&] {
    return inventory_.HasDefaultRoute(a) && inventory_.HasDefaultRoute(c);
  }));
  ASSERT_EQ(Sh("ip route del default"), 0);
  EXPECT_TRUE(WaitUntil([&] {
    return !inventory_.HasDefaultRoute(a) && !inventory_.HasDefaultRoute(c);
  }));
}

TEST_F(NetlinkTest, Ipv6DefaultRoutesMarkTheirDevices) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  AddVeth("hnc0", kMacC, "hnc1", kMacD);
  ASSERT_EQ(Sh("ip link set hna0 up && ip link set hna1 up && "
               "ip link set hnc0 up && ip link set hnc1 up && "
               "ip -6 addr add 2001:db8:91::1/64 dev hna0 nodad && "
               "ip -6 addr add 2001:db8:92::1/64 dev hnc0 nodad"),
            0);
  StartMonitor();
  const int a = inventory_.FindByName("hna0")->ifindex;
  const int c = inventory_.FindByName("hnc0")->ifindex;

  ASSERT_EQ(Sh("ip -6 route add default via 2001:db8:91::2 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return inventory_.HasDefaultRoute(a); }));
  EXPECT_FALSE(inventory_.HasDefaultRoute(c));
  ASSERT_EQ(Sh("ip -6 route del default via 2001:db8:91::2 dev hna0"), 0);
  EXPECT_TRUE(WaitUntil([&] { return !inventory_.HasDefaultRoute(a); }));

  ASSERT_EQ(Sh("ip -6 route add default metric 300 "
               "nexthop via 2001:db8:91::2 dev hna0 "
               "nexthop via 2001:db8:92::2 dev hnc0"),
            0);
  EXPECT_TRUE(WaitUntil([&] {
    return inventory_.HasDefaultRoute(a) && inventory_.HasDefaultRoute(c);
  }));
  ASSERT_EQ(Sh("ip -6 route del default metric 300"), 0);
  EXPECT_TRUE(WaitUntil([&] {
    return !inventory_.HasDefaultRoute(a) && !inventory_.HasDefaultRoute(c);
  }));
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

class NetlinkLinkControlTest : public NetlinkTest {
 protected:
  std::string Show(const std::string& name) {
    return ShOutput("ip -o link show dev " + name);
  }
  // How many file descriptors the test process has open.
  static size_t OpenFds() {
    const std::filesystem::directory_iterator fds("/proc/self/fd");
    return static_cast<size_t>(std::distance(begin(fds), end(fds)));
  }
  NetlinkLinkControl control_;
};

TEST_F(NetlinkLinkControlTest, SetMtu) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  ASSERT_TRUE(control_.SetMtu(KernelLink("hna0", kMacA), 1234).ok());
  EXPECT_NE(Show("hna0").find(" mtu 1234 "), std::string::npos) << Show("hna0");
}

TEST_F(NetlinkLinkControlTest, SetMtuErrorSaysWhatWasBeingDone) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  Status status = control_.SetMtu(KernelLink("hna0", kMacA), 70000);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kIoError);
  EXPECT_EQ(status.message().rfind(
                "setting MTU 70000 on hna0 (" + std::string(kMacA) + "): ", 0),
            0u)
      << status.message();
}

TEST_F(NetlinkLinkControlTest, SetUpAndDown) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  ASSERT_TRUE(control_.SetUp(KernelLink("hna0", kMacA), true).ok());
  EXPECT_NE(Show("hna0").find(",UP"), std::string::npos) << Show("hna0");
  ASSERT_TRUE(control_.SetUp(KernelLink("hna0", kMacA), false).ok());
  EXPECT_EQ(Show("hna0").find(",UP"), std::string::npos) << Show("hna0");
}

TEST_F(NetlinkLinkControlTest, SetName) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  const Link link = KernelLink("hna0", kMacA);
  ASSERT_TRUE(control_.SetName(link, "hnnew0").ok());
  created_.push_back("hnnew0");
  EXPECT_EQ(if_nametoindex("hnnew0"), static_cast<unsigned>(link.ifindex));
  EXPECT_EQ(if_nametoindex("hna0"), 0u);
}

TEST_F(NetlinkLinkControlTest, SetNameToATakenNameIsAlreadyExists) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  Status status = control_.SetName(KernelLink("hna0", kMacA), "hna1");
  EXPECT_EQ(status.code(), Code::kAlreadyExists) << status.message();
  EXPECT_NE(status.message().find("hna0"), std::string::npos);
  EXPECT_NE(if_nametoindex("hna0"), 0u);
}

TEST_F(NetlinkLinkControlTest, SetNameRejectsNamesTheKernelCannotHold) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  EXPECT_EQ(control_.SetName(KernelLink("hna0", kMacA), "").code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      control_.SetName(KernelLink("hna0", kMacA), "sixteen_chars_xx").code(),
      Code::kInvalidArgument);
}

TEST_F(NetlinkLinkControlTest, FlushAddressesRemovesIpv4AndIpv6) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  ASSERT_EQ(Sh("ip link set hna0 up && ip link set hna1 up && "
               "ip addr add 10.94.0.1/24 dev hna0 && "
               "ip addr add 10.94.0.2/24 dev hna0 && "
               "ip addr add 10.95.0.1/16 dev hna0 && "
               "ip -6 addr add 2001:db8:94::1/64 dev hna0 nodad"),
            0);
  ASSERT_TRUE(WaitUntil([&] {
    return ShOutput("ip -o -6 addr show dev hna0").find("fe80::") !=
           std::string::npos;
  }));
  ASSERT_EQ(Sh("ip addr add 10.96.0.1/24 dev hna1"), 0);

  ASSERT_TRUE(control_.FlushAddresses(KernelLink("hna0", kMacA)).ok());
  EXPECT_EQ(ShOutput("ip -o addr show dev hna0"), "");
  // Other devices keep theirs.
  EXPECT_NE(ShOutput("ip -o addr show dev hna1").find("10.96.0.1"),
            std::string::npos);
  // Nothing to flush is fine.
  EXPECT_TRUE(control_.FlushAddresses(KernelLink("hna0", kMacA)).ok());
}

TEST_F(NetlinkLinkControlTest, EveryChangeIsRefusedWhenTheMacDiffers) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  ASSERT_EQ(Sh("ip addr add 10.97.0.1/24 dev hna0"), 0);
  // What the inventory would hold if hna0's ifindex now belonged to
  // another NIC.
  Link stale = KernelLink("hna0", kMacC);
  const std::string before = Show("hna0");

  for (Status status :
       {control_.SetMtu(stale, 1300), control_.SetName(stale, "hnzz"),
        control_.SetUp(stale, true), control_.FlushAddresses(stale)}) {
    EXPECT_EQ(status.code(), Code::kNotFound) << status.message();
    EXPECT_NE(status.message().find(kMacC), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("hna0"), std::string::npos)
        << status.message();
  }
  EXPECT_EQ(Show("hna0"), before);
  EXPECT_NE(ShOutput("ip -o addr show dev hna0").find("10.97.0.1"),
            std::string::npos);
}

TEST_F(NetlinkLinkControlTest, AGoneIfindexIsNotFound) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  Link gone = KernelLink("hna0", kMacA);
  ASSERT_EQ(Sh("ip link del hna0"), 0);
  Status status = control_.SetMtu(gone, 1300);
  EXPECT_EQ(status.code(), Code::kNotFound) << status.message();
  EXPECT_NE(status.message().find(kMacA), std::string::npos);
}

TEST_F(NetlinkLinkControlTest, ALinkWithoutIfindexIsNotFound) {
  Link unknown;
  unknown.name = "hna0";
  unknown.mac = *Mac::Parse(kMacA);
  Result<Link> read = control_.Refresh(unknown);
  EXPECT_EQ(read.status().code(), Code::kNotFound) << read.status().message();
  EXPECT_NE(read.status().message().find("has no ifindex"), std::string::npos);
}

// Sockets are reused from call to call: a later call still sees the device
// as it is now.
TEST_F(NetlinkLinkControlTest, LaterCallsSeeRenamesMacChangesAndMoves) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  const Link link = KernelLink("hna0", kMacA);
  ASSERT_TRUE(control_.Refresh(link).ok());

  ASSERT_EQ(Sh("ip link set hna0 name hnren0"), 0);
  created_.push_back("hnren0");
  Result<Link> renamed = control_.Refresh(link);
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_EQ(renamed->name, "hnren0");

  ASSERT_EQ(Sh("ip link set hnren0 address " + std::string(kMacC)), 0);
  Status status = control_.SetUp(link, true);
  EXPECT_EQ(status.code(), Code::kNotFound) << status.message();
  EXPECT_NE(status.message().find(kMacC), std::string::npos)
      << status.message();
  EXPECT_EQ(Show("hnren0").find(",UP"), std::string::npos);

  const std::string other = "hnlc-" + std::to_string(::getpid());
  // The namespace is deleted before any assertion can return early.
  const int moved_away =
      Sh("ip netns add " + other + " && ip link set hnren0 netns " + other);
  Link as_changed = link;
  as_changed.mac = M(kMacC);
  Result<Link> moved = control_.Refresh(as_changed);
  Sh("ip netns del " + other);
  ASSERT_EQ(moved_away, 0);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), Code::kNotFound);
  EXPECT_NE(moved.status().message().find("no device has ifindex"),
            std::string::npos)
      << moved.status().message();
}

// Calls that fail -- the device is not the one named, the kernel refuses, the
// request is invalid -- leave no socket open behind them.
TEST_F(NetlinkLinkControlTest, FailedCallsLeaveNoSocketBehind) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  const Link link = KernelLink("hna0", kMacA);
  const Link stale = KernelLink("hna0", kMacC);
  ASSERT_TRUE(control_.Refresh(link).ok());
  const size_t open = OpenFds();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(control_.Refresh(stale).status().code(), Code::kNotFound);
    EXPECT_EQ(control_.SetMtu(link, 70000).code(), Code::kIoError);
    EXPECT_EQ(control_.SetName(link, "").code(), Code::kInvalidArgument);
    EXPECT_EQ(control_.SetName(link, "hna1").code(), Code::kAlreadyExists);
    EXPECT_TRUE(control_.SetMtu(link, 1300 + i).ok());
  }
  EXPECT_EQ(OpenFds(), open);
  EXPECT_NE(Show("hna0").find(" mtu 1319 "), std::string::npos) << Show("hna0");
}

TEST_F(NetlinkLinkControlTest, CallsFromManyThreadsAtOnce) {
  AddVeth("hna0", kMacA, "hna1", kMacB);
  const Link a = KernelLink("hna0", kMacA);
  const Link b = KernelLink("hna1", kMacB);
  const Link stale = KernelLink("hna0", kMacC);
  const size_t open = OpenFds();
  constexpr int kThreads = 6;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const Link& mine = t % 2 ? a : b;
        Result<Link> fresh = control_.Refresh(mine);
        if (!fresh.ok() || fresh->name != mine.name) wrong++;
        if (control_.Refresh(stale).status().code() != Code::kNotFound) {
          wrong++;
        }
        if (!control_.SetMtu(mine, 1400 + t % 2).ok()) wrong++;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_LE(OpenFds(), open + kThreads);
  EXPECT_NE(Show("hna0").find(" mtu 1401 "), std::string::npos) << Show("hna0");
  EXPECT_NE(Show("hna1").find(" mtu 1400 "), std::string::npos) << Show("hna1");
}

}  // namespace
}  // namespace hostnic
