// The router's MTU (RA option 5, in the DHCPv6 or SLAAC lease) at
// CreateEndpoint: the NIC takes it when nothing says otherwise; hostnic.mtu,
// the IPv4 lease's MTU (DHCP option 26) and the address hook win over it;
// an MTU the NIC cannot take is ignored (RFC 4861 6.3.4), the container
// still starts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

class DriverRaMtuTest : public DriverAddressTest {
 protected:
  DriverRaMtuTest() : dhcp6_("dhcp6", &clock_), slaac_("slaac", &clock_) {
    Lease v6 = OfferedLease(kMac2, "2001:db8:61::11/64", "fe80::1",
                            "000300015254000000aa", 3600, 1800, 2880);
    v6.mtu = 1280;
    dhcp6_.Set(v6);
    v6.address = "2001:db8:62::5054:eff:fee5:f7/64";
    v6.lease_seconds = v6.t1_seconds = v6.t2_seconds = 0;
    v6.server = "fe80::1";
    slaac_.Set(v6);
    ports_.dhcp6 = &dhcp6_;
    ports_.slaac = &slaac_;
    Restart();
  }
  ~DriverRaMtuTest() override { driver_.reset(); }

  // Docker 28 with --ipv4=false --ipv6 and null IPAM.
  Status CreateIpv6OnlyNetwork(const std::string& address6) {
    CreateNetworkRequest r;
    r.network_id = kNet;
    r.ipv6 = {{"::/0", "", "null"}};
    r.options = {{"hostnic.address6", address6}};
    return driver_->CreateNetwork(r);
  }
  unsigned Mtu() const { return inventory_.FindByName("eth2")->mtu; }

  FakeAddressSource dhcp6_;
  FakeAddressSource slaac_;
};

TEST_F(DriverRaMtuTest, Ipv6OnlyNicTakesTheRoutersMtu) {
  ASSERT_TRUE(CreateIpv6OnlyNetwork("dhcp6").ok());
  ASSERT_TRUE(CreateEndpoint("ep1", kMac2).ok());
  EXPECT_EQ(Mtu(), 1280u);
}

TEST_F(DriverRaMtuTest, SlaacNicTakesTheRoutersMtu) {
  ASSERT_TRUE(CreateIpv6OnlyNetwork("slaac").ok());
  ASSERT_TRUE(CreateEndpoint("ep1", kMac2).ok());
  EXPECT_EQ(Mtu(), 1280u);
}

TEST_F(DriverRaMtuTest, DualStackNicTakesItWhenTheIpv4LeaseHasNone) {
  Lease v4 = CloudLease(kMac2, "192.168.61.11/24");
  v4.mtu = 0;
  dhcp_.Set(v4);
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1", kMac2).ok());
  EXPECT_EQ(Mtu(), 1280u);
}

TEST_F(DriverRaMtuTest, TheIpv4LeasesMtuWins) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1", kMac2).ok());
  EXPECT_EQ(Mtu(), 1400u);  // Option 26.
}

TEST_F(DriverRaMtuTest, TheAddressHookHasTheSayEvenWithoutAnMtu) {
  Lease hooked = CloudLease(kMac2, "10.0.1.23/24");
  hooked.lease_seconds = hooked.t1_seconds = hooked.t2_seconds = 0;
  hooked.server.clear();
  hooked.mtu = 0;
  hook_.Set(hooked);
  ASSERT_TRUE(CreateNullNetwork(
                  {{"hostnic.address", "hook"}, {"hostnic.address6", "dhcp6"}})
                  .ok());
  const unsigned before = Mtu();
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->address, "10.0.1.23/24");
  EXPECT_EQ(Mtu(), before);
}

TEST_F(DriverRaMtuTest, TheNetworksMtuOptionWins) {
  CreateNetworkRequest r;
  r.network_id = kNet;
  r.ipv6 = {{"::/0", "", "null"}};
  r.options = {{"hostnic.address6", "dhcp6"}, {"hostnic.mtu", "9000"}};
  ASSERT_TRUE(driver_->CreateNetwork(r).ok());
  ASSERT_TRUE(CreateEndpoint("ep1", kMac2).ok());
  EXPECT_EQ(Mtu(), 9000u);
}

TEST_F(DriverRaMtuTest, AnMtuTheNicRefusesIsIgnored) {
  ASSERT_TRUE(CreateIpv6OnlyNetwork("dhcp6").ok());
  const unsigned before = Mtu();
  links_.FailNext(Status::InvalidArgument("MTU too large"));
  links_.ClearCalls();
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->address6, "2001:db8:61::11/64");
  EXPECT_EQ(Mtu(), before);
}

}  // namespace
}  // namespace hostnic::driver_test
