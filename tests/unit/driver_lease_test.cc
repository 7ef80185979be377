// The NIC's DHCP lease after CreateEndpoint, as the driver keeps it: renewed
// from the sandbox at T1, rebound after T2, moved on a NAK or another
// address, lost loudly at expiry and asked for again, kept across restarts,
// released with the network.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "driver/lease_book.h"
#include "unit/driver_address_fixture.h"

namespace hostnic::driver_test {
namespace {

TEST_F(DriverAddressTest, RenewsFromTheSandboxAtT1AndRebindsAfterT2) {
  RunInNullNetwork();
  EXPECT_EQ(driver_->KeepLeases(),
            clock_.Monotonic() + std::chrono::seconds(60));  // Next: T1.
  EXPECT_THAT(renewer_.renewals(), IsEmpty());

  clock_.Advance(std::chrono::seconds(60));
  renewer_.Queue(Status::Timeout("no answer from 192.168.61.1"));
  driver_->KeepLeases();
  ASSERT_EQ(renewer_.renewals().size(), 1u);
  EXPECT_EQ(renewer_.renewals()[0].netns, kSandbox);
  EXPECT_FALSE(renewer_.renewals()[0].rebinding);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("renewing (last try: no answer"));
  EXPECT_EQ(driver_->counters().lease_renewal_failures, 1u);

  clock_.Advance(std::chrono::seconds(46));  // Past T2 (105 s): broadcast.
  driver_->KeepLeases();
  ASSERT_EQ(renewer_.renewals().size(), 2u);
  EXPECT_TRUE(renewer_.renewals()[1].rebinding);
  EXPECT_EQ(LeaseState(kMac2), "bound");
  EXPECT_EQ(driver_->counters().lease_renewals, 1u);
}

TEST_F(DriverAddressTest, NakMovesTheContainerToTheAddressTheServerGives) {
  RunInNullNetwork();
  clock_.Advance(std::chrono::seconds(60));
  renewer_.QueueNak();
  const MonoTime next = driver_->KeepLeases();
  EXPECT_EQ(next, clock_.Monotonic());  // Asks again at once.
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("lost: DHCP server 192.168.61.1 "
                                           "refused to renew it (NAK)"));
  EXPECT_EQ(driver_->counters().leases_lost, 1u);
  EXPECT_TRUE(store_.Load()->leases.at(0).lost);  // A restart asks too.

  // The server's new word: another address, gateway and route.
  Lease fresh = CloudLease(kMac2, "192.168.61.77/24");
  fresh.routes = {{"10.62.0.0/16", "192.168.61.254"}};
  renewer_.QueueReacquire(fresh);
  driver_->KeepLeases();
  // After a NAK, asking for the same address again is pointless.
  EXPECT_THAT(renewer_.reacquires(),
              ElementsAre(std::string(kSandbox) + " 192.168.61.11/24 any"));
  EXPECT_THAT(sandbox_.installed(),
              ElementsAre(std::string(kSandbox) + " " + kMac2 +
                          " 192.168.61.77/24 10.62.0.0/16 via "
                          "192.168.61.254,0.0.0.0/0 via 192.168.61.1"));
  EXPECT_THAT(LeaseState(kMac2),
              HasSubstr("bound (moved from 192.168.61.11/24 to "
                        "192.168.61.77/24"));
  EXPECT_EQ(driver_->counters().leases_reacquired, 1u);
  EXPECT_EQ(driver_->counters().leases_moved, 1u);
  EXPECT_FALSE(store_.Load()->leases.at(0).lost);
  // The endpoint follows, so the new lease is renewed at its T1.
  ExpectRenewedAtT1(2, "192.168.61.77/24");
}

TEST_F(DriverAddressTest, AnotherAddressOnRenewalMovesTheContainerAtOnce) {
  RunInNullNetwork();
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal moved;
  moved.lease = CloudLease(kMac2, "192.168.61.77/24");
  moved.lease.acquired = clock_.Now();
  renewer_.Queue(moved);
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  ASSERT_EQ(sandbox_.installed().size(), 1u);
  EXPECT_THAT(sandbox_.installed()[0], HasSubstr("192.168.61.77/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("moved from 192.168.61.11/24"));
  EXPECT_EQ(driver_->counters().leases_moved, 1u);
  EXPECT_EQ(driver_->counters().leases_lost, 0u);
}

TEST_F(DriverAddressTest, RenewalWithoutSubnetMaskKeepsTheLease) {
  RunInNullNetwork();
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal ack;
  ack.lease = CloudLease(kMac2, "192.168.61.11/32");  // No option 1.
  ack.lease.acquired = clock_.Now();
  renewer_.Queue(ack);
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  EXPECT_EQ(LeaseState(kMac2), "bound");
  EXPECT_EQ(driver_->counters().lease_renewals, 1u);
  EXPECT_EQ(store_.Load()->leases.at(0).address, "192.168.61.11/24");
}

TEST_F(DriverAddressTest, ExpiredLeaseIsRemovedThenBackWhenTheServerIsBack) {
  RunInNullNetwork();
  // The server is down from the start: every renewal times out until the
  // lease's expiry (120 s).
  const MonoTime expiry = clock_.Monotonic() + std::chrono::seconds(120);
  MonoTime next = driver_->KeepLeases();
  while (next < expiry) {
    clock_.AdvanceTo(next);
    renewer_.Queue(Status::Timeout("no DHCP answer"));
    next = driver_->KeepLeases();
  }
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  EXPECT_TRUE(renewer_.renewals().back().rebinding);
  clock_.AdvanceTo(next);
  EXPECT_EQ(driver_->KeepLeases(), clock_.Monotonic());
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("lost: it expired"));
  EXPECT_EQ(driver_->counters().leases_lost, 1u);

  // Still down: asked again (the same address first) every 15 s.
  renewer_.QueueReacquire(Status::Timeout("no DHCP answer within 10 s"));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Monotonic() + LeaseBook::kLostRetry);
  EXPECT_THAT(renewer_.reacquires(), ElementsAre(std::string(kSandbox) +
                                                 " 192.168.61.11/24 ask-same"));
  EXPECT_THAT(LeaseState(kMac2),
              HasSubstr("lost: it expired without a renewal (server "
                        "192.168.61.1 did not answer); asking again every "
                        "15 s (last try: no DHCP answer within 10 s)"));
  EXPECT_THAT(sandbox_.installed(), IsEmpty());

  // Back: the running container has its address, gateway and routes again.
  clock_.Advance(std::chrono::seconds(15));
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.reacquires().size(), 2u);
  EXPECT_THAT(sandbox_.installed(),
              ElementsAre(std::string(kSandbox) + " " + kMac2 +
                          " 192.168.61.11/24 10.61.0.0/16 via "
                          "192.168.61.254,0.0.0.0/0 via 192.168.61.1"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (re-acquired"));
  EXPECT_EQ(driver_->counters().leases_reacquired, 1u);
  EXPECT_EQ(driver_->counters().leases_moved, 0u);
  EXPECT_FALSE(store_.Load()->leases.at(0).lost);
}

TEST_F(DriverAddressTest, FailedInstallStaysLostAndIsTriedAgain) {
  RunInNullNetwork();
  clock_.Advance(std::chrono::seconds(60));
  renewer_.QueueNak();
  driver_->KeepLeases();
  sandbox_.FailNextInstall(Status::IoError("netlink said no"));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Monotonic() + LeaseBook::kLostRetry);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("installing it in the container "
                                           "failed: netlink said no"));
  clock_.Advance(std::chrono::seconds(15));
  driver_->KeepLeases();
  EXPECT_EQ(sandbox_.installed().size(), 1u);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (re-acquired"));
}

TEST_F(DriverAddressTest, RestartAfterExpiryAsksBeforeRemovingTheAddress) {
  RunInNullNetwork();
  inventory_.Remove(3);  // Docker moved eth2 into the container.
  clock_.Advance(std::chrono::seconds(600));  // hostnic was stopped.
  Restart();
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.reacquires(), ElementsAre(std::string(kSandbox) +
                                                 " 192.168.61.11/24 ask-same"));
  EXPECT_THAT(sandbox_.removed(), IsEmpty());  // The server said yes.
  EXPECT_EQ(sandbox_.installed().size(), 1u);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (renewed 192.168.61.11/24 "
                                           "after its expiry"));
  EXPECT_EQ(driver_->counters().leases_lost, 0u);
}

TEST_F(DriverAddressTest, RestartAfterExpiryWithoutAnswerLosesThenRetries) {
  RunInNullNetwork();
  inventory_.Remove(3);
  clock_.Advance(std::chrono::seconds(600));
  Restart();
  renewer_.QueueReacquire(Status::Timeout("no DHCP answer within 10 s"));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Monotonic() + LeaseBook::kLostRetry);
  EXPECT_EQ(sandbox_.removed().size(), 1u);
  EXPECT_THAT(LeaseState(kMac2),
              HasSubstr("lost: it expired while hostnic was stopped"));
  // A second restart while lost goes on asking.
  Restart();
  EXPECT_EQ(LeaseState(kMac2), "lost");
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.reacquires().size(), 2u);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (re-acquired"));
}

TEST_F(DriverAddressTest, TheLeasesDnsGoesWithJoinAndStatus) {
  Lease lease = CloudLease(kMac2, "192.168.61.11/24");
  lease.dns.servers = {"192.168.61.2"};
  lease.dns.domain = "corp.example";
  lease.dns.search = {"corp.example", "example"};
  dhcp_.Set(lease);
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->dns, lease.dns);  // For the CNI and netavark plugins.
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() != kMac2) continue;
    ASSERT_TRUE(row.lease.has_value());
    EXPECT_EQ(row.lease->dns, lease.dns);
  }
  EXPECT_EQ(store_.Load()->leases.at(0).dns, lease.dns);  // Kept.
}

TEST_F(DriverAddressTest, LeasesOfManyNicsAreRenewedInParallel) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1", kMac2);
  auto created = CreateEndpoint("ep2", kMac3);
  ASSERT_TRUE(created.ok()) << created.status().message();
  ASSERT_TRUE(driver_->Join(kNet, "ep2", "/var/run/docker/netns/def").ok());
  // Each renewal waits until the other is in flight too: one after the
  // other, the first would wait its 5 s out alone.
  renewer_.Overlap(2);
  clock_.Advance(std::chrono::seconds(60));
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.renewals().size(), 2u);
  EXPECT_EQ(renewer_.most_in_flight(), 2u);
  EXPECT_EQ(driver_->counters().lease_renewals, 2u);
}

TEST_F(DriverAddressTest, LeasesSurviveARestartAndRenewalGoesOn) {
  RunInNullNetwork();
  inventory_.Remove(3);  // Docker moved eth2 into the container.
  Restart();
  ExpectRenewedAtT1(1, "192.168.61.11/24");
}

TEST_F(DriverAddressTest, LostLeaseIsNotReleasedWithItsNetwork) {
  RunInNullNetwork();
  clock_.Advance(std::chrono::seconds(60));
  renewer_.QueueNak();
  driver_->KeepLeases();
  ASSERT_TRUE(driver_->Leave(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(renewer_.releases(), IsEmpty());  // Not the NIC's any more.
  EXPECT_EQ(store_.lease_count(), 0u);
}

TEST_F(DriverAddressTest, DeletingTheNetworkReleasesItsLeases) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(renewer_.releases(), ElementsAre("eth2 192.168.61.11/24"));
  EXPECT_EQ(store_.lease_count(), 0u);
  EXPECT_EQ(driver_->counters().leases_released, 1u);
}

TEST_F(DriverAddressTest, FreeNicsLeaseExpiresInStatusAndIsAskedAnew) {
  RunInNullNetwork();
  ASSERT_TRUE(driver_->Leave(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  clock_.Advance(std::chrono::seconds(200));
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.renewals(), IsEmpty());  // No container: no renewal.
  EXPECT_EQ(LeaseState(kMac2), "expired");
  ASSERT_TRUE(CreateEndpoint("ep2").ok());
  EXPECT_EQ(dhcp_.calls(), 2);
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

}  // namespace
}  // namespace hostnic::driver_test
