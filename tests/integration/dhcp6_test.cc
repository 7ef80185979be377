// Dhcp6Source against Debian's dnsmasq (DHCPv6, stateful), in the private
// network namespace of the integration tests (netns_env.h): a veth pair whose
// far end sits in a namespace of the test's own, where dnsmasq plays the
// cloud's DHCPv6 server. A veth dies with its namespace where a real NIC comes
// home: the tests delete their namespaces themselves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "dhcp6/dhcp6_source.h"
#include "dhcp6/message.h"
#include "integration/dnsmasq_fixture.h"
#include "integration/netns_env.h"
#include "netlink/link_control.h"

namespace hostnic::dhcp6 {
namespace {

using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;
using std::chrono::seconds;
using ::testing::ElementsAre;

constexpr char kMac[] = "52:54:0e:e6:60:01";
constexpr char kServer[] = "2001:db8:66::1";

class Dhcp6Test : public DnsmasqTest {
 protected:
  Dhcp6Test() : DnsmasqTest("d6", kMac, std::string(kServer) + "/64") {}

  void SetUpInNetns() override {
    DnsmasqTest::SetUpInNetns();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(Sh("echo 1 > /proc/sys/net/ipv6/conf/" + nic_ + "/disable_ipv6"),
              0);
    const std::string conf = "/proc/sys/net/ipv6/conf/" + nic_ + "/";
    accept_ra_ = ShOutput("cat " + conf + "accept_ra");
    accept_dad_ = ShOutput("cat " + conf + "accept_dad");
  }

  void StopServer() override {
    if (!dir_.empty()) {
      Sh("test -s " + dir_ + "/pid && kill $(cat " + dir_ + "/pid)");
    }
  }

  void StartServer() {
    ASSERT_EQ(
        Sh("ip netns exec " + server_ns_ +
           " dnsmasq --conf-file=/dev/null --port=0 --interface=" + peer_ +
           " --bind-interfaces --dhcp-authoritative --log-dhcp"
           " --log-facility=" +
           dir_ +
           "/dnsmasq.log"
           " --dhcp-range=2001:db8:66::100,2001:db8:66::200,64,2m"
           " --dhcp-option=option6:dns-server,[2001:db8:66::53]"
           " --dhcp-option=option6:domain-search,example.com,Lab.Example.org"
           // The router: RAs naming it a default router, the prefix on-link.
           " --enable-ra --ra-param=" +
           peer_ +
           ",10,1800"
           " --dhcp-leasefile=" +
           dir_ + "/leases --pid-file=" + dir_ + "/pid"),
        0);
    ASSERT_TRUE(WaitUntil([&] {
      return Sh("ip netns exec " + server_ns_ +
                " ss -Hlun 'sport = :547' | grep -q .") == 0;
    })) << ServerLog();
  }

  // The NIC on the host as the test left it before Acquire: down, no
  // address, IPv6 off, RA and DAD settings as before.
  void ExpectNicAsFound() {
    const std::string json = ShOutput("ip -j addr show dev " + nic_);
    EXPECT_NE(json.find("\"addr_info\":[]"), std::string::npos) << json;
    EXPECT_EQ(json.find("\"UP\""), std::string::npos) << json;
    EXPECT_EQ(ShOutput("ip -6 route show dev " + nic_ + " table all"), "");
    const std::string conf = "/proc/sys/net/ipv6/conf/" + nic_ + "/";
    EXPECT_EQ(ShOutput("cat " + conf + "disable_ipv6 " + conf + "accept_ra " +
                       conf + "accept_dad " + conf + "autoconf"),
              "1\n" + accept_ra_ + accept_dad_ + "1\n");
  }

  NetlinkLinkControl links_;
  Dhcp6Source source_{&links_, SystemClock()};
  std::string accept_ra_, accept_dad_;  // As found, with a newline.
};

TEST_F(Dhcp6Test, AcquireRenewRebindReleaseAgainstDnsmasq) {
  StartServer();
  Result<Lease> lease = source_.Acquire(link_, seconds(10));
  ASSERT_TRUE(lease.ok()) << lease.status().message() << "\n" << ServerLog();
  EXPECT_EQ(lease->source, "dhcp6");
  EXPECT_EQ(lease->mac, link_.mac);
  const std::string address =
      lease->address.substr(0, lease->address.find('/'));
  // The length of the RA's on-link prefix, and the router by its
  // link-local address.
  EXPECT_EQ(lease->address.substr(lease->address.find('/')), "/64");
  EXPECT_EQ(lease->gateway.rfind("fe80::", 0), 0u) << lease->gateway;
  EXPECT_EQ(address.rfind("2001:db8:66::", 0), 0u) << address;
  EXPECT_EQ(lease->lease_seconds, 120u);
  EXPECT_GT(lease->t1_seconds, 0u);
  EXPECT_LT(lease->t1_seconds, lease->t2_seconds);
  EXPECT_FALSE(lease->server.empty());
  // Options 23 and 24, as the container's resolv.conf gets them.
  EXPECT_THAT(lease->dns.servers, ElementsAre("2001:db8:66::53"));
  EXPECT_THAT(lease->dns.search, ElementsAre("example.com", "lab.example.org"));
  ExpectNicAsFound();

  // Inside the sandbox, the NIC with its address renews and rebinds there.
  ASSERT_EQ(Sh("ip link set " + nic_ + " netns " + sandbox_ns_ +
               " && ip netns exec " + sandbox_ns_ +
               " sh -c 'echo 0 > /proc/sys/net/ipv6/conf/" + nic_ +
               "/disable_ipv6; echo 0 > /proc/sys/net/ipv6/conf/" + nic_ +
               "/accept_dad' && ip -n " + sandbox_ns_ + " addr add " +
               lease->address + " dev " + nic_ + " && ip -n " + sandbox_ns_ +
               " link set " + nic_ + " up"),
            0);
  ASSERT_TRUE(WaitUntil([&] {
    return ShOutput("ip -n " + sandbox_ns_ + " -6 addr show dev " + nic_ +
                    " scope link -tentative") != "";
  }));
  const std::string path = "/var/run/netns/" + sandbox_ns_;
  Result<LeaseRenewer::Renewal> renewed =
      source_.Renew(path, *lease, false, seconds(10));
  ASSERT_TRUE(renewed.ok()) << renewed.status().message() << "\n"
                            << ServerLog();
  EXPECT_EQ(renewed->answer, LeaseRenewer::Answer::kAck);
  EXPECT_EQ(renewed->lease.address, lease->address);
  EXPECT_EQ(renewed->lease.server, lease->server);
  Result<LeaseRenewer::Renewal> rebound =
      source_.Renew(path, *lease, true, seconds(10));
  ASSERT_TRUE(rebound.ok()) << rebound.status().message() << "\n"
                            << ServerLog();
  EXPECT_EQ(rebound->lease.address, lease->address);

  // Home again (down, IPv6 off), the lease is released from the host.
  ASSERT_EQ(
      Sh("ip -n " + sandbox_ns_ + " link set " + nic_ + " down && ip -n " +
         sandbox_ns_ + " link set " + nic_ + " netns $$"),
      0);
  Sh("echo 1 > /proc/sys/net/ipv6/conf/" + nic_ + "/disable_ipv6");
  ASSERT_TRUE(source_.Release(link_, *lease).ok()) << ServerLog();
  EXPECT_NE(ServerLog().find("DHCPRELEASE"), std::string::npos) << ServerLog();
  ExpectNicAsFound();
}

TEST_F(Dhcp6Test, NoServerTimesOutNamingTheNicAndLeavesItAsFound) {
  Result<Lease> lease = source_.Acquire(link_, seconds(2));
  ASSERT_EQ(lease.status().code(), Code::kTimeout);
  EXPECT_NE(lease.status().message().find("no DHCPv6 answer for NIC " + nic_ +
                                          " (" + kMac + ")"),
            std::string::npos)
      << lease.status().message();
  ExpectNicAsFound();
}

}  // namespace
}  // namespace hostnic::dhcp6
