// The NIC's own address, as the driver handles it at CreateEndpoint: from
// DHCP or the address hook, reused while valid, shown by the status. Its
// renewal and loss: driver_lease_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

TEST_F(DriverAddressTest, NullIpamNetworkGivesEachContainerItsNicsOwnAddress) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  auto first = CreateEndpoint("ep1");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->mac, kMac2);
  EXPECT_EQ(first->address, "192.168.61.11/24");
  auto second = CreateEndpoint("ep2", kMac3);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->mac, "");
  EXPECT_EQ(second->address, "192.168.61.12/24");

  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->src_name, "eth2");
  EXPECT_EQ(joined->gateway, "192.168.61.1");
  EXPECT_THAT(joined->static_routes,
              ElementsAre(Route{"10.61.0.0/16", "192.168.61.254"}));
  EXPECT_TRUE(joined->disable_gateway_service);  // No docker_gwbridge.
  EXPECT_EQ(store_.lease_count(), 2u);
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1400u);  // Option 26.
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

TEST_F(DriverAddressTest, NetworkMtuOptionWinsOverTheLeasesMtu) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 9000u);
}

TEST_F(DriverAddressTest, AddressSourceMustFitTheIpamDriver) {
  CreateNetworkRequest with_subnet;
  with_subnet.network_id = kNet;
  with_subnet.ipv4 = {{"192.168.1.0/24", "192.168.1.1/24", "LocalDefault"}};
  with_subnet.options = {{"hostnic.address", "dhcp"}};
  Status s = driver_->CreateNetwork(with_subnet);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--ipam-driver null"));

  s = CreateNullNetwork({{"hostnic.address", "docker"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("needs Docker's IPAM"));

  s = CreateNullNetwork({{"hostnic.address", "static"}});
  EXPECT_THAT(s.message(), HasSubstr("'static' is not dhcp"));
  s = CreateNullNetwork({{"hostnic.dhcp-timeout", "0"}});
  EXPECT_THAT(s.message(), HasSubstr("between 1 and 300"));
  s = CreateNullNetwork({{"hostnic.block-metadata", "yes"}});
  EXPECT_THAT(s.message(), HasSubstr("'yes' is not true or false"));
  s = CreateNullNetwork(
      {{"hostnic.address", "hook"}, {"hostnic.dhcp-timeout", "5"}});
  EXPECT_THAT(s.message(), HasSubstr("applies only to hostnic.address=dhcp"));

  // Docker's IPAM stays the default with a subnet.
  with_subnet.options.clear();
  EXPECT_TRUE(driver_->CreateNetwork(with_subnet).ok());
}

TEST_F(DriverAddressTest, HookNetworkNeedsTheDaemonsAddressHook) {
  options_ = DriverOptions();
  ports_.hook = nullptr;
  StartDriver();
  Status s = CreateNullNetwork({{"hostnic.address", "hook"}});
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("--address-hook"));
}

TEST_F(DriverAddressTest, NoAnswerFailsClearlyAndLeavesTheNicAsItWas) {
  Link eth9 = MakeLink(9, "eth9", "52:54:0e:e5:00:99");
  eth9.mtu = 1500;
  inventory_.Upsert(eth9);
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.dhcp-timeout", "2.5"}}).ok());
  auto created = CreateEndpoint("ep1", "52:54:0e:e5:00:99");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kTimeout);
  EXPECT_THAT(created.status().message(),
              HasSubstr("no DHCP answer for NIC eth9 (52:54:0e:e5:00:99) "
                        "within 2 s"));
  EXPECT_THAT(created.status().message(), HasSubstr("put back as it was"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(store_.lease_count(), 0u);
  // Free for the next try.
  dhcp_.Set(CloudLease("52:54:0e:e5:00:99", "192.168.61.19/24"));
  EXPECT_TRUE(CreateEndpoint("ep2", "52:54:0e:e5:00:99").ok());
}

TEST_F(DriverAddressTest, ValidLeaseIsReusedUntilT1WithoutAskingAgain) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  auto again = CreateEndpoint("ep2");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->address, "192.168.61.11/24");
  EXPECT_EQ(dhcp_.calls(), 1);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep2").ok());

  clock_.Advance(std::chrono::seconds(61));  // Past T1: ask the server.
  ASSERT_TRUE(CreateEndpoint("ep3").ok());
  EXPECT_EQ(dhcp_.calls(), 2);
}

TEST_F(DriverAddressTest, ReplayedCreateEndpointAnswersTheSameAddress) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto replay = CreateEndpoint("ep1");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->address, "192.168.61.11/24");
  EXPECT_EQ(dhcp_.calls(), 1);
}

TEST_F(DriverAddressTest, HookIsAskedEveryTimeAndItsLeaseNeverRenews) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address", "hook"}}).ok());
  Run("ep1", kMac2);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  auto again = CreateEndpoint("ep2", kMac2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->address, "10.0.1.23/24");
  EXPECT_EQ(hook_.calls(), 2);
  clock_.Advance(std::chrono::seconds(100000));
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.renewals(), IsEmpty());
}

TEST_F(DriverAddressTest, StatusShowsEachNicsLease) {
  RunInNullNetwork();
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() != kMac2) continue;
    ASSERT_TRUE(row.lease.has_value());
    EXPECT_EQ(row.lease->address, "192.168.61.11/24");
    EXPECT_EQ(row.lease->source, "dhcp");
    EXPECT_EQ(row.lease->network_id, kNet);
  }
}

}  // namespace
}  // namespace hostnic::driver_test
