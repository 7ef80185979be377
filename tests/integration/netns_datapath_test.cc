// NetnsDatapath (the CNI plugin's datapath) against a real kernel: a veth
// end on the test's (private) host namespace plays the NIC, moved into a
// namespace of the test's own and back. Here: the NIC is found by MAC
// whatever the name the caller believes it has.
#include "netlink/netns_datapath.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "integration/netns_env.h"
#include "integration/text_util.h"

namespace hostnic {
namespace {

using itest::Has;
using itest::Sh;
using itest::ShOutput;

constexpr char kNicMac[] = "02:00:00:5d:00:01";
constexpr char kOtherMac[] = "02:00:00:5d:00:02";

class NetnsDatapathTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    netns_ = AddNetns("hndp");
    AddNic("hndp0", kNicMac, "hndp0p");
    AddNic("hndp1", kOtherMac, "hndp1p");
  }

  void TearDown() override {
    // Back first: a veth dies with its namespace.
    if (!netns_.empty()) {
      Sh("ip -n " + netns_ + " link set eth0 netns $$ 2>/dev/null");
    }
    Sh("for d in hndp0r hndp9; do ip link del $d; done 2>/dev/null");
    NetnsTest::TearDown();
  }

  // Moves the NIC in, believing it is named `believed`, and checks that it
  // (and nothing else) is eth0 in the namespace, then brings it home.
  void MovesTheNic(const std::string& believed) {
    NetnsDatapath datapath;
    const Mac mac = *Mac::Parse(kNicMac);
    SandboxConfig config;
    config.ifname = "eth0";
    config.addresses = {"10.9.8.5/24"};
    Result<Link> moved =
        datapath.MoveIn(mac, "/run/netns/" + netns_, config, believed);
    ASSERT_TRUE(moved.ok()) << moved.status().message();
    EXPECT_EQ(moved->mac, mac);
    EXPECT_TRUE(Has(ShOutput("ip -n " + netns_ + " link show eth0"), kNicMac));
    EXPECT_TRUE(Has(ShOutput("ip -o link"), kOtherMac));
    Result<bool> back = datapath.MoveOut(mac, "/run/netns/" + netns_, "hndp9");
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_TRUE(*back);
    EXPECT_TRUE(Has(ShOutput("ip link show hndp9"), kNicMac));
  }

  std::string netns_;
};

TEST_F(NetnsDatapathTest, MoveInFindsTheNicByItsName) { MovesTheNic("hndp0"); }

TEST_F(NetnsDatapathTest, MoveInFindsARenamedNicByMac) {
  ASSERT_EQ(Sh("ip link set hndp0 name hndp0r"), 0);
  MovesTheNic("hndp0");
}

TEST_F(NetnsDatapathTest, MoveInLeavesAnotherDeviceWithTheNicsOldName) {
  ASSERT_EQ(Sh("ip link set hndp0 name hndp0r && ip link set hndp1 name hndp0"),
            0);
  MovesTheNic("hndp0");
}

TEST_F(NetnsDatapathTest, MoveInOfAMissingNicIsNotFound) {
  NetnsDatapath datapath;
  SandboxConfig config;
  config.ifname = "eth0";
  Result<Link> moved = datapath.MoveIn(*Mac::Parse("02:00:00:5d:00:99"),
                                       "/run/netns/" + netns_, config, "hndp1");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), Code::kNotFound);
  EXPECT_TRUE(Has(ShOutput("ip link show hndp1"), kOtherMac));
}

}  // namespace
}  // namespace hostnic
