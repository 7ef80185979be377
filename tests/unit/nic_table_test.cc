// NicTable on its own: who holds which NIC, and the invariants every change
// keeps (src/driver/nic_table.h).
#include "driver/nic_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostnic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Mac kMac2 = *Mac::Parse("52:54:0e:e5:00:f7");
const Mac kMac3 = *Mac::Parse("52:54:0e:e5:00:f8");

NetworkRecord Net(const std::string& id) {
  NetworkRecord n;
  n.id = id;
  return n;
}

EndpointRecord Ep(const std::string& id, const Mac& mac,
                  const std::string& net = "net") {
  EndpointRecord e;
  e.id = id;
  e.network_id = net;
  e.mac = mac;
  e.original = {"eth2", 1500, false};
  return e;
}

class NicTableTest : public ::testing::Test {
 protected:
  NicTableTest() { table_.PutNetwork(Net("net")); }
  // Every test ends with a sound table.
  void TearDown() override { EXPECT_THAT(table_.Violations(), IsEmpty()); }

  NicTable table_;
};

TEST_F(NicTableTest, HoldRecordsTheHolderAndReleaseFreesTheNic) {
  ASSERT_TRUE(table_.Hold(Ep("a", kMac2)).ok());
  ASSERT_NE(table_.HolderOf(kMac2), nullptr);
  EXPECT_EQ(table_.HolderOf(kMac2)->id, "a");
  EXPECT_EQ(table_.HolderOf(kMac3), nullptr);
  EXPECT_THAT(table_.EndpointsOf("net"), SizeIs(1));
  EXPECT_TRUE(table_.Release("a", /*owed_restore=*/false,
                             /*record_removed=*/true));
  EXPECT_EQ(table_.HolderOf(kMac2), nullptr);
  EXPECT_EQ(table_.Endpoint("a"), nullptr);
  EXPECT_EQ(table_.Orphan(kMac2), nullptr);
  EXPECT_FALSE(table_.Release("a", false, true));  // Unknown: nothing freed.
}

TEST_F(NicTableTest, OneHolderPerNicAndKnownNetworksOnly) {
  ASSERT_TRUE(table_.Hold(Ep("a", kMac2)).ok());
  Status twice = table_.Hold(Ep("b", kMac2));
  EXPECT_EQ(twice.code(), Code::kBusy);
  EXPECT_THAT(twice.message(), HasSubstr("held by endpoint a"));
  EXPECT_EQ(table_.Hold(Ep("a", kMac3)).code(), Code::kFailedPrecondition);
  EXPECT_EQ(table_.Hold(Ep("c", kMac3, "gone")).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(table_.HolderOf(kMac2)->id, "a");
  EXPECT_EQ(table_.HolderOf(kMac3), nullptr);
}

TEST_F(NicTableTest, UpdateCannotMoveAnEndpointToAnotherNicOrNetwork) {
  ASSERT_TRUE(table_.Hold(Ep("a", kMac2)).ok());
  table_.PutNetwork(Net("other"));
  EXPECT_FALSE(table_.Update(Ep("a", kMac3)).ok());
  EXPECT_FALSE(table_.Update(Ep("a", kMac2, "other")).ok());
  EXPECT_FALSE(table_.Update(Ep("nobody", kMac3)).ok());
  EndpointRecord joined = Ep("a", kMac2);
  joined.joined = true;
  joined.sandbox_key = "/sb";
  ASSERT_TRUE(table_.Update(joined).ok());
  EXPECT_TRUE(table_.Endpoint("a")->joined);
}

TEST_F(NicTableTest, NicReleasedWhileAwayIsOwedARestoreUntilHeldAgain) {
  EndpointRecord a = Ep("a", kMac2);
  a.original = {"eth2", 1400, true};
  ASSERT_TRUE(table_.Hold(a).ok());
  EXPECT_FALSE(table_.PutOrphan({kMac2, a.original, "a"}).ok());  // Held.
  EXPECT_TRUE(table_.Release("a", /*owed_restore=*/true, true));
  ASSERT_NE(table_.Orphan(kMac2), nullptr);
  EXPECT_EQ(table_.Orphan(kMac2)->original.mtu, 1400u);
  EXPECT_EQ(table_.Orphan(kMac2)->endpoint_id, "a");
  EXPECT_EQ(table_.orphan_count(), 1u);
  // The next holder takes the debt over.
  ASSERT_TRUE(table_.Hold(Ep("b", kMac2)).ok());
  EXPECT_EQ(table_.Orphan(kMac2), nullptr);
  EXPECT_TRUE(table_.Release("b", false, true));
  ASSERT_TRUE(table_.PutOrphan({kMac2, a.original, "b"}).ok());
  EXPECT_TRUE(table_.RemoveOrphan(kMac2));
  EXPECT_FALSE(table_.RemoveOrphan(kMac2));
}

TEST_F(NicTableTest, ARecordTheStoreKeptIsPendingRemovalUntilDone) {
  ASSERT_TRUE(table_.Hold(Ep("a", kMac2)).ok());
  EXPECT_TRUE(table_.Release("a", false, /*record_removed=*/false));
  EXPECT_THAT(table_.pending_removals(), ElementsAre("a"));
  EXPECT_EQ(table_.HolderOf(kMac2), nullptr);  // Freed all the same.
  table_.RemovalDone("a");
  EXPECT_THAT(table_.pending_removals(), IsEmpty());
  // A new record under a pending ID replaces the one to remove.
  ASSERT_TRUE(table_.Hold(Ep("b", kMac2)).ok());
  EXPECT_TRUE(table_.Release("b", false, false));
  ASSERT_TRUE(table_.Hold(Ep("b", kMac3)).ok());
  EXPECT_THAT(table_.pending_removals(), IsEmpty());
}

TEST_F(NicTableTest, ANetworkGoesOnlyAfterItsEndpoints) {
  ASSERT_TRUE(table_.Hold(Ep("a", kMac2)).ok());
  EXPECT_EQ(table_.RemoveNetwork("net").code(), Code::kFailedPrecondition);
  EXPECT_NE(table_.Network("net"), nullptr);
  table_.Release("a", false, true);
  EXPECT_TRUE(table_.RemoveNetwork("net").ok());
  EXPECT_EQ(table_.Network("net"), nullptr);
  EXPECT_EQ(table_.network_count(), 0u);
}

TEST_F(NicTableTest, SandboxMarksFollowJoinLeaveAndRelease) {
  ASSERT_TRUE(table_.Hold(Ep("a", kMac2)).ok());
  table_.MarkInSandbox("a");  // Not joined: ignored.
  table_.MarkMetadataPending("a");
  EXPECT_FALSE(table_.TakeInSandbox("a"));
  EXPECT_FALSE(table_.TakeMetadataPending("a"));

  EndpointRecord a = Ep("a", kMac2);
  a.joined = true;
  a.sandbox_key = "/sb";
  ASSERT_TRUE(table_.Update(a).ok());
  table_.MarkInSandbox("a");
  table_.MarkMetadataPending("a");
  EXPECT_TRUE(table_.TakeMetadataPending("a"));
  EXPECT_FALSE(table_.TakeMetadataPending("a"));
  EXPECT_TRUE(table_.TakeInSandbox("a"));
  EXPECT_FALSE(table_.TakeInSandbox("a"));

  table_.MarkInSandbox("a");
  a.joined = false;  // Leave forgets where the NIC was.
  ASSERT_TRUE(table_.Update(a).ok());
  EXPECT_TRUE(table_.Endpoint("a")->left());
  EXPECT_FALSE(table_.TakeInSandbox("a"));

  a.joined = true;
  ASSERT_TRUE(table_.Update(a).ok());
  table_.MarkInSandbox("a");
  table_.Release("a", false, true);
  EXPECT_FALSE(table_.TakeInSandbox("a"));
}

TEST_F(NicTableTest, RecoveredDuplicatesAreReportedAndTheSecondTakesOver) {
  EXPECT_THAT(table_.AddRecovered(Ep("a", kMac2)), IsEmpty());
  std::vector<std::string> problems = table_.AddRecovered(Ep("b", kMac2));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("both record NIC 52:54:0e:e5:00:f7"));
  EXPECT_EQ(table_.HolderOf(kMac2)->id, "a");
  // Released, the first hands the NIC to the other record, which still
  // claims it: nothing is freed or owed.
  EXPECT_FALSE(table_.Release("a", /*owed_restore=*/true, true));
  EXPECT_EQ(table_.HolderOf(kMac2)->id, "b");
  EXPECT_EQ(table_.Orphan(kMac2), nullptr);
  EXPECT_TRUE(table_.Release("b", false, true));
  EXPECT_EQ(table_.HolderOf(kMac2), nullptr);
}

TEST_F(NicTableTest, RecoveredEndpointOfAnUnknownNetworkIsKeptAndReported) {
  std::vector<std::string> problems =
      table_.AddRecovered(Ep("a", kMac2, "gone"));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("belongs to unknown network gone"));
  EXPECT_EQ(table_.HolderOf(kMac2)->id, "a");
}

TEST_F(NicTableTest, RecoveredEndpointSettlesARestoreOwedToItsNic) {
  ASSERT_TRUE(table_.PutOrphan({kMac2, {"eth2", 1500, false}, "old"}).ok());
  EXPECT_THAT(table_.AddRecovered(Ep("a", kMac2)), IsEmpty());
  EXPECT_EQ(table_.Orphan(kMac2), nullptr);
}

}  // namespace
}  // namespace hostnic
