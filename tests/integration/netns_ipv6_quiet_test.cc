// NetnsDatapath (the CNI and netavark plugins' datapath) gives a NIC IPv6
// in the container only when it gets an IPv6 address: a NIC of an
// IPv4-only network comes up there with IPv6 off and sends nothing of IPv6
// (no DAD probe, router solicitation or MLD report: the NIC's own IPv6
// counters stay 0). A veth end of the test's private host namespace plays
// the NIC; its peer, up in a namespace of the test's own, gives it its
// carrier.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "integration/netns_env.h"
#include "integration/text_util.h"
#include "netlink/netns_datapath.h"

namespace hostnic {
namespace {

using itest::Has;
using itest::Sh;
using itest::ShOutput;

constexpr char kMac[] = "02:00:00:5d:06:01";

class NetnsIpv6QuietTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    netns_ = AddNetns("hnq");
    const std::string far = AddNetns("hnqp");
    AddNic("hnq0", kMac, "hnq0p", " netns " + far);
    ASSERT_EQ(Sh("ip -n " + far + " link set hnq0p up"), 0);
  }

  Result<Link> MoveIn(std::vector<std::string> addresses) {
    SandboxConfig config;
    config.ifname = "eth0";
    config.addresses = std::move(addresses);
    return NetnsDatapath().MoveIn(*Mac::Parse(kMac), Path(), config, "hnq0");
  }
  // What an IPAM plugin does once the NIC is in.
  Result<Link> Configure(std::vector<std::string> addresses) {
    SandboxConfig config;
    config.addresses = std::move(addresses);
    return NetnsDatapath().Configure(*Mac::Parse(kMac), Path(), config);
  }
  std::string Path() const { return "/run/netns/" + netns_; }
  std::string InNetns(const std::string& command) const {
    return ShOutput("ip netns exec " + netns_ + " " + command);
  }
  // eth0's disable_ipv6 in the namespace: "1\n" when IPv6 is off.
  std::string DisableIpv6() const {
    return InNetns("cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6");
  }
  // What eth0 sent of IPv6 in the namespace: its own counters.
  std::string Sent() const {
    return InNetns(
        "sh -c \"grep -E '^(Ip6OutRequests|Ip6OutMcastPkts|Icmp6OutMsgs) ' "
        "/proc/net/dev_snmp6/eth0 | tr -s ' \\t' ' '\"");
  }

  std::string netns_;
};

TEST_F(NetnsIpv6QuietTest, Ipv4OnlyNicSendsNoIpv6) {
  Result<Link> moved = MoveIn({"10.9.8.5/24"});
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  // Long enough for the kernel's MLD report, DAD probe and router
  // solicitation of a NIC with IPv6 on (each within a second of coming up).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(DisableIpv6(), "1\n");
  EXPECT_EQ(InNetns("ip -6 addr show dev eth0"), "");
  EXPECT_EQ(Sent(), "Ip6OutRequests 0\nIp6OutMcastPkts 0\nIcmp6OutMsgs 0\n");
  EXPECT_TRUE(Has(InNetns("ip -4 addr show dev eth0"), "10.9.8.5/24"));
}

TEST_F(NetnsIpv6QuietTest, NicWithAnIpv6AddressHasIpv6) {
  Result<Link> moved = MoveIn({"10.9.8.5/24", "fd00:9::5/64"});
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(DisableIpv6(), "0\n");
  EXPECT_TRUE(Has(InNetns("ip -6 addr show dev eth0"), "fd00:9::5/64"));
}

TEST_F(NetnsIpv6QuietTest, IpamAfterTheMoveTurnsIpv6OnForItsAddress) {
  // An IPAM plugin runs once the NIC is in: moved with nothing, then
  // configured.
  Result<Link> moved = MoveIn({});
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(DisableIpv6(), "1\n");
  Result<Link> configured = Configure({"fd00:9::6/64"});
  ASSERT_TRUE(configured.ok()) << configured.status().message();
  EXPECT_EQ(DisableIpv6(), "0\n");
  EXPECT_TRUE(Has(InNetns("ip -6 addr show dev eth0"), "fd00:9::6/64"));
}

TEST_F(NetnsIpv6QuietTest, Ipv4AddedToARunningDualStackNicKeepsItsIpv6) {
  // hostnic re-installs an IPv4 lease re-acquired after an outage in the
  // running container this way (SandboxControl::InstallAddress): its IPv6,
  // and the DHCPv6 client that needs it, must stay (found by the e2e case
  // dhcp6-outage).
  Result<Link> moved = MoveIn({"fd00:9::5/64"});
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  Result<Link> configured = Configure({"10.9.8.7/24"});
  ASSERT_TRUE(configured.ok()) << configured.status().message();
  EXPECT_EQ(DisableIpv6(), "0\n");
  EXPECT_TRUE(Has(InNetns("ip -6 addr show dev eth0"), "fd00:9::5/64"));
  EXPECT_TRUE(Has(InNetns("ip -4 addr show dev eth0"), "10.9.8.7/24"));
}

}  // namespace
}  // namespace hostnic
