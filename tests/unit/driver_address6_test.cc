// The NIC's own IPv6 address (hostnic.address6): from DHCPv6 with the
// router's RA, or SLAAC, at CreateEndpoint; its router as Join's IPv6
// gateway; the lease kept beside the IPv4 one, renewed from the sandbox,
// asked for again when lost, released with the network; a bad option value
// refused at network create; a network without a DHCPv6 server leaves the
// NIC as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "driver/lease_book.h"
#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

using ::testing::Contains;

constexpr char kRouter[] = "fe80::1";

class DriverAddress6Test : public DriverAddressTest {
 protected:
  // What the fake DHCPv6 server and router answer for `mac`.
  static Lease Cloud6Lease(const char* mac, const char* address) {
    return OfferedLease(mac, address, kRouter, "000300015254000000aa", 3600,
                        1800, 2880);
  }

  DriverAddress6Test()
      : dhcp6_("dhcp6", &clock_), slaac_("slaac", &clock_), renewer6_(&clock_) {
    dhcp6_.Set(Cloud6Lease(kMac2, "2001:db8:61::11/64"));
    Lease slaac = Cloud6Lease(kMac2, "2001:db8:62::5054:eff:fee5:f7/64");
    slaac.lease_seconds = slaac.t1_seconds = slaac.t2_seconds = 0;
    slaac.server = kRouter;
    slaac_.Set(slaac);
    ports_.dhcp6 = &dhcp6_;
    ports_.renewer6 = &renewer6_;
    ports_.slaac = &slaac_;
    Restart();
  }
  ~DriverAddress6Test() override { driver_.reset(); }

  const NicReport* Row(const std::string& mac) {
    rows_ = driver_->Report();
    for (const NicReport& row : rows_) {
      if (row.link.mac.ToString() == mac) return &row;
    }
    return nullptr;
  }

  FakeAddressSource dhcp6_;
  FakeAddressSource slaac_;
  FakeRenewer renewer6_;
  std::vector<NicReport> rows_;
};

TEST_F(DriverAddress6Test, Dhcp6EndpointGetsTheNicsIpv6AddressAndRouter) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->address, "192.168.61.11/24");  // IPv4 by DHCP as ever.
  EXPECT_EQ(created->address6, "2001:db8:61::11/64");
  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->gateway, "192.168.61.1");
  EXPECT_EQ(joined->gateway6, kRouter);
  EXPECT_TRUE(joined->gateway6_from_router);
  EXPECT_TRUE(joined->disable_gateway_service);

  // Beside the IPv4 lease, in the store and in status.
  Snapshot stored = *store_.Load();
  ASSERT_EQ(stored.leases.size(), 2u);
  const NicReport* row = Row(kMac2);
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(row->lease6.has_value());
  EXPECT_EQ(row->lease6->address, "2001:db8:61::11/64");
  EXPECT_EQ(row->lease6_state, "bound");
  EXPECT_EQ(row->lease->address, "192.168.61.11/24");
}

TEST_F(DriverAddress6Test, SlaacEndpointOnAnIpv6OnlyNetwork) {
  // Docker 28 with --ipv4=false --ipv6 and null IPAM.
  CreateNetworkRequest r;
  r.network_id = kNet;
  r.ipv6 = {{"::/0", "", "null"}};
  r.options = {{"hostnic.address6", "slaac"}};
  ASSERT_TRUE(driver_->CreateNetwork(r).ok());
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->address, "");  // No IPv4: Docker's IPAM, none asked.
  EXPECT_EQ(created->address6, "2001:db8:62::5054:eff:fee5:f7/64");
  EXPECT_EQ(dhcp_.calls(), 0);
  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->gateway6, kRouter);
  EXPECT_TRUE(joined->gateway6_from_router);
  EXPECT_EQ(joined->gateway, "");
  // Never renewed: the router's prefix is asked for at each endpoint.
  driver_->KeepLeases();
  EXPECT_THAT(renewer6_.renewals(), IsEmpty());
}

TEST_F(DriverAddress6Test, BadValueIsRefusedAtNetworkCreate) {
  Status s = CreateNullNetwork({{"hostnic.address6", "dhcp"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("hostnic.address6: 'dhcp' is not dhcp6"));

  CreateNetworkRequest ipam;  // Docker's IPAM would give its own address.
  ipam.network_id = kNet;
  ipam.ipv4 = {{"192.168.1.0/24", "192.168.1.1", ""}};
  ipam.ipv6 = {{"fd00:1::/64", "fd00:1::1", ""}};
  ipam.options = {{"hostnic.address6", "dhcp6"}};
  s = driver_->CreateNetwork(ipam);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--ipam-driver null"));
  EXPECT_EQ(store_.network_count(), 0u);
}

TEST_F(DriverAddress6Test, NoDhcp6ServerFailsTheEndpointAndFreesTheNic) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  auto created = CreateEndpoint("ep1", kMac3);  // No DHCPv6 answer for eth3.
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kTimeout);
  EXPECT_THAT(created.status().message(), HasSubstr(kMac3));
  EXPECT_THAT(created.status().message(), HasSubstr("eth3"));
  EXPECT_THAT(created.status().message(), HasSubstr("was put back as it was"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  // The NIC is free for the next endpoint.
  ASSERT_TRUE(CreateEndpoint("ep2", kMac2).ok());
}

TEST_F(DriverAddress6Test, RenewsTheIpv6LeaseFromTheSandboxAndKeepsItLost) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  Run("ep1", kMac2);
  clock_.Advance(std::chrono::seconds(1800));  // IPv6 T1 (IPv4 long past).
  driver_->KeepLeases();
  ASSERT_EQ(renewer6_.renewals().size(), 1u);
  EXPECT_EQ(renewer6_.renewals()[0].address, "2001:db8:61::11/64");
  EXPECT_EQ(renewer6_.renewals()[0].netns, kSandbox);

  // The server forgets it (NoBinding): the address goes, hostnic asks again
  // from inside the container, and the address and router come back.
  clock_.Advance(std::chrono::seconds(1800));
  renewer6_.QueueNak();
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 2001:db8:61::11/64"));
  EXPECT_THAT(Row(kMac2)->lease6_state, HasSubstr("lost"));
  EXPECT_TRUE(store_.Load()->leases.size() == 2u);

  clock_.Advance(LeaseBook::kLostRetry);
  driver_->KeepLeases();
  ASSERT_FALSE(renewer6_.reacquires().empty());
  // Contains, not back(): the IPv4 lease of the same NIC is renewed beside
  // it, in parallel, and may be installed after it.
  EXPECT_THAT(sandbox_.installed(),
              Contains(HasSubstr("2001:db8:61::11/64 ::/0 via fe80::1")));
  EXPECT_THAT(Row(kMac2)->lease6_state, HasSubstr("re-acquired"));
}

TEST_F(DriverAddress6Test, AnotherAddressOnRenewalMovesTheContainer) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  Run("ep1", kMac2);
  clock_.Advance(std::chrono::seconds(1800));
  LeaseRenewer::Renewal moved;
  moved.lease = Cloud6Lease(kMac2, "2001:db8:61::77/128");
  moved.lease.source = "dhcp6";
  moved.lease.acquired = clock_.Now();
  renewer6_.Queue(moved);
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 2001:db8:61::11/64"));
  EXPECT_THAT(sandbox_.installed(),
              Contains(HasSubstr("2001:db8:61::77/128 ::/0 via fe80::1")));
  // The endpoint follows, so that the lease stays its own.
  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->gateway6, kRouter);
  EXPECT_TRUE(joined->gateway6_from_router);
  EXPECT_EQ(driver_->counters().leases_moved, 1u);
  EXPECT_THAT(driver_->Violations(), IsEmpty());
}

TEST_F(DriverAddress6Test, LeaseSurvivesARestartAndIsReleasedWithItsNetwork) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address6", "dhcp6"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1", kMac2).ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  Restart();
  // Reused before T1: no second exchange.
  ASSERT_TRUE(CreateEndpoint("ep2", kMac2).ok());
  EXPECT_EQ(dhcp6_.calls(), 1);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep2").ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(renewer6_.releases(), ElementsAre("eth2 2001:db8:61::11/64"));
  EXPECT_THAT(renewer_.releases(), ElementsAre("eth2 192.168.61.11/24"));
  EXPECT_EQ(store_.lease_count(), 0u);
  EXPECT_THAT(driver_->Violations(), IsEmpty());
}

}  // namespace
}  // namespace hostnic::driver_test
