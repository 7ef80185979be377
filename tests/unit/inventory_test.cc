#include "driver/inventory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_clock.h"

namespace hostnic {
namespace {

using std::chrono::milliseconds;

Mac M(const char* text) { return *Mac::Parse(text); }

Link MakeLink(int ifindex, const std::string& name, const char* mac) {
  Link link;
  link.ifindex = ifindex;
  link.name = name;
  link.mac = M(mac);
  link.mtu = 1500;
  return link;
}

const char kMacA[] = "52:54:00:00:00:0a";
const char kMacB[] = "52:54:00:00:00:0b";

// Device `name` enslaved (IFF_SLAVE) to the bond or team `master`.
Link EnslavedLink(int ifindex, const std::string& name, const char* mac,
                  int master) {
  Link link = MakeLink(ifindex, name, mac);
  link.master = master;
  link.slave = true;
  return link;
}

TEST(InventoryTest, NotReadyUntilReset) {
  Inventory inventory;
  EXPECT_FALSE(inventory.Ready());
  inventory.Reset({}, {});
  EXPECT_TRUE(inventory.Ready());
}

TEST(InventoryTest, ResetIndexesByMacNameAndIndex) {
  Inventory inventory;
  inventory.Reset({MakeLink(2, "eth0", kMacA), MakeLink(3, "eth1", kMacB)},
                  {2});
  ASSERT_TRUE(inventory.FindByMac(M(kMacA)));
  EXPECT_EQ(inventory.FindByMac(M(kMacA))->name, "eth0");
  ASSERT_TRUE(inventory.FindByName("eth1"));
  EXPECT_EQ(inventory.FindByName("eth1")->ifindex, 3);
  ASSERT_TRUE(inventory.FindByIndex(3));
  EXPECT_EQ(inventory.FindByIndex(3)->mac, M(kMacB));
  EXPECT_TRUE(inventory.HasDefaultRoute(2));
  EXPECT_FALSE(inventory.HasDefaultRoute(3));
  EXPECT_FALSE(inventory.FindByMac(M("52:54:00:00:00:ff")));
  EXPECT_FALSE(inventory.FindByName("eth9"));
  EXPECT_FALSE(inventory.FindByIndex(9));
}

TEST(InventoryTest, ResetReplacesEverything) {
  Inventory inventory;
  inventory.Reset({MakeLink(2, "eth0", kMacA)}, {2});
  inventory.Reset({MakeLink(3, "eth1", kMacB)}, {});
  EXPECT_FALSE(inventory.FindByMac(M(kMacA)));
  EXPECT_FALSE(inventory.FindByName("eth0"));
  EXPECT_FALSE(inventory.FindByIndex(2));
  EXPECT_FALSE(inventory.HasDefaultRoute(2));
  EXPECT_TRUE(inventory.FindByName("eth1"));
}

TEST(InventoryTest, UpsertAddsAndRenames) {
  Inventory inventory;
  inventory.Reset({}, {});
  inventory.Upsert(MakeLink(4, "eth4", kMacA));
  ASSERT_TRUE(inventory.FindByName("eth4"));

  inventory.Upsert(MakeLink(4, "renamed", kMacA));
  EXPECT_FALSE(inventory.FindByName("eth4"));
  ASSERT_TRUE(inventory.FindByName("renamed"));
  EXPECT_EQ(inventory.FindByMac(M(kMacA))->name, "renamed");
  EXPECT_EQ(inventory.All().size(), 1u);
}

TEST(InventoryTest, UpsertFollowsMacChange) {
  Inventory inventory;
  inventory.Reset({MakeLink(4, "eth4", kMacA)}, {});
  inventory.Upsert(MakeLink(4, "eth4", kMacB));
  EXPECT_FALSE(inventory.FindByMac(M(kMacA)));
  ASSERT_TRUE(inventory.FindByMac(M(kMacB)));
  EXPECT_EQ(inventory.FindByMac(M(kMacB))->ifindex, 4);
}

TEST(InventoryTest, NameTakenOverByAnotherIndexBeforeItsOwnerEvent) {
  // eth0 and eth1 swap names; the kernel's events may reach us in any order.
  Inventory inventory;
  inventory.Reset({MakeLink(2, "eth0", kMacA), MakeLink(3, "eth1", kMacB)}, {});
  inventory.Upsert(MakeLink(3, "eth0", kMacB));
  EXPECT_EQ(inventory.FindByName("eth0")->ifindex, 3);
  inventory.Upsert(MakeLink(2, "eth1", kMacA));
  EXPECT_EQ(inventory.FindByName("eth0")->ifindex, 3);
  EXPECT_EQ(inventory.FindByName("eth1")->ifindex, 2);
}

TEST(InventoryTest, RemoveForgetsEverything) {
  Inventory inventory;
  inventory.Reset({MakeLink(2, "eth0", kMacA)}, {2});
  inventory.Remove(2);
  EXPECT_FALSE(inventory.FindByMac(M(kMacA)));
  EXPECT_FALSE(inventory.FindByName("eth0"));
  EXPECT_FALSE(inventory.FindByIndex(2));
  EXPECT_FALSE(inventory.HasDefaultRoute(2));
  inventory.Remove(2);  // Unknown ifindexes are ignored.
  EXPECT_TRUE(inventory.All().empty());
}

TEST(InventoryTest, SetDefaultRouteLinksReplacesTheSet) {
  Inventory inventory;
  inventory.Reset({MakeLink(2, "eth0", kMacA), MakeLink(3, "eth1", kMacB)},
                  {2});
  inventory.SetDefaultRouteLinks({3});
  EXPECT_FALSE(inventory.HasDefaultRoute(2));
  EXPECT_TRUE(inventory.HasDefaultRoute(3));
  inventory.SetDefaultRouteLinks({});
  EXPECT_FALSE(inventory.HasDefaultRoute(3));
}

TEST(InventoryTest, FindByMacPrefersTheDeviceThatIsNotEnslaved) {
  const Link slave1 = EnslavedLink(2, "eth0", kMacA, 4);
  const Link slave2 = EnslavedLink(3, "eth1", kMacA, 4);
  Link bond = MakeLink(4, "bond0", kMacA);
  bond.kind = "bond";

  // Whatever the order they arrive in.
  for (const auto& order : std::vector<std::vector<Link>>{
           {slave1, slave2, bond}, {bond, slave1, slave2}}) {
    Inventory inventory;
    inventory.Reset({}, {});
    for (const Link& link : order) inventory.Upsert(link);
    ASSERT_TRUE(inventory.FindByMac(M(kMacA)));
    EXPECT_EQ(inventory.FindByMac(M(kMacA))->name, "bond0");
  }
}

TEST(InventoryTest, FindByMacBridgePortLosesToBridge) {
  Link port = MakeLink(2, "eth0", kMacA);
  port.master = 5;  // Bridge ports have a master but no IFF_SLAVE.
  Link bridge = MakeLink(5, "br0", kMacA);
  bridge.kind = "bridge";
  Inventory inventory;
  inventory.Reset({port, bridge}, {});
  EXPECT_EQ(inventory.FindByMac(M(kMacA))->name, "br0");
}

TEST(InventoryTest, FindByMacFallsBackToAnEnslavedDevice) {
  const Link slave = EnslavedLink(2, "eth0", kMacA, 4);
  Inventory inventory;
  inventory.Reset({slave}, {});
  ASSERT_TRUE(inventory.FindByMac(M(kMacA)));
  EXPECT_EQ(inventory.FindByMac(M(kMacA))->name, "eth0");
}

TEST(InventoryTest, FindByMacAfterPreferredDeviceIsRemoved) {
  const Link slave = EnslavedLink(2, "eth0", kMacA, 4);
  Inventory inventory;
  inventory.Reset({slave, MakeLink(4, "bond0", kMacA)}, {});
  inventory.Remove(4);
  EXPECT_EQ(inventory.FindByMac(M(kMacA))->name, "eth0");
}

TEST(InventoryTest, AllIsSortedByName) {
  Inventory inventory;
  inventory.Reset(
      {MakeLink(3, "eth1", kMacB), MakeLink(1, "lo", "00:00:00:00:00:00"),
       MakeLink(2, "eth0", kMacA)},
      {});
  std::vector<std::string> names;
  for (const Link& link : inventory.All()) names.push_back(link.name);
  EXPECT_EQ(names, (std::vector<std::string>{"eth0", "eth1", "lo"}));
}

TEST(InventoryTest, ListenerHearsUpsertsThatChangeSomething) {
  Inventory inventory;
  std::vector<Link> heard;
  inventory.SetListener([&](const Link& link) { heard.push_back(link); });
  inventory.Reset({MakeLink(2, "eth0", kMacA)}, {});
  EXPECT_TRUE(heard.empty()) << "the first dump is not a change";

  inventory.Upsert(MakeLink(3, "eth1", kMacB));
  Link changed = MakeLink(2, "eth0", kMacA);
  changed.mtu = 9000;
  inventory.Upsert(changed);
  inventory.Upsert(changed);  // No change: no call.
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].name, "eth1");
  EXPECT_EQ(heard[1].mtu, 9000u);
}

TEST(InventoryTest, ListenerRunsOutsideTheLock) {
  Inventory inventory;
  inventory.Reset({}, {});
  std::optional<Link> seen;
  // Would deadlock if the listener ran under the inventory's mutex.
  inventory.SetListener(
      [&](const Link& link) { seen = inventory.FindByIndex(link.ifindex); });
  inventory.Upsert(MakeLink(2, "eth0", kMacA));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->name, "eth0");
}

TEST(InventoryTest, ListenerHearsWhatAResyncFoundNewOrChanged) {
  Inventory inventory;
  inventory.Reset({MakeLink(2, "eth0", kMacA), MakeLink(3, "eth1", kMacB)}, {});
  std::vector<std::string> heard;
  inventory.SetListener([&](const Link& link) { heard.push_back(link.name); });
  inventory.Reset({MakeLink(2, "eth0", kMacA), MakeLink(3, "wan", kMacB),
                   MakeLink(4, "eth2", "52:54:00:00:00:0c")},
                  {});
  std::sort(heard.begin(), heard.end());
  EXPECT_EQ(heard, (std::vector<std::string>{"eth2", "wan"}));
}

// Waits on a fake clock: time moves only when a test advances it, and a
// test acts once the waiter waits (FakeClock::AwaitWaiters).
class InventoryWaitTest : public ::testing::Test {
 protected:
  void SetUp() override { inventory_.Reset({}, {}); }
  void TearDown() override {
    if (waiter_.joinable()) waiter_.join();
  }
  // WaitUntilGone({kMacA, kMacB}, 3 s) on a thread of its own, once it
  // waits.
  std::future<bool> WaitUntilBothGone() {
    std::future<bool> gone = std::async(std::launch::async, [this] {
      return inventory_.WaitUntilGone({M(kMacA), M(kMacB)},
                                      std::chrono::seconds(3));
    });
    clock_.AwaitWaiters(1);
    return gone;
  }
  // StartWait with a 30 s timeout, cancelled once it waits: it learns of
  // that only when it next looks.
  void CancelAWaitingWait() {
    StartWait(std::chrono::seconds(30), milliseconds(0),
              [this] { return cancel_.load(); });
    clock_.AwaitWaiters(1);
    cancel_ = true;
  }
  // WaitForMac(kMacA, ...) on a thread of its own; Finish() joins it.
  void StartWait(milliseconds timeout, milliseconds settle,
                 std::function<bool()> cancelled = nullptr) {
    waiter_ = std::thread([this, timeout, settle, cancelled] {
      found_ = inventory_.WaitForMac(M(kMacA), timeout, settle, cancelled);
      returned_at_ = clock_.Monotonic();
    });
  }
  std::optional<Link> Finish() {
    waiter_.join();
    return found_;
  }

  FakeClock clock_;
  const MonoTime start_ = clock_.Monotonic();
  Inventory inventory_{&clock_};
  std::thread waiter_;
  std::optional<Link> found_;
  MonoTime returned_at_;
  std::atomic<bool> cancel_{false};
};

TEST_F(InventoryWaitTest, ReturnsAtOnceWhenPresentAndSettled) {
  inventory_.Upsert(MakeLink(2, "eth0", kMacA));
  auto link = inventory_.WaitForMac(M(kMacA), milliseconds(0), milliseconds(0));
  ASSERT_TRUE(link);
  EXPECT_EQ(link->name, "eth0");
}

TEST_F(InventoryWaitTest, AppearsLaterFromAnotherThread) {
  StartWait(std::chrono::seconds(10), milliseconds(0));
  clock_.AwaitWaiters(1);
  inventory_.Upsert(MakeLink(7, "eth7", kMacA));
  auto link = Finish();
  ASSERT_TRUE(link);
  EXPECT_EQ(link->ifindex, 7);
  EXPECT_EQ(returned_at_, start_);  // Woken by the change, not by time.
}

TEST_F(InventoryWaitTest, WaitsForTheNameToSettle) {
  inventory_.Upsert(MakeLink(7, "eth7", kMacA));
  StartWait(std::chrono::seconds(10), milliseconds(300));
  clock_.AwaitWaiters(1);
  clock_.Advance(milliseconds(300));
  auto link = Finish();
  ASSERT_TRUE(link);
  EXPECT_EQ(returned_at_ - start_, milliseconds(300));
}

TEST_F(InventoryWaitTest, ARenameRestartsTheSettleTime) {
  const milliseconds settle(300);
  inventory_.Upsert(MakeLink(7, "eth7", kMacA));
  clock_.Advance(milliseconds(100));
  inventory_.Upsert(MakeLink(7, "enp7s0", kMacA));  // udev renames it.
  clock_.Advance(milliseconds(299));
  EXPECT_FALSE(inventory_.WaitForMac(M(kMacA), milliseconds(0), settle));
  clock_.Advance(milliseconds(1));
  auto link = inventory_.WaitForMac(M(kMacA), milliseconds(0), settle);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->name, "enp7s0");
}

TEST_F(InventoryWaitTest, OtherChangesDoNotRestartTheSettleTime) {
  inventory_.Upsert(MakeLink(7, "eth7", kMacA));
  clock_.Advance(milliseconds(200));
  Link up = MakeLink(7, "eth7", kMacA);
  up.up = true;
  inventory_.Upsert(up);
  auto link =
      inventory_.WaitForMac(M(kMacA), milliseconds(0), milliseconds(200));
  ASSERT_TRUE(link);
  EXPECT_TRUE(link->up);
}

TEST_F(InventoryWaitTest, TimesOut) {
  StartWait(milliseconds(150), milliseconds(0));
  clock_.AwaitWaiters(1);
  clock_.Advance(milliseconds(149));
  clock_.Advance(milliseconds(1));
  EXPECT_FALSE(Finish());
  EXPECT_EQ(returned_at_ - start_, milliseconds(150));
}

TEST_F(InventoryWaitTest, TimesOutWhenTheNameNeverSettles) {
  inventory_.Upsert(MakeLink(7, "eth7", kMacA));
  StartWait(milliseconds(100), std::chrono::seconds(60));
  clock_.AwaitWaiters(1);
  clock_.Advance(milliseconds(100));
  EXPECT_FALSE(Finish());
}

TEST_F(InventoryWaitTest, CancelledWhileNothingChangesOnWakeWaiters) {
  CancelAWaitingWait();
  inventory_.WakeWaiters();
  EXPECT_FALSE(Finish());
  EXPECT_EQ(returned_at_, start_);
}

TEST_F(InventoryWaitTest, CancelledIsAskedOnEveryChange) {
  CancelAWaitingWait();
  inventory_.Upsert(MakeLink(10, "x0", kMacB));  // another NIC
  EXPECT_FALSE(Finish());
  EXPECT_EQ(returned_at_, start_);
}

TEST_F(InventoryWaitTest, AlreadyCancelled) {
  inventory_.Upsert(MakeLink(2, "eth0", kMacA));
  auto link = inventory_.WaitForMac(M(kMacA), std::chrono::seconds(30),
                                    milliseconds(0), [] { return true; });
  EXPECT_FALSE(link);
}

TEST_F(InventoryWaitTest, ManyWaitersWakeUp) {
  std::vector<std::thread> waiters;
  std::atomic<int> found{0};
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      if (inventory_.WaitForMac(M(kMacA), std::chrono::seconds(10),
                                milliseconds(0))) {
        ++found;
      }
    });
  }
  // One watch thread serves them all: no thread of their own waits.
  while (inventory_.watching() < 4) std::this_thread::yield();
  inventory_.Upsert(MakeLink(2, "eth0", kMacA));
  for (auto& t : waiters) t.join();
  EXPECT_EQ(found, 4);
}

TEST_F(InventoryWaitTest, AWatchReturnsAtOnceAndIsAnsweredLater) {
  std::promise<std::optional<Link>> answer;
  inventory_.WatchMac(
      M(kMacA), std::chrono::seconds(10), milliseconds(0), nullptr,
      [&](std::optional<Link> link) { answer.set_value(std::move(link)); });
  EXPECT_EQ(inventory_.watching(), 1u);
  inventory_.Upsert(MakeLink(7, "eth7", kMacA));
  auto link = answer.get_future().get();
  ASSERT_TRUE(link);
  EXPECT_EQ(link->ifindex, 7);
  EXPECT_EQ(inventory_.watching(), 0u);
}

TEST(InventoryWatchTest, DestroyingTheInventoryAnswersTheWatchesLeft) {
  FakeClock clock;
  std::optional<std::optional<Link>> answer;
  {
    Inventory inventory(&clock);
    inventory.Reset({}, {});
    inventory.WatchMac(M(kMacA), std::chrono::seconds(10), milliseconds(0),
                       nullptr,
                       [&](std::optional<Link> link) { answer = link; });
  }
  ASSERT_TRUE(answer);
  EXPECT_FALSE(*answer);
}

TEST_F(InventoryWaitTest, UntilGoneReturnsWhenTheLastOneLeaves) {
  inventory_.Upsert(MakeLink(2, "eth0", kMacA));
  inventory_.Upsert(MakeLink(3, "eth1", kMacB));
  std::future<bool> gone = WaitUntilBothGone();
  inventory_.Remove(2);
  inventory_.Remove(3);
  EXPECT_TRUE(gone.get());
}

TEST_F(InventoryWaitTest, UntilGoneTimesOut) {
  inventory_.Upsert(MakeLink(2, "eth0", kMacA));
  std::future<bool> gone = WaitUntilBothGone();
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_FALSE(gone.get());
  EXPECT_TRUE(inventory_.WaitUntilGone({M(kMacB)}, milliseconds(0)));
}

}  // namespace
}  // namespace hostnic
