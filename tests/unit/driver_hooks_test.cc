// Driver rules around NICs that are not there yet: hot-plug waits, attach
// and detach hooks, cancellation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "fakes/driver_fixture.h"
#include "fakes/fake_hooks.h"

namespace hostnic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char kNet[] = "net1";
const char kLate[] = "52:54:0e:e5:01:01";

class DriverHooksTest : public DriverFixture {
 protected:
  void SetUp() override {
    inventory_.Reset({MakeLink(3, "eth2", "52:54:0e:e5:00:f7")}, {});
  }
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
};

TEST_F(DriverHooksTest, AbsentNicWithoutWaitFailsAtOnceNamingTheMac) {
  Start(nullptr);
  auto r = Create("ep", kLate);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no NIC 52:54:0e:e5:01:01"));
}

TEST_F(DriverHooksTest, WaitTimesOutNamingTheMacAndTheWait) {
  Start(nullptr, {{"hostnic.wait", "0.2"}});
  auto r = Create("ep", kLate);
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
  std::thread plug([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    inventory_.Upsert(MakeLink(9, "eth9", kLate));
  });
  auto r = Create("ep", kLate);
  plug.join();
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST_F(DriverHooksTest, WaitDoesNotBlockOtherRequests) {
  Start(nullptr, {{"hostnic.wait", "10"}});
  std::thread waiter([&] { (void)Create("waiting", kLate); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Meanwhile another container gets its NIC.
  EXPECT_TRUE(Create("other", "52:54:0e:e5:00:f7").ok());
  driver_->Shutdown();  // Cancels the wait.
  waiter.join();
}

TEST_F(DriverHooksTest, ShutdownCancelsWaits) {
  Start(nullptr, {{"hostnic.wait", "60"}});
  Result<CreateEndpointReply> r = Status::Internal("not run");
  std::thread waiter([&] { r = Create("ep", kLate); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  driver_->Shutdown();
  waiter.join();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("shutting down"));
}

TEST_F(DriverHooksTest, AttachHookBringsTheRequestedMac) {
  FakeHooks hooks(&inventory_);
  hooks.OnAttach(MakeLink(9, "eth9", kLate), std::chrono::milliseconds(50));
  Start(&hooks);
  auto r = Create("ep", kLate);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_THAT(hooks.calls(), ElementsAre("attach 52:54:0e:e5:01:01 ep"));
  auto joined = driver_->Join(kNet, "ep", "/sb");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->src_name, "eth9");
}

TEST_F(DriverHooksTest, AttachHookRunsWhenThePoolIsExhausted) {
  FakeHooks hooks(&inventory_);
  Start(&hooks);
  auto first = Create("ep1", "");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(hooks.calls().empty());  // A free NIC was there.

  hooks.OnAttach(MakeLink(9, "eth9", kLate), std::chrono::milliseconds(50));
  auto second = Create("ep2", "");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->mac, kLate);
  EXPECT_THAT(hooks.calls(), ElementsAre("attach any ep2"));
}

TEST_F(DriverHooksTest, FailingAttachHookFailsTheRequestWithItsWords) {
  FakeHooks hooks(&inventory_);
  hooks.OnAttach(
      std::nullopt, std::chrono::milliseconds(0), true,
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
  ASSERT_TRUE(Create("ep", "52:54:0e:e5:00:f7").ok());
  hooks.FailDetach(Status::IoError("exited with code 1: API unreachable"));
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "ep").ok());
  EXPECT_THAT(hooks.calls(), ElementsAre("detach 52:54:0e:e5:00:f7 eth2"));
  EXPECT_TRUE(Create("again", "52:54:0e:e5:00:f7").ok());
}

TEST_F(DriverHooksTest, DeleteNetworkDetachesItsEndpointsNics) {
  FakeHooks hooks(&inventory_);
  Start(&hooks);
  ASSERT_TRUE(Create("ep", "52:54:0e:e5:00:f7").ok());
  EXPECT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(hooks.calls(), ElementsAre("detach 52:54:0e:e5:00:f7 eth2"));
}

}  // namespace
}  // namespace hostnic
