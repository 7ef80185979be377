// A DHCP answer that comes after Docker gave up on the call: the endpoint
// Docker forgot is released, a retried run takes the NIC over.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

// An address source that takes `seconds` of the clock per exchange.
class SlowSource : public AddressSource {
 public:
  SlowSource(AddressSource* inner, FakeClock* clock, UnixSeconds seconds)
      : inner_(inner), clock_(clock), seconds_(seconds) {}
  Result<Lease> Acquire(const Link& link,
                        std::chrono::milliseconds timeout) override {
    clock_->Advance(std::chrono::seconds(seconds_));
    return inner_->Acquire(link, timeout);
  }

 private:
  AddressSource* const inner_;
  FakeClock* const clock_;
  const UnixSeconds seconds_;
};

// A managed plugin whose DHCP answer came 40 s into a call Docker gives up on
// after 30 s: Docker fails the run and forgets the endpoint, sending no
// DeleteEndpoint.
class LateAnswerTest : public DriverAddressTest {
 protected:
  LateAnswerTest() : slow_(&dhcp_, &clock_, 40) {
    ports_.dhcp = &slow_;
    options_.call_timeout = std::chrono::seconds(30);
    Restart();
  }
  SlowSource slow_;
};

TEST_F(LateAnswerTest, EndpointNeverJoinedIsReleasedAfterTheGrace) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("late", kMac2).ok());
  const UnixSeconds deadline = clock_.Now() + 60;  // --unjoined-grace.
  EXPECT_EQ(driver_->ReleaseAbandoned(), deadline);
  ASSERT_TRUE(CreateEndpoint("joined", kMac3).ok());
  // Docker did get this answer after all (its timeout is longer).
  ASSERT_TRUE(driver_->Join(kNet, "joined", kSandbox).ok());

  clock_.Advance(std::chrono::seconds(deadline - clock_.Now()));
  EXPECT_EQ(driver_->ReleaseAbandoned(), kNever);
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "late").ok());
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "joined").ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);  // Put back.
  auto again = CreateEndpoint("again", kMac2);           // Free again.
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->address, "192.168.61.11/24");
}

TEST_F(LateAnswerTest, RetriedRunTakesTheNicOverAtOnce) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("late", kMac2).ok());
  // The user runs the container again, by MAC or from the pool.
  auto retried = CreateEndpoint("retried", kMac2);
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "late").ok());
  ASSERT_TRUE(driver_->Join(kNet, "retried", kSandbox).ok());

  ASSERT_TRUE(CreateEndpoint("late3", kMac3).ok());
  auto pooled = CreateEndpoint("pooled");
  ASSERT_TRUE(pooled.ok()) << pooled.status().message();
  EXPECT_EQ(pooled->mac, kMac3);
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 2u);
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(driver_->ReleaseAbandoned(), kNever);
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "retried").ok());
  EXPECT_THAT(driver_->Violations(), IsEmpty());
}

}  // namespace
}  // namespace hostnic::driver_test
