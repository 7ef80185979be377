// What survives failures and restarts: store and link failures leave
// nothing half done; Recover reconciles records with the NICs present.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "unit/driver_test.h"

namespace hostnic::driver_test {
namespace {

// The endpoints that hold a NIC, as `hostnic status` lists them.
std::vector<std::string> Holders(const Driver& driver) {
  std::vector<std::string> ids;
  for (const NicReport& row : driver.Report()) {
    if (!row.endpoint_id.empty()) ids.push_back(row.endpoint_id);
  }
  return ids;
}

TEST_F(DriverTest, StoreFailureLeavesNothingHalfDone) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  store_.SetFailing(true);
  auto r = CreateEndpoint(kMac2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIoError);
  EXPECT_THAT(r.status().message(), HasSubstr("No space left on device"));
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);  // MTU undone.
  store_.SetFailing(false);
  EXPECT_TRUE(CreateEndpoint(kMac2).ok());  // And the NIC is not held.
}

TEST_F(DriverTest, MtuDecisionsUseTheKernelsViewNotALaggingInventory) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  links_.DelayEvents(true);  // Netlink events fall behind under load.
  for (int i = 0; i < 3; ++i) {
    const std::string ep = "ep" + std::to_string(i);
    ASSERT_TRUE(CreateEndpoint(kMac2, ep).ok());
    EXPECT_EQ(links_.Refresh(*inventory_.FindByName("eth2"))->mtu, 1400u);
    ASSERT_TRUE(driver_->DeleteEndpoint(kNet, ep).ok());
    EXPECT_EQ(links_.Refresh(*inventory_.FindByName("eth2"))->mtu, 1500u);
  }
  links_.DeliverEvents();
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
}

TEST_F(DriverTest, ReadOnlyStateNeverStrandsAReleasedNic) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "old").ok());
  store_.SetFailing(true);
  Status s = driver_->DeleteEndpoint(kNet, "old");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("the NIC is free"));
  EXPECT_EQ(store_.endpoint_count(), 1u);  // The record could not go.
  store_.SetFailing(false);
  ASSERT_TRUE(CreateEndpoint(kMac2, "new").ok());  // Not held by "old".
  EXPECT_EQ(store_.endpoint_count(), 1u);  // "old" is gone, "new" is there.
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "old").ok());  // Docker's retry.
}

TEST_F(DriverTest, LinkFailureLeavesNicFree) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  links_.FailNext(Status::IoError("setting MTU: Operation not permitted"));
  auto r = CreateEndpoint(kMac2);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("Operation not permitted"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2).ok());
}

TEST_F(DriverTest, RestartKeepsNetworksAndHeldNics) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "running").ok());
  ASSERT_TRUE(driver_->Join(kNet, "running", "/sb").ok());
  inventory_.Remove(3);  // Moved into the container.

  Restart();
  auto busy = CreateEndpoint(kMac2, "new");  // Still in its container.
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), Code::kBusy);
  inventory_.Upsert(MakeLink(30, "eth2", kMac2));  // Docker moved it back.
  busy = CreateEndpoint(kMac2, "new");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), Code::kBusy);
  ASSERT_TRUE(driver_->Leave(kNet, "running").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "running").ok());
  // New containers work without re-creating the network.
  EXPECT_TRUE(CreateEndpoint(kMac2, "new").ok());
}

TEST_F(DriverTest, RecoverReportsProblemsAndMissingNics) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  inventory_.Remove(3);  // Detached while hostnic was down.
  store_.AddProblem("endpoints/x.json: not JSON; kept as x.json.corrupt");
  StartDriver();
  auto problems = driver_->Recover();
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 2u);
  EXPECT_THAT((*problems)[0], HasSubstr("x.json.corrupt"));
  EXPECT_THAT((*problems)[1], HasSubstr("is not on the host"));
}

// hostnic killed after making an endpoint but before Docker had the answer:
// Docker rolled it back, and the rollback's DeleteEndpoint was lost.
TEST_F(DriverTest, EndpointNeverJoinedAfterARestartIsReleasedAfterTheGrace) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "cut").ok());
  ASSERT_TRUE(CreateEndpoint(kMac3, "late").ok());
  options_.unjoined_grace = std::chrono::seconds(60);
  Restart();
  const UnixSeconds deadline = clock_.Now() + 60;
  EXPECT_EQ(driver_->ReleaseAbandoned(), deadline);
  // Docker's Join, retried across the restart, keeps its endpoint.
  ASSERT_TRUE(driver_->Join(kNet, "late", "/sb").ok());
  // An endpoint made after the restart is never counted as abandoned.
  inventory_.Upsert(MakeLink(5, "eth4", "52:54:0e:e5:00:f9"));
  ASSERT_TRUE(CreateEndpoint("", "after").ok());
  EXPECT_EQ(CreateEndpoint(kMac2, "new").status().code(), Code::kBusy);

  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(driver_->ReleaseAbandoned(),
            std::numeric_limits<UnixSeconds>::max());
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
  auto nic = inventory_.FindByMac(*Mac::Parse(kMac2));
  EXPECT_EQ(nic->mtu, 1500u);  // Put back as it was.
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "cut").ok());
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "after").ok());
  EXPECT_TRUE(driver_->Join(kNet, "late", "/sb").ok());
  EXPECT_TRUE(CreateEndpoint(kMac2, "new").ok());
}

TEST_F(DriverTest, NicReleasedWhileAwayIsPutBackWhenItReturns) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  inventory_.Remove(3);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.orphan_count(), 1u);

  Restart();  // The debt survives a restart too.
  Link back = MakeLink(31, "dev7", kMac2);
  back.mtu = 9000;
  back.up = true;
  inventory_.Upsert(back);
  links_.ClearCalls();
  LinkChanged(back);
  auto restored = inventory_.FindByMac(*Mac::Parse(kMac2));
  EXPECT_EQ(links_.calls().front(), "52:54:0e:e5:00:f7 flush");
  EXPECT_EQ(restored->name, "eth2");
  EXPECT_EQ(restored->mtu, 1500u);
  EXPECT_FALSE(restored->up);
  EXPECT_EQ(store_.orphan_count(), 0u);
}

TEST_F(DriverTest, NicThatCameBackWhileHostnicWasDownIsPutBackAtStart) {
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  inventory_.Remove(3);
  inventory_.Upsert(MakeLink(33, "dev3", kMac2));  // While hostnic was down.
  Restart();
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->name, "eth2");
  // Its sandbox is gone (the NIC is on the host): the endpoint is released
  // even if Docker's Leave/DeleteEndpoint never come.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

TEST_F(DriverTest, EndpointThatLeftIsReleasedAtStartIfDeleteWasLost) {
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  Restart();  // DeleteEndpoint hit the restart and never came.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

// The handler fuzzer's script of issue 20, with and without the disk
// failing: a left endpoint released at start leaves no record behind that
// a later start could release again, and a record the disk kept never takes
// the NIC from the container that has it now.
TEST_F(DriverTest, EndpointThatLeftIsReleasedOnceAcrossTwoRestarts) {
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  Restart();
  Restart();
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_THAT(Holders(*driver_), ::testing::IsEmpty());
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

TEST_F(DriverTest, RecordKeptByAFailingDiskNeverTakesTheNicFromItsNextHolder) {
  ScopedLogLevel quiet(spdlog::level::off);
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  store_.SetFailing(true);
  Restart();  // Released, but the record cannot go.
  Restart();  // Released again: still nothing in memory.
  EXPECT_EQ(store_.endpoint_count(), 1u);
  EXPECT_THAT(Holders(*driver_), ::testing::IsEmpty());
  store_.SetFailing(false);
  // The next container takes the NIC; the stale record goes first.
  ASSERT_TRUE(CreateEndpoint(kMac2, "next").ok());
  ASSERT_TRUE(driver_->Join(kNet, "next", "/sb2").ok());
  EXPECT_EQ(store_.endpoint_count(), 1u);
  inventory_.Remove(3);  // Moved into the new container.
  Restart();
  Restart();
  EXPECT_THAT(Holders(*driver_), ::testing::ElementsAre("next"));
  EXPECT_EQ(CreateEndpoint(kMac2, "third").status().code(), Code::kBusy);
}

TEST_F(DriverTest, StaleRecordOfALeftEndpointIsDroppedForTheJoinedHolder) {
  ScopedLogLevel quiet(spdlog::level::off);
  ASSERT_TRUE(CreateNetwork().ok());
  // What a store whose removals fail but whose writes succeed leaves: the
  // old container's record beside the new one's, for one NIC.
  EndpointRecord ghost;
  ghost.id = "ghost";
  ghost.network_id = kNet;
  ghost.mac = *Mac::Parse(kMac2);
  ghost.original = {"eth2", 1500, false};
  ghost.sandbox_key = "/old";  // Left.
  EndpointRecord holder = ghost;
  holder.id = "holder";
  holder.sandbox_key = "/new";
  holder.joined = true;
  ASSERT_TRUE(store_.PutEndpoint(holder).ok());
  ASSERT_TRUE(store_.PutEndpoint(ghost).ok());
  inventory_.Remove(3);  // In the new container.
  Restart();
  EXPECT_THAT(Holders(*driver_), ::testing::ElementsAre("holder"));
  EXPECT_EQ(store_.endpoint_count(), 1u);
  Link back = MakeLink(36, "eth2", kMac2);
  inventory_.Upsert(back);
  LinkChanged(back);  // The new container ends.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

TEST_F(DriverTest, NicInItsSandboxAtStartReleasesTheEndpointWhenItReturns) {
  ASSERT_NO_FATAL_FAILURE(JoinEth2());
  inventory_.Remove(3);  // In the container while hostnic restarts.
  Restart();
  EXPECT_EQ(store_.endpoint_count(), 1u);
  Link back = MakeLink(35, "eth2", kMac2);
  inventory_.Upsert(back);
  LinkChanged(back);  // Docker tears the sandbox down.
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(DriverTest, EndpointWhoseSandboxStillExistsIsKeptAtStart) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/up").ok());
  options_.sandbox_exists = [](const std::string& key) {
    return key == "/var/run/docker/netns/up";
  };
  Restart();  // Docker is still moving the NIC into the live sandbox.
  EXPECT_EQ(store_.endpoint_count(), 1u);
  EXPECT_EQ(CreateEndpoint(kMac2, "next").status().code(), Code::kBusy);
}

TEST_F(DriverTest, EndpointThatLeftIsReleasedAtStartWhileItsSandboxIsDeleted) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/going").ok());
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  options_.sandbox_exists = [](const std::string& key) {
    return key == "/var/run/docker/netns/going";
  };
  // Killed between Leave and DeleteEndpoint: Docker retries DeleteEndpoint
  // with an empty body while it deletes the sandbox.
  Restart();
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

}  // namespace
}  // namespace hostnic::driver_test
