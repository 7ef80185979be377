// The name servers of the NIC's DHCPv6 server (option 23): kept in the
// IPv6 lease, and handed by Join after the DHCPv4 lease's (each once), for
// the CNI result's dns and podman's resolv.conf.
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

class Dns6JoinTest : public DriverAddressTest {
 protected:
  Dns6JoinTest() : dhcp6_("dhcp6", &clock_), renewer6_(&clock_) {
    Lease v4 = CloudLease(kMac2, "192.168.61.11/24");
    v4.dns.servers = {"192.168.61.53", "fd00:61::53"};
    v4.dns.domain = "cloud.internal";
    dhcp_.Set(v4);
    Lease v6 = OfferedLease(kMac2, "2001:db8:61::11/64", "fe80::1",
                            "000300015254000000aa", 3600, 1800, 2880);
    v6.dns.servers = {"fd00:61::53", "2001:db8:61::53"};
    dhcp6_.Set(v6);
    ports_.dhcp6 = &dhcp6_;
    ports_.renewer6 = &renewer6_;
    Restart();
  }
  ~Dns6JoinTest() override { driver_.reset(); }

  FakeAddressSource dhcp6_;
  FakeRenewer renewer6_;
};

TEST_F(Dns6JoinTest, JoinHandsDhcp6NameServersAfterDhcp4s) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_THAT(joined->dns.servers,
              ElementsAre("192.168.61.53", "fd00:61::53", "2001:db8:61::53"));
  EXPECT_EQ(joined->dns.domain, "cloud.internal");
}

}  // namespace
}  // namespace hostnic::driver_test
