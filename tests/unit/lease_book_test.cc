// LeaseBook on its own: which lease an endpoint uses or may reuse, what is
// due, what a renewal without an answer does, and the invariants every
// change keeps (src/driver/lease_book.h).
#include "driver/lease_book.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "driver/nic_table.h"

namespace hostnic {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Mac kMac2 = *Mac::Parse("52:54:0e:e5:00:f7");
const Mac kMac3 = *Mac::Parse("52:54:0e:e5:00:f8");
constexpr UnixSeconds kT0 = 1700000000;
// The monotonic time the lease of DhcpLease was obtained.
constexpr MonoTime kM0{std::chrono::hours(1000)};

MonoTime At(int64_t seconds) { return kM0 + std::chrono::seconds(seconds); }

Lease DhcpLease(const Mac& mac, const std::string& address) {
  Lease l;
  l.mac = mac;
  l.network_id = "net";
  l.source = "dhcp";
  l.address = address;
  l.server = "192.168.61.1";
  l.acquired = kT0;
  l.lease_seconds = 120;
  l.t1_seconds = 60;
  l.t2_seconds = 105;
  return l;
}

class LeaseBookTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_THAT(book_.Violations(), IsEmpty()); }

  // Network "net" with an endpoint holding `mac`, joined to a sandbox.
  void Joined(const std::string& id, const Mac& mac,
              const std::string& address) {
    NetworkRecord n;
    n.id = "net";
    table_.PutNetwork(n);
    EndpointRecord e;
    e.id = id;
    e.network_id = "net";
    e.mac = mac;
    e.address = address;
    ASSERT_TRUE(table_.Hold(e).ok());
    e.joined = true;
    e.sandbox_key = "/run/netns/" + id;
    ASSERT_TRUE(table_.Update(e).ok());
  }

  LeaseBook book_;
  NicTable table_;
};

TEST_F(LeaseBookTest, RefusesWhatItCannotKeep) {
  Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  l.network_id.clear();
  EXPECT_THAT(book_.Put(l, kM0).message(), HasSubstr("names no network"));
  l = DhcpLease(kMac2, "fd00::5/64");
  EXPECT_THAT(book_.Put(l, kM0).message(), HasSubstr("not an IPv4 CIDR"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.source = "static";
  EXPECT_THAT(book_.Put(l, kM0).message(),
              HasSubstr("not dhcp, hook, dhcp6 or slaac"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.source = "dhcp6";  // An IPv6 lease of an IPv4 address.
  EXPECT_THAT(book_.Put(l, kM0).message(), HasSubstr("not an IPv6 CIDR"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.t1_seconds = 110;
  EXPECT_THAT(book_.Put(l, kM0).message(), HasSubstr("out of order"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.source = "hook";
  EXPECT_THAT(book_.Put(l, kM0).message(),
              HasSubstr("comes from hook but expires"));
  l.lease_seconds = 0;
  l.lost = true;
  EXPECT_THAT(book_.Put(l, kM0).message(),
              HasSubstr("hook but expires or is lost"));
  EXPECT_EQ(book_.size(), 0u);
}

TEST_F(LeaseBookTest, EndpointUsesTheLeaseOfItsNicNetworkAndAddress) {
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24"), kM0).ok());
  EndpointRecord e;
  e.mac = kMac2;
  e.network_id = "net";
  e.address = "192.168.61.11/24";
  EXPECT_NE(book_.LeaseOf(e), nullptr);
  e.address = "192.168.61.12/24";
  EXPECT_EQ(book_.LeaseOf(e), nullptr);
  e.address = "192.168.61.11/24";
  e.network_id = "other";
  EXPECT_EQ(book_.LeaseOf(e), nullptr);
}

TEST_F(LeaseBookTest, DhcpLeaseIsReusableUntilT1) {
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24"), kM0).ok());
  EXPECT_TRUE(book_.Reusable(kMac2, "net", At(59)).has_value());
  EXPECT_FALSE(book_.Reusable(kMac2, "net", At(60)).has_value());
  EXPECT_FALSE(book_.Reusable(kMac2, "other", kM0).has_value());
  EXPECT_FALSE(book_.Reusable(kMac3, "net", kM0).has_value());
}

TEST_F(LeaseBookTest, JoinedEndpointsLeaseFallsDueAtT1ThenT2ThenExpiry) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24"), kM0).ok());
  MonoTime next = MonoTime::max();
  EXPECT_THAT(book_.DueAt(kM0, table_, &next), IsEmpty());
  EXPECT_EQ(next, At(60));

  std::vector<LeaseDue> due = book_.DueAt(At(60), table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].sandbox_key, "/run/netns/ep1");
  EXPECT_EQ(due[0].action, LeaseAction::kRenew);
  due = book_.DueAt(At(105), table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kRebind);
}

TEST_F(LeaseBookTest, FreeNicsLeaseIsNeverDue) {
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24"), kM0).ok());
  MonoTime next = MonoTime::max();
  EXPECT_THAT(book_.DueAt(At(1000), table_, &next), IsEmpty());
  EXPECT_EQ(next, MonoTime::max());
  EXPECT_THAT(book_.Unheld("net", table_), SizeIs(1));
}

TEST_F(LeaseBookTest, RenewalWithoutAnswerIsTriedAgainHalfwayToT2) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(l, kM0).ok());
  // 45 s left to T2: again in 22 s; then at least 10 s; never past expiry.
  EXPECT_EQ(book_.NoAnswer(l, false, At(60), "timeout"), At(82));
  MonoTime next = MonoTime::max();
  EXPECT_THAT(book_.DueAt(At(81), table_, &next), IsEmpty());
  EXPECT_EQ(next, At(82));
  EXPECT_EQ(book_.NoAnswer(l, false, At(100), "timeout"), At(110));
  EXPECT_EQ(book_.NoAnswer(l, true, At(115), "timeout"), At(120));

  NicReport row;
  row.link.mac = kMac2;
  book_.Report(&row, kT0 + 115, At(115));
  EXPECT_EQ(row.lease_state, "rebinding (last try: timeout)");

  Lease other = l;
  other.acquired = kT0 + 1;
  EXPECT_FALSE(book_.NoAnswer(other, false, At(60), "x").has_value());
}

TEST_F(LeaseBookTest, LostLeaseIsKeptAskedForAgainAndNeverReused) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(l, kM0).ok());
  Lease older = l;
  older.acquired = kT0 - 100;
  EXPECT_FALSE(book_.Lose(older, "stale", kM0, true).has_value());
  std::optional<Lease> lost = book_.Lose(l, "NAK", At(60), false);
  ASSERT_TRUE(lost.has_value());
  EXPECT_TRUE(lost->lost);
  EXPECT_FALSE(book_.Reusable(kMac2, "net", kM0).has_value());
  NicReport row;
  row.link.mac = kMac2;
  book_.Report(&row, kT0 + 60, At(60));
  EXPECT_EQ(row.lease_state, "lost: NAK");

  MonoTime next = MonoTime::max();
  EXPECT_THAT(book_.DueAt(At(59), table_, &next), IsEmpty());
  EXPECT_EQ(next, At(60));
  std::vector<LeaseDue> due = book_.DueAt(At(60), table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kReacquire);
  EXPECT_FALSE(due[0].ask_same_first);
  // The network's 10 s DHCP timeout: a try and the pause after it, 25 s.
  EXPECT_EQ(due[0].timeout, std::chrono::seconds(10));
  NetworkRecord slow;
  slow.id = "net";
  slow.dhcp_timeout_ms = 60000;
  table_.PutNetwork(slow);
  due = book_.DueAt(At(60), table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  // Capped: a lost NIC still asks at least every 30 s.
  EXPECT_EQ(due[0].timeout, LeaseBook::kLostRetry);
  EXPECT_EQ(book_.StillLost(*lost, At(70), "timeout"), At(85));
  book_.Report(&row, kT0 + 70, At(70));
  EXPECT_EQ(row.lease_state,
            "lost: NAK; asking again every 15 s (last try: timeout)");
  EXPECT_EQ(book_.StillLost(l, At(70), "x"), std::nullopt);  // Not lost.

  Lease back = DhcpLease(kMac2, "192.168.61.77/24");
  back.acquired = kT0 + 85;
  EXPECT_FALSE(
      book_.Regained(l, back, At(85), "bound (moved)"));  // Stale `old`.
  EXPECT_TRUE(book_.Regained(*lost, back, At(85), "bound (moved)"));
  book_.Report(&row, kT0 + 85, At(85));
  EXPECT_EQ(row.lease_state, "bound (moved)");
  EXPECT_FALSE(row.lease->lost);
}

TEST_F(LeaseBookTest, ExpiredLeaseIsAskedForFirstUnlessRenewalsFailed) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(l, kM0).ok());
  MonoTime next = MonoTime::max();
  // Found expired (no try in this run, e.g. at start): ask first.
  std::vector<LeaseDue> due = book_.DueAt(At(500), table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kAskFirst);
  // Renewals went unanswered until expiry: lost.
  ASSERT_TRUE(book_.NoAnswer(l, true, At(115), "timeout").has_value());
  due = book_.DueAt(At(120), table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kExpire);
}

TEST_F(LeaseBookTest, LostLeaseLoadedAtStartIsDueAtOnce) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  l.lost = true;
  ASSERT_TRUE(book_.Put(l, kM0).ok());
  NicReport row;
  row.link.mac = kMac2;
  book_.Report(&row, kT0, kM0);
  EXPECT_EQ(row.lease_state, "lost");
  MonoTime next = MonoTime::max();
  std::vector<LeaseDue> due = book_.DueAt(kM0, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kReacquire);
  EXPECT_TRUE(due[0].ask_same_first);
}

TEST_F(LeaseBookTest, StoredTimeIsConvertedOnceBounded) {
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");  // Acquired at kT0.
  EXPECT_EQ(LeaseBook::ObtainedAt(l, kT0 + 30, At(100)), At(70));
  // Acquired "after" now (the wall clock was set back): obtained now.
  EXPECT_EQ(LeaseBook::ObtainedAt(l, kT0 - 30, At(100)), At(100));
  Lease damaged = l;
  damaged.acquired = std::numeric_limits<UnixSeconds>::min();
  EXPECT_EQ(LeaseBook::ObtainedAt(damaged, kT0, At(100)),
            At(100) - std::chrono::seconds(int64_t{1} << 32));
}

TEST_F(LeaseBookTest, ReportGivesTheTimesOnTodaysWallClock) {
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24"), kM0).ok());
  NicReport row;
  row.link.mac = kMac2;
  // The wall clock was set a day on, 10 s after the lease was obtained.
  book_.Report(&row, kT0 + 86400 + 10, At(10));
  ASSERT_TRUE(row.lease.has_value());
  EXPECT_EQ(row.lease->acquired, kT0 + 86400);
  EXPECT_EQ(row.lease_state, "bound");
  book_.Report(&row, kT0 - 86400 + 120, At(120));
  EXPECT_EQ(row.lease->acquired, kT0 - 86400);
  EXPECT_EQ(row.lease_state, "expired");
}

TEST_F(LeaseBookTest, HookLeaseNeverExpiresAndIsNeverDue) {
  Joined("ep1", kMac3, "10.0.1.23/24");
  Lease l;
  l.mac = kMac3;
  l.network_id = "net";
  l.source = "hook";
  l.address = "10.0.1.23/24";
  ASSERT_TRUE(book_.Put(l, kM0).ok());
  MonoTime next = MonoTime::max();
  EXPECT_THAT(book_.DueAt(At(100000), table_, &next), IsEmpty());
  EXPECT_FALSE(book_.NoAnswer(l, false, kM0, "x").has_value());
  EXPECT_FALSE(book_.Reusable(kMac3, "net", kM0).has_value());
  NicReport row;
  row.link.mac = kMac3;
  book_.Report(&row, kT0 + 100000, At(100000));
  EXPECT_EQ(row.lease_state, "bound");
  EXPECT_THAT(book_.Unheld("net", table_), IsEmpty());
  book_.Forget(kMac3);
  EXPECT_EQ(book_.size(), 0u);
}

}  // namespace
}  // namespace hostnic
