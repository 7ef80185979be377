// The metadata guard (hostnic.block-metadata) as the driver applies it:
// unreachable routes in the sandbox, the guard on the NIC on the host from
// CreateEndpoint until the NIC comes home, again after a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

TEST_F(DriverAddressTest, BlockMetadataAddsUnreachableRoutesInTheSandbox) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");
  EXPECT_THAT(sandbox_.routes(kSandbox),
              ElementsAre("169.254.169.254/32", "fd00:ec2::254/128",
                          "100.100.100.200/32"));
}

TEST_F(DriverAddressTest, BlockMetadataWaitsForASandboxMadeAfterJoin) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  Run("ep1");
  EXPECT_THAT(sandbox_.routes(kSandbox), IsEmpty());
  sandbox_.MakeSandbox(kSandbox);
  const Link eth2 = *inventory_.FindByName("eth2");
  inventory_.Remove(eth2.ifindex);
  LinkRemoved(eth2);  // Docker moved it in.
  EXPECT_EQ(sandbox_.routes(kSandbox).size(), 3u);
}

TEST_F(DriverAddressTest, BlockMetadataRefusesAJoinWhenSandboxesAreOutOfSight) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto joined = driver_->Join(kNet, "ep1", "/elsewhere/netns/abc");
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(joined.status().message(),
              HasSubstr("cannot see /elsewhere/netns"));
}

// The metadata guard (hostnic.block-metadata): on the NIC, on the host,
// before Docker can move it; off when it comes home; back after a restart.
class DriverGuardTest : public DriverAddressTest {
 protected:
  std::optional<FakeGuard::Guarded> Guarded(const char* mac) {
    return guard_.guarded(*Mac::Parse(mac));
  }
  // Docker moves the NIC into the sandbox, and the kernel gives it back.
  Link MoveIn() {
    const Link eth2 = *inventory_.FindByName("eth2");
    inventory_.Remove(eth2.ifindex);
    LinkRemoved(eth2);
    return eth2;
  }
  void ComeHome(const Link& eth2) {
    inventory_.Upsert(eth2);
    LinkChanged(eth2);
  }
};

TEST_F(DriverGuardTest, GuardsTheNicOnTheHostAtCreateEndpoint) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto guarded = Guarded(kMac2);
  ASSERT_TRUE(guarded.has_value());
  EXPECT_EQ(guarded->netns, "");  // Before Docker can move it.
  EXPECT_THAT(
      guarded->addresses,
      ElementsAre("169.254.169.254", "fd00:ec2::254", "100.100.100.200"));
}

TEST_F(DriverGuardTest, AnUnguardedNetworkLeavesTheNicAlone) {
  RunInNullNetwork();
  EXPECT_FALSE(Guarded(kMac2).has_value());
  EXPECT_EQ(guard_.attaches(), 0);
}

TEST_F(DriverGuardTest, GuardsTheAddressesTheNetworkNames) {
  ASSERT_TRUE(
      CreateNullNetwork({{"hostnic.block-metadata", "true"},
                         {"hostnic.metadata-addresses", "10.9.9.9, fd00:9::9"}})
          .ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");
  ASSERT_TRUE(Guarded(kMac2).has_value());
  EXPECT_THAT(Guarded(kMac2)->addresses, ElementsAre("10.9.9.9", "fd00:9::9"));
  EXPECT_THAT(sandbox_.routes(kSandbox),
              ElementsAre("10.9.9.9/32", "fd00:9::9/128"));
}

// As on GCE, the DHCP server's own address is guarded; here it is also in
// the NIC's subnet, where a route would keep Docker from configuring the NIC.
TEST_F(DriverGuardTest, AGuardedAddressInTheNicsSubnetGetsTheGuardButNoRoute) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"},
                                 {"hostnic.metadata-addresses",
                                  "192.168.61.1,169.254.169.254"}})
                  .ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");  // The lease: 192.168.61.11/24.
  EXPECT_THAT(Guarded(kMac2)->addresses,
              ElementsAre("192.168.61.1", "169.254.169.254"));
  EXPECT_THAT(sandbox_.routes(kSandbox), ElementsAre("169.254.169.254/32"));
}

TEST_F(DriverGuardTest, RefusesBadMetadataAddresses) {
  Status s = CreateNullNetwork({{"hostnic.block-metadata", "true"},
                                {"hostnic.metadata-addresses", "10.9.9.0/24"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("'10.9.9.0/24' is not a plain IPv4"));
  s = CreateNullNetwork({{"hostnic.metadata-addresses", "10.9.9.9"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("needs hostnic.block-metadata=true"));
}

TEST_F(DriverGuardTest, ANicThatCannotBeGuardedIsPutBackAndNoContainerStarts) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  guard_.Fail(Status::FailedPrecondition(
      "guarding NIC eth2 (52:54:0e:e5:00:f7): the NIC takes no XDP program"));
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(created.status().message(),
              HasSubstr("the NIC takes no XDP program"));
  EXPECT_THAT(created.status().message(),
              HasSubstr("52:54:0e:e5:00:f7 was put back on the host"));
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() == kMac2) {
      EXPECT_EQ(row.state(), NicReport::State::kFree);
    }
  }
  guard_.Fail(Status::Ok());
  EXPECT_TRUE(CreateEndpoint("ep2", kMac2).ok());  // Nothing left behind.
}

TEST_F(DriverGuardTest, TheGuardComesOffWhenTheNicComesHome) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  Run("ep1");
  const Link eth2 = MoveIn();
  ASSERT_TRUE(Guarded(kMac2).has_value());
  ComeHome(eth2);
  EXPECT_FALSE(Guarded(kMac2).has_value());
  // Found where the host has it, without a look at every device.
  EXPECT_EQ(guard_.detach_hint(*Mac::Parse(kMac2)), eth2.ifindex);
}

TEST_F(DriverGuardTest, AReleaseOfANicOnTheHostTellsTheGuardWhereItIs) {
  RunInNullNetwork();
  const int ifindex = inventory_.FindByName("eth2")->ifindex;
  ASSERT_TRUE(driver_->Leave(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  EXPECT_EQ(guard_.detach_hint(*Mac::Parse(kMac2)), ifindex);
}

TEST_F(DriverGuardTest, StatusShowsTheGuard) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  Run("ep1");
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() == kMac2) {
      ASSERT_TRUE(row.guard.has_value());
      EXPECT_EQ(row.guard->dropped, 7u);
    } else {
      EXPECT_FALSE(row.guard.has_value());
    }
  }
}

TEST_F(DriverGuardTest, ARestartedDaemonGuardsTheNicInItsContainerAgain) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");
  MoveIn();
  ASSERT_TRUE(guard_.Detach(*Mac::Parse(kMac2), 0).ok());  // A new daemon.
  Restart();
  auto guarded = Guarded(kMac2);
  ASSERT_TRUE(guarded.has_value());
  EXPECT_EQ(guarded->netns, kSandbox);
}

}  // namespace
}  // namespace hostnic::driver_test
