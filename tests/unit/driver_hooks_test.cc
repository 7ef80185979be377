// Driver rules around NICs that are not there yet: hot-plug waits, attach
// and detach hooks, cancellation. Waits run on the fixture's fake clock: a
// test acts once the driver waits (FakeClock::AwaitWaiters), never sleeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

#include "fakes/fake_hooks.h"
#include "unit/driver_test.h"

namespace hostnic::driver_test {
namespace {

const char kLate[] = "52:54:0e:e5:01:01";

class DriverHooksTest : public DriverFixture {
 protected:
  void SetUp() override { inventory_.Reset({MakeLink(3, "eth2", kMac2)}, {}); }
  void Start(Hooks* hooks, std::map<std::string, std::string> options = {}) {
    hooks_ = hooks;
    StartDriver();
    ASSERT_TRUE(
        driver_->CreateNetwork(NetworkRequest(kNet, std::move(options))).ok());
  }
  Result<CreateEndpointReply> Create(const std::string& ep,
                                     const std::string& mac) {
    return driver_->CreateEndpoint(
        EndpointRequest(kNet, ep, mac, "192.168.1.9/24"));
  }
  // Create(ep, mac) on a thread of its own; Finish() joins it.
  void StartCreate(const std::string& ep, const std::string& mac) {
    creator_ = std::thread([this, ep, mac] { created_ = Create(ep, mac); });
  }
  Result<CreateEndpointReply> Finish() {
    creator_.join();
    return created_;
  }
  void TearDown() override {
    if (creator_.joinable()) creator_.join();
    DriverFixture::TearDown();
  }

  std::thread creator_;
  Result<CreateEndpointReply> created_ = Status::Internal("not run");
};

TEST_F(DriverHooksTest, AbsentNicWithoutWaitFailsAtOnceNamingTheMac) {
  Start(nullptr);
  auto r = Create("ep", kLate);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no NIC 52:54:0e:e5:01:01"));
}

TEST_F(DriverHooksTest, WaitTimesOutNamingTheMacAndTheWait) {
  Start(nullptr, {{"hostnic.wait", "0.2"}});
  StartCreate("ep", kLate);
  clock_.AwaitWaiters(1);
  clock_.Advance(std::chrono::milliseconds(200));
  auto r = Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_THAT(r.status().message(),
              HasSubstr("NIC 52:54:0e:e5:01:01 did not appear on the host "
                        "within 0.200 s"));
  EXPECT_EQ(driver_->counters().wait_timeouts, 1u);
}

TEST_F(DriverHooksTest, DaemonDefaultWaitAppliesWhenNetworkIsSilent) {
  options_.default_wait = std::chrono::seconds(5);
  Start(nullptr);
  StartCreate("ep", kLate);
  clock_.AwaitWaiters(1);
  inventory_.Upsert(MakeLink(9, "eth9", kLate));
  auto r = Finish();
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST_F(DriverHooksTest, WaitDoesNotBlockOtherRequests) {
  Start(nullptr, {{"hostnic.wait", "10"}});
  StartCreate("waiting", kLate);
  clock_.AwaitWaiters(1);
  // Meanwhile another container gets its NIC.
  EXPECT_TRUE(Create("other", kMac2).ok());
  driver_->Shutdown();  // Cancels the wait.
  EXPECT_FALSE(Finish().ok());
}

TEST_F(DriverHooksTest, ShutdownCancelsWaits) {
  Start(nullptr, {{"hostnic.wait", "60"}});
  StartCreate("ep", kLate);
  clock_.AwaitWaiters(1);
  const MonoTime before = clock_.Monotonic();
  driver_->Shutdown();  // Wakes the wait: the clock never moves.
  auto r = Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("shutting down"));
  EXPECT_EQ(clock_.Monotonic(), before);
}

TEST_F(DriverHooksTest, AttachHookBringsTheRequestedMac) {
  FakeHooks hooks(&inventory_, &clock_);
  hooks.OnAttach(MakeLink(9, "eth9", kLate), FakeHooks::Plug::kOnceWaitedFor);
  Start(&hooks);
  auto r = Create("ep", kLate);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_THAT(hooks.calls(), ElementsAre("attach 52:54:0e:e5:01:01 ep"));
  auto joined = driver_->Join(kNet, "ep", "/sb");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->src_name, "eth9");
}

TEST_F(DriverHooksTest, AttachHookRunsWhenThePoolIsExhausted) {
  FakeHooks hooks(&inventory_, &clock_);
  Start(&hooks);
  auto first = Create("ep1", "");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(hooks.calls().empty());  // A free NIC was there.

  hooks.OnAttach(MakeLink(9, "eth9", kLate), FakeHooks::Plug::kOnceWaitedFor);
  auto second = Create("ep2", "");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->mac, kLate);
  EXPECT_THAT(hooks.calls(), ElementsAre("attach any ep2"));
}

TEST_F(DriverHooksTest, FailingAttachHookFailsTheRequestWithItsWords) {
  FakeHooks hooks(&inventory_);
  hooks.OnAttach(
      std::nullopt, FakeHooks::Plug::kAtOnce, true,
      Status::FailedPrecondition("exited with code 3: quota of NICs exceeded"));
  Start(&hooks);
  auto r = Create("ep", kLate);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("attach hook: exited with code 3: quota of NICs"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(driver_->counters().hook_failures, 1u);
}

TEST_F(DriverHooksTest, DetachHookRunsOnReleaseAndItsFailureIsNotFatal) {
  FakeHooks hooks(&inventory_);
  Start(&hooks);
  ASSERT_TRUE(Create("ep", kMac2).ok());
  hooks.FailDetach(Status::IoError("exited with code 1: API unreachable"));
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "ep").ok());
  EXPECT_THAT(hooks.calls(), ElementsAre("detach 52:54:0e:e5:00:f7 eth2"));
  EXPECT_TRUE(Create("again", kMac2).ok());
}

TEST_F(DriverHooksTest, DeleteNetworkDetachesItsEndpointsNics) {
  FakeHooks hooks(&inventory_);
  Start(&hooks);
  ASSERT_TRUE(Create("ep", kMac2).ok());
  EXPECT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(hooks.calls(), ElementsAre("detach 52:54:0e:e5:00:f7 eth2"));
}

// At start, a joined endpoint's NIC still on the host has the sandbox grace
// to move into its sandbox before it counts as back from a torn-down one.
TEST_F(DriverHooksTest, RecoverGivesJoinedNicsTheSandboxGraceToLeave) {
  options_.sandbox_grace = std::chrono::seconds(3);
  inventory_.Upsert(MakeLink(4, "eth3", kMac3));
  Start(nullptr);
  ASSERT_TRUE(Create("moving", kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, "moving", "/sb1").ok());
  ASSERT_TRUE(Create("back", kMac3).ok());
  ASSERT_TRUE(driver_->Join(kNet, "back", "/sb2").ok());

  StartDriver();  // hostnic restarts.
  std::thread recover([&] { EXPECT_TRUE(driver_->Recover().ok()); });
  clock_.AwaitWaiters(1);
  inventory_.Remove(3);  // Docker moves eth2 into its sandbox.
  clock_.Advance(std::chrono::seconds(3));
  recover.join();
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "moving").ok());
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "back").ok());  // Released.
}

// The detach hook of a NIC back from its sandbox runs off the event thread:
// while it hangs, the next NIC's return is still handled.
TEST_F(DriverHooksTest, AHangingDetachHookDoesNotDelayLinkEvents) {
  inventory_.Upsert(MakeLink(4, "eth3", kMac3));
  FakeHooks hooks(&inventory_);
  Start(&hooks);
  const std::vector<std::pair<std::string, std::string>> nics = {{"a", "eth2"},
                                                                 {"b", "eth3"}};
  std::vector<Link> back;
  for (const auto& [ep, name] : nics) {
    const Link in = *inventory_.FindByName(name);
    ASSERT_TRUE(Create(ep, in.mac.ToString()).ok());
    ASSERT_TRUE(driver_->Join(kNet, ep, "/sb-" + ep).ok());
    inventory_.Remove(in.ifindex);  // Docker moves it into the sandbox.
    driver_->OnLinkRemoved(in);
    back.push_back(MakeLink(in.ifindex + 20, name, in.mac.ToString().c_str()));
  }
  hooks.HoldDetach();
  // Both sandboxes are torn down; a's detach hook hangs.
  inventory_.Upsert(back[0]);
  driver_->OnLinkChanged(back[0]);
  hooks.AwaitCalls(1);
  inventory_.Upsert(back[1]);
  driver_->OnLinkChanged(back[1]);
  driver_->DrainLinkEvents();
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "b").ok());  // Released.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_THAT(hooks.calls(), ElementsAre("detach 52:54:0e:e5:00:f7 eth2"));
  hooks.ReleaseDetach();
  driver_->Shutdown();  // Runs the hooks still queued.
  EXPECT_THAT(hooks.calls(), ElementsAre("detach 52:54:0e:e5:00:f7 eth2",
                                         "detach 52:54:0e:e5:00:f8 eth3"));
}

}  // namespace
}  // namespace hostnic::driver_test
