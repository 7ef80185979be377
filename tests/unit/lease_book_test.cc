// LeaseBook on its own: which lease an endpoint uses or may reuse, what is
// due, what a renewal without an answer does, and the invariants every
// change keeps (src/driver/lease_book.h).
#include "driver/lease_book.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "driver/nic_table.h"

namespace hostnic {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Mac kMac2 = *Mac::Parse("52:54:0e:e5:00:f7");
const Mac kMac3 = *Mac::Parse("52:54:0e:e5:00:f8");
constexpr UnixSeconds kT0 = 1700000000;

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
  EXPECT_THAT(book_.Put(l).message(), HasSubstr("names no network"));
  l = DhcpLease(kMac2, "fd00::5/64");
  EXPECT_THAT(book_.Put(l).message(), HasSubstr("not an IPv4 CIDR"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.source = "static";
  EXPECT_THAT(book_.Put(l).message(),
              HasSubstr("not dhcp, hook, dhcp6 or slaac"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.source = "dhcp6";  // An IPv6 lease of an IPv4 address.
  EXPECT_THAT(book_.Put(l).message(), HasSubstr("not an IPv6 CIDR"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.t1_seconds = 110;
  EXPECT_THAT(book_.Put(l).message(), HasSubstr("out of order"));
  l = DhcpLease(kMac2, "192.168.61.11/24");
  l.source = "hook";
  EXPECT_THAT(book_.Put(l).message(), HasSubstr("comes from hook but expires"));
  l.lease_seconds = 0;
  l.lost = true;
  EXPECT_THAT(book_.Put(l).message(), HasSubstr("hook but expires or is lost"));
  EXPECT_EQ(book_.size(), 0u);
}

TEST_F(LeaseBookTest, EndpointUsesTheLeaseOfItsNicNetworkAndAddress) {
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24")).ok());
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
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24")).ok());
  EXPECT_TRUE(book_.Reusable(kMac2, "net", kT0 + 59).has_value());
  EXPECT_FALSE(book_.Reusable(kMac2, "net", kT0 + 60).has_value());
  EXPECT_FALSE(book_.Reusable(kMac2, "other", kT0).has_value());
  EXPECT_FALSE(book_.Reusable(kMac3, "net", kT0).has_value());
}

TEST_F(LeaseBookTest, JoinedEndpointsLeaseFallsDueAtT1ThenT2ThenExpiry) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24")).ok());
  UnixSeconds next = kNever;
  EXPECT_THAT(book_.DueAt(kT0, table_, &next), IsEmpty());
  EXPECT_EQ(next, kT0 + 60);

  std::vector<LeaseDue> due = book_.DueAt(kT0 + 60, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].sandbox_key, "/run/netns/ep1");
  EXPECT_EQ(due[0].action, LeaseAction::kRenew);
  due = book_.DueAt(kT0 + 105, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kRebind);
}

TEST_F(LeaseBookTest, FreeNicsLeaseIsNeverDue) {
  ASSERT_TRUE(book_.Put(DhcpLease(kMac2, "192.168.61.11/24")).ok());
  UnixSeconds next = kNever;
  EXPECT_THAT(book_.DueAt(kT0 + 1000, table_, &next), IsEmpty());
  EXPECT_EQ(next, kNever);
  EXPECT_THAT(book_.Unheld("net", table_), SizeIs(1));
}

TEST_F(LeaseBookTest, RenewalWithoutAnswerIsTriedAgainHalfwayToT2) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(l).ok());
  // 45 s left to T2: again in 22 s; then at least 10 s; never past expiry.
  EXPECT_EQ(book_.NoAnswer(l, false, kT0 + 60, "timeout"), kT0 + 82);
  UnixSeconds next = kNever;
  EXPECT_THAT(book_.DueAt(kT0 + 81, table_, &next), IsEmpty());
  EXPECT_EQ(next, kT0 + 82);
  EXPECT_EQ(book_.NoAnswer(l, false, kT0 + 100, "timeout"), kT0 + 110);
  EXPECT_EQ(book_.NoAnswer(l, true, kT0 + 115, "timeout"), kT0 + 120);

  NicReport row;
  row.link.mac = kMac2;
  book_.Report(&row, kT0 + 115);
  EXPECT_EQ(row.lease_state, "rebinding (last try: timeout)");

  Lease other = l;
  other.acquired = kT0 + 1;
  EXPECT_FALSE(book_.NoAnswer(other, false, kT0 + 60, "x").has_value());
}

TEST_F(LeaseBookTest, LostLeaseIsKeptAskedForAgainAndNeverReused) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(l).ok());
  Lease older = l;
  older.acquired = kT0 - 100;
  EXPECT_FALSE(book_.Lose(older, "stale", kT0, true).has_value());
  std::optional<Lease> lost = book_.Lose(l, "NAK", kT0 + 60, false);
  ASSERT_TRUE(lost.has_value());
  EXPECT_TRUE(lost->lost);
  EXPECT_FALSE(book_.Reusable(kMac2, "net", kT0).has_value());
  NicReport row;
  row.link.mac = kMac2;
  book_.Report(&row, kT0 + 60);
  EXPECT_EQ(row.lease_state, "lost: NAK");

  UnixSeconds next = kNever;
  EXPECT_THAT(book_.DueAt(kT0 + 59, table_, &next), IsEmpty());
  EXPECT_EQ(next, kT0 + 60);
  std::vector<LeaseDue> due = book_.DueAt(kT0 + 60, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kReacquire);
  EXPECT_FALSE(due[0].ask_same_first);
  // The network's 10 s DHCP timeout: a try and the pause after it, 25 s.
  EXPECT_EQ(due[0].timeout, std::chrono::seconds(10));
  NetworkRecord slow;
  slow.id = "net";
  slow.dhcp_timeout_ms = 60000;
  table_.PutNetwork(slow);
  due = book_.DueAt(kT0 + 60, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  // Capped: a lost NIC still asks at least every 30 s.
  EXPECT_EQ(due[0].timeout, std::chrono::seconds(LeaseBook::kLostRetrySeconds));
  EXPECT_EQ(book_.StillLost(*lost, kT0 + 70, "timeout"), kT0 + 85);
  book_.Report(&row, kT0 + 70);
  EXPECT_EQ(row.lease_state,
            "lost: NAK; asking again every 15 s (last try: timeout)");
  EXPECT_EQ(book_.StillLost(l, kT0 + 70, "x"), std::nullopt);  // Not lost.

  Lease back = DhcpLease(kMac2, "192.168.61.77/24");
  back.acquired = kT0 + 85;
  EXPECT_FALSE(book_.Regained(l, back, "bound (moved)"));  // Stale `old`.
  EXPECT_TRUE(book_.Regained(*lost, back, "bound (moved)"));
  book_.Report(&row, kT0 + 85);
  EXPECT_EQ(row.lease_state, "bound (moved)");
  EXPECT_FALSE(row.lease->lost);
}

TEST_F(LeaseBookTest, ExpiredLeaseIsAskedForFirstUnlessRenewalsFailed) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  const Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  ASSERT_TRUE(book_.Put(l).ok());
  UnixSeconds next = kNever;
  // Found expired (no try in this run, e.g. at start): ask first.
  std::vector<LeaseDue> due = book_.DueAt(kT0 + 500, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kAskFirst);
  // Renewals went unanswered until expiry: lost.
  ASSERT_TRUE(book_.NoAnswer(l, true, kT0 + 115, "timeout").has_value());
  due = book_.DueAt(kT0 + 120, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kExpire);
}

TEST_F(LeaseBookTest, LostLeaseLoadedAtStartIsDueAtOnce) {
  Joined("ep1", kMac2, "192.168.61.11/24");
  Lease l = DhcpLease(kMac2, "192.168.61.11/24");
  l.lost = true;
  ASSERT_TRUE(book_.Put(l).ok());
  NicReport row;
  row.link.mac = kMac2;
  book_.Report(&row, kT0);
  EXPECT_EQ(row.lease_state, "lost");
  UnixSeconds next = kNever;
  std::vector<LeaseDue> due = book_.DueAt(kT0, table_, &next);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].action, LeaseAction::kReacquire);
  EXPECT_TRUE(due[0].ask_same_first);
}

TEST_F(LeaseBookTest, HookLeaseNeverExpiresAndIsNeverDue) {
  Joined("ep1", kMac3, "10.0.1.23/24");
  Lease l;
  l.mac = kMac3;
  l.network_id = "net";
  l.source = "hook";
  l.address = "10.0.1.23/24";
  ASSERT_TRUE(book_.Put(l).ok());
  UnixSeconds next = kNever;
  EXPECT_THAT(book_.DueAt(kT0 + 100000, table_, &next), IsEmpty());
  EXPECT_FALSE(book_.NoAnswer(l, false, kT0, "x").has_value());
  EXPECT_FALSE(book_.Reusable(kMac3, "net", kT0).has_value());
  NicReport row;
  row.link.mac = kMac3;
  book_.Report(&row, kT0 + 100000);
  EXPECT_EQ(row.lease_state, "bound");
  EXPECT_THAT(book_.Unheld("net", table_), IsEmpty());
  book_.Forget(kMac3);
  EXPECT_EQ(book_.size(), 0u);
}

}  // namespace
}  // namespace hostnic
