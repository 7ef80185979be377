// Join and Leave, and the NIC's trips into its sandbox and back: Sandbox
// refresh, lost calls, link events for held and foreign NICs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

#include "unit/driver_test.h"

namespace hostnic::driver_test {
namespace {

TEST_F(DriverTest, UnknownEndpointLeaveAndDeleteSucceed) {
  EXPECT_TRUE(driver_->Leave(kNet, "gone").ok());
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "gone").ok());
  EXPECT_TRUE(driver_->DeleteNetwork("gone").ok());
  auto join = driver_->Join(kNet, "gone", "/sb");
  ASSERT_FALSE(join.ok());
  EXPECT_EQ(join.status().code(), Code::kNotFound);
  ASSERT_FALSE(CreateEndpoint(kMac2).ok());  // Unknown network.
}

TEST_F(DriverTest, JoinedNicReturnedByTheKernelGetsItsNameBack) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  inventory_.Remove(3);
  links_.ClearCalls();
  // The container's namespace died: the kernel hands the NIC back as dev7.
  Link back = MakeLink(32, "dev7", kMac2);
  back.mtu = 9000;
  inventory_.Upsert(back);
  LinkChanged(back);
  EXPECT_THAT(links_.calls(),
              ::testing::ElementsAre("52:54:0e:e5:00:f7 flush",
                                     "52:54:0e:e5:00:f7 name eth2"));
  // Still held; MTU and state are the release's job.
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->mtu, 9000u);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->mtu, 1500u);
}

TEST_F(DriverTest, NicBackFromItsSandboxReleasesTheEndpointEvenIfCallsAreLost) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  // Changes while the NIC is still on the host do not count.
  LinkChanged(*inventory_.FindByName("eth2"));
  EXPECT_EQ(store_.endpoint_count(), 1u);
  // Docker moves it into the sandbox, and later back.
  MoveIntoSandbox("eth2");
  Link back = MakeLink(34, "eth2", kMac2);
  back.mtu = 9000;
  inventory_.Upsert(back);
  LinkChanged(back);
  // Docker's Leave and DeleteEndpoint never arrive (lost to a plugin
  // restart): the NIC is free anyway, with its MTU back.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
  EXPECT_TRUE(driver_->Leave(kNet, kEp).ok());
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 1u);  // "next" is untouched.
}

TEST_F(DriverTest, NicsHostnicDoesNotOweAreLeftAlone) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());  // Held but not joined.
  Link renamed = MakeLink(3, "wan0", kMac2);
  inventory_.Upsert(renamed);
  LinkChanged(renamed);
  Link stranger = MakeLink(50, "dev9", "02:00:00:00:00:50");
  inventory_.Upsert(stranger);
  LinkChanged(stranger);
  EXPECT_TRUE(links_.calls().empty());
}

TEST_F(DriverTest, LeaveAndDeleteEndpointOfAnotherNetworkChangeNothing) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateNetwork({}, "othernet").ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/x").ok());
  Status s = driver_->Leave("othernet", kEp);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("belongs to network 4390aa"));
  s = driver_->DeleteEndpoint("othernet", kEp);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(store_.endpoint_count(), 1u);
  EXPECT_TRUE(driver_->Leave(kNet, kEp).ok());
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

// libnetwork's Sandbox.Refresh: Leave, Docker moves the NIC back to the host,
// then Join of the same endpoint at once.
TEST_F(DriverTest, SandboxRefreshLeavesAndJoinsAgainWithTheSameNic) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  MoveIntoSandbox("eth2");
  for (int trip = 0; trip < 2; ++trip) {
    ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
    Link back = MakeLink(40 + trip, "eth2", kMac2);
    back.mtu = 9000;
    inventory_.Upsert(back);
    LinkChanged(back);
    auto again = driver_->Join(kNet, kEp, "/sb");
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again->src_name, "eth2");
    EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 9000u);
    inventory_.Remove(back.ifindex);
    LinkRemoved(back);
  }
  // The container stops for good: Leave, the NIC back, DeleteEndpoint.
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  Link back = MakeLink(45, "eth2", kMac2);
  back.mtu = 9000;
  inventory_.Upsert(back);
  LinkChanged(back);
  EXPECT_EQ(store_.endpoint_count(), 1u);  // Kept until DeleteEndpoint.
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
}

TEST_F(DriverTest, RefreshKeepsTheNicWhenTheMonitorReportsItsReturnLate) {
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  MoveIntoSandbox("eth2");
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  const Link back = MakeLink(40, "eth2", kMac2);
  inventory_.Upsert(back);
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  LinkChanged(back);  // Delivered after the Join.
  EXPECT_EQ(store_.endpoint_count(), 1u);
  auto report = driver_->Report();
  EXPECT_TRUE(std::any_of(report.begin(), report.end(), [](const NicReport& r) {
    return r.endpoint_id == kEp && r.joined;
  }));
}

TEST_F(DriverTest, JoinAfterLeaveWaitsForTheNicOnItsWayBack) {
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  MoveIntoSandbox("eth2");
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  Result<JoinReply> again = Status::Internal("not run");
  std::thread join([&] { again = driver_->Join(kNet, kEp, "/sb"); });
  clock_.AwaitWaiters(1);
  inventory_.Upsert(MakeLink(40, "eth2", kMac2));  // The monitor sees it back.
  join.join();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->src_name, "eth2");
}

TEST_F(DriverTest, LeftEndpointWhoseDeleteWasLostGivesItsNicToTheNextOne) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth2"}}).ok());
  for (const std::string& mac : {std::string(kMac2), std::string()}) {
    ASSERT_TRUE(CreateEndpoint(mac, "old").ok());
    ASSERT_TRUE(driver_->Join(kNet, "old", "/sb").ok());
    ASSERT_TRUE(driver_->Leave(kNet, "old").ok());
    // DeleteEndpoint("old") was lost. The NIC asked for by MAC, or the only
    // one of the pool, goes to the next endpoint.
    auto next = CreateEndpoint(mac, "next");
    ASSERT_TRUE(next.ok()) << next.status().message();
    EXPECT_EQ(store_.endpoint_count(), 1u);
    EXPECT_EQ(driver_->Join(kNet, "old", "/sb").status().code(),
              Code::kNotFound);
    EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "old").ok());
    ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "next").ok());
  }
  // An endpoint that has not left keeps its NIC.
  ASSERT_TRUE(CreateEndpoint(kMac2, "holder").ok());
  ASSERT_TRUE(driver_->Join(kNet, "holder", "/sb").ok());
  EXPECT_EQ(CreateEndpoint(kMac2, "late").status().code(), Code::kBusy);
  EXPECT_EQ(CreateEndpoint("", "late").status().code(), Code::kBusy);
}

}  // namespace
}  // namespace hostnic::driver_test
