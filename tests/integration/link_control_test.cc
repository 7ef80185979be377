// NetlinkLinkControl against a real kernel, in a private network namespace
// (see netns_env.h) where veth pairs stand in for NICs: each change done,
// refused with a sentence, or refused when the MAC differs; no socket left
// behind; many threads at once.
#include "netlink/link_control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "integration/netlink_fixture.h"

namespace hostnic {
namespace {

using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;

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
