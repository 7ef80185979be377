// The name servers and domain search list of the NIC's DHCPv6 server
// (options 23 and 24, RFC 3646): kept in the IPv6 lease, and handed by Join
// after the DHCPv4 lease's (each once), for the CNI result's dns and
// podman's resolv.conf.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dhcp6/client.h"
#include "unit/dhcp6_replies.h"
#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

using dhcp6::replies6::Bytes;
using dhcp6::replies6::Cat;
using dhcp6::replies6::DecodeVector;
using dhcp6::replies6::FromServer;
using dhcp6::replies6::Ia;
using dhcp6::replies6::IaAddr;
using dhcp6::replies6::Ip;
using dhcp6::replies6::kMac;
using dhcp6::replies6::Option;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(Dns6LeaseTest, ReplysNameServersAreTheLeases) {
  const std::vector<uint8_t> dns =
      Cat({Bytes(Ip("2001:db8:66::53")), Bytes(Ip("fd00::53"))});
  Result<dhcp6::ServerMessage> reply = DecodeVector(FromServer(
      7, Cat({Option(3, Ia(Option(5, IaAddr("2001:db8:66::11", 300, 600)))),
              Option(23, dns)})));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  std::optional<Lease> lease = dhcp6::LeaseFromReply(*reply, kMac, 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_THAT(lease->dns.servers, ElementsAre("2001:db8:66::53", "fd00::53"));

  reply = DecodeVector(FromServer(
      7, Option(3, Ia(Option(5, IaAddr("2001:db8:66::11", 300, 600))))));
  ASSERT_TRUE(reply.ok());
  lease = dhcp6::LeaseFromReply(*reply, kMac, 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_THAT(lease->dns.servers, IsEmpty());
}

// DNS names in wire format (RFC 1035 3.1), one after another, as option 24
// carries them: {{"Lab", "Example"}, {}} is lab.example and the root name.
std::vector<uint8_t> WireNames(
    const std::vector<std::vector<std::string>>& names) {
  std::vector<uint8_t> out;
  for (const std::vector<std::string>& name : names) {
    for (const std::string& label : name) {
      out.push_back(static_cast<uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
    }
    out.push_back(0);
  }
  return out;
}

Result<dhcp6::ServerMessage> ReplyWith(const std::vector<uint8_t>& option24) {
  return DecodeVector(FromServer(
      7, Cat({Option(3, Ia(Option(5, IaAddr("2001:db8:66::11", 300, 600)))),
              Option(24, option24)})));
}

TEST(Dns6LeaseTest, ReplysDomainListIsTheLeasesSearch) {
  // Lower-cased; the root name and a repeat skipped.
  Result<dhcp6::ServerMessage> reply = ReplyWith(WireNames(
      {{"Lab", "Example"}, {}, {"cloud", "internal"}, {"lab", "example"}}));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_THAT(reply->warnings, IsEmpty());
  std::optional<Lease> lease = dhcp6::LeaseFromReply(*reply, kMac, 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_THAT(lease->dns.search, ElementsAre("lab.example", "cloud.internal"));
}

TEST(Dns6LeaseTest, KeepsAtMostDhcp4sNumberOfSearchDomains) {
  std::vector<std::vector<std::string>> names;
  for (int i = 0; i < 40; ++i) names.push_back({"d" + std::to_string(i), "x"});
  Result<dhcp6::ServerMessage> reply = ReplyWith(WireNames(names));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  ASSERT_EQ(reply->search_domains.size(), 32u);
  EXPECT_EQ(reply->search_domains.back(), "d31.x");
}

TEST(Dns6LeaseTest, DomainListThatDoesNotDecodeLeavesTheSearchEmpty) {
  // A pointer back to the first name: fine for DHCP's option 119, not here.
  Result<dhcp6::ServerMessage> reply = ReplyWith({1, 'a', 0, 1, 'b', 0xc0, 0});
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_THAT(reply->warnings, ElementsAre(HasSubstr("compression pointer")));
  std::optional<Lease> lease = dhcp6::LeaseFromReply(*reply, kMac, 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_THAT(lease->dns.search, IsEmpty());
}

class Dns6JoinTest : public DriverAddressTest {
 protected:
  Dns6JoinTest() : dhcp6_("dhcp6", &clock_), renewer6_(&clock_) {
    Lease v4 = CloudLease(kMac2, "192.168.61.11/24");
    v4.dns.servers = {"192.168.61.53", "fd00:61::53"};
    v4.dns.domain = "cloud.internal";
    v4.dns.search = {"cloud.internal"};
    dhcp_.Set(v4);
    Lease v6 = OfferedLease(kMac2, "2001:db8:61::11/64", "fe80::1",
                            "000300015254000000aa", 3600, 1800, 2880);
    v6.dns.servers = {"fd00:61::53", "2001:db8:61::53"};
    v6.dns.search = {"lab.example", "cloud.internal"};
    dhcp6_.Set(v6);
    ports_.dhcp6 = &dhcp6_;
    ports_.renewer6 = &renewer6_;
    Restart();
  }
  ~Dns6JoinTest() override { driver_.reset(); }

  FakeAddressSource dhcp6_;
  FakeRenewer renewer6_;
};

TEST_F(Dns6JoinTest, JoinHandsDhcp6NameServersAndSearchAfterDhcp4s) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_THAT(joined->dns.servers,
              ElementsAre("192.168.61.53", "fd00:61::53", "2001:db8:61::53"));
  EXPECT_EQ(joined->dns.domain, "cloud.internal");
  EXPECT_THAT(joined->dns.search, ElementsAre("cloud.internal", "lab.example"));
}

}  // namespace
}  // namespace hostnic::driver_test
