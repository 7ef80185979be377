// A DHCP lease's times on the monotonic clock: setting the wall clock (NTP,
// a VM resumed) neither expires nor extends a lease; only a restart reads
// the stored wall-clock time, once (src/driver/lease_book.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "driver/lease_book.h"
#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

constexpr std::chrono::hours kDay{24};

class LeaseClockTest : public DriverAddressTest {
 protected:
  // The lease of `mac` as `hostnic status` shows it.
  std::optional<Lease> Shown(const std::string& mac) {
    for (const NicReport& row : driver_->Report()) {
      if (row.link.mac.ToString() == mac) return row.lease;
    }
    return std::nullopt;
  }
};

TEST_F(LeaseClockTest, WallClockSetADayOnDoesNotExpireABoundLease) {
  RunInNullNetwork();
  clock_.StepWall(kDay);
  EXPECT_EQ(driver_->KeepLeases(),
            clock_.Monotonic() + std::chrono::seconds(60));  // Still T1.
  EXPECT_THAT(renewer_.renewals(), IsEmpty());
  EXPECT_THAT(renewer_.reacquires(), IsEmpty());
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  EXPECT_EQ(LeaseState(kMac2), "bound");
  // Status gives its times on the wall clock of now.
  ASSERT_TRUE(Shown(kMac2).has_value());
  EXPECT_EQ(Shown(kMac2)->acquired, clock_.Now());
  // A new container on the NIC reuses it: it is before its T1.
  ASSERT_TRUE(driver_->Leave(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  ASSERT_TRUE(CreateEndpoint("ep2").ok());
  EXPECT_EQ(dhcp_.calls(), 1);
  EXPECT_EQ(driver_->counters().leases_reused, 1u);

  clock_.Advance(std::chrono::seconds(59));
  driver_->KeepLeases();  // ep2 is not joined: nothing to renew yet.
  ASSERT_TRUE(driver_->Join(kNet, "ep2", kSandbox).ok());
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.renewals(), IsEmpty());
  clock_.Advance(std::chrono::seconds(1));
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.renewals().size(), 1u);  // At T1, on the lease's time.
}

TEST_F(LeaseClockTest, WallClockSetADayBackDoesNotProlongALease) {
  RunInNullNetwork();
  clock_.StepWall(-kDay);
  // The server is down: renewals go unanswered until the lease's 120 s are
  // up, counted from when it was obtained, whatever the wall clock says.
  const MonoTime expiry = clock_.Monotonic() + std::chrono::seconds(120);
  MonoTime next = driver_->KeepLeases();
  EXPECT_EQ(next, clock_.Monotonic() + std::chrono::seconds(60));
  while (next < expiry) {
    clock_.AdvanceTo(next);
    renewer_.Queue(Status::Timeout("no DHCP answer"));
    next = driver_->KeepLeases();
  }
  EXPECT_EQ(next, expiry);
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  clock_.AdvanceTo(expiry);
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("lost: it expired"));
}

TEST_F(LeaseClockTest, RestartConvertsTheStoredTimeOnce) {
  RunInNullNetwork();
  inventory_.Remove(3);  // Docker moved eth2 into the container.
  clock_.Advance(std::chrono::seconds(30));
  Restart();
  // 30 s of the lease had gone: T1 is 30 s on.
  EXPECT_EQ(driver_->KeepLeases(),
            clock_.Monotonic() + std::chrono::seconds(30));
  // From here on the wall clock no longer matters.
  clock_.StepWall(kDay);
  EXPECT_EQ(driver_->KeepLeases(),
            clock_.Monotonic() + std::chrono::seconds(30));
  EXPECT_THAT(renewer_.renewals(), IsEmpty());
  EXPECT_THAT(renewer_.reacquires(), IsEmpty());
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

TEST_F(LeaseClockTest, RestartWithTheStoredExpiryPastAsksForTheLeaseFirst) {
  RunInNullNetwork();
  inventory_.Remove(3);
  clock_.StepWall(kDay);  // While hostnic was stopped, say.
  Restart();
  driver_->KeepLeases();
  // Expired by the stored wall-clock time: INIT-REBOOT before anything is
  // removed, as after any expiry found at start.
  EXPECT_THAT(renewer_.reacquires(), ElementsAre(std::string(kSandbox) +
                                                 " 192.168.61.11/24 ask-same"));
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (renewed"));
}

TEST_F(LeaseClockTest, RestartWithTheStoredTimeAheadCountsTheLeaseFromNow) {
  RunInNullNetwork();
  inventory_.Remove(3);
  clock_.Advance(std::chrono::seconds(30));
  clock_.StepWall(-kDay);  // "Acquired" is a day ahead of the wall clock.
  Restart();
  EXPECT_EQ(driver_->KeepLeases(),
            clock_.Monotonic() + std::chrono::seconds(60));
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

}  // namespace
}  // namespace hostnic::driver_test
