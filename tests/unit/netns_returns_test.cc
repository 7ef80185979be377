// NetnsReturns: a CNI DEL answered before its NIC is home (see
// src/driver/netns_returns.h), over the driver's fakes and a fake of the
// namespaces the NICs come home from.
#include "driver/netns_returns.h"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "driver_test.h"
#include "hostnic/options.h"

namespace hostnic::driver_test {
namespace {

// Namespaces by path, each holding devices; a held namespace outlives its
// path, as the kernel's does. MoveHome puts the device on the fake host.
// SetBlocked(true) makes MoveHome wait until SetBlocked(false).
class FakeNetnsHome : public NetnsHome {
 public:
  explicit FakeNetnsHome(Inventory* host) : host_(host) {}

  void Put(const std::string& path, const Link& link) {
    std::lock_guard<std::mutex> lock(mu_);
    paths_.insert(path);
    contents_[path].push_back(link);
  }
  void SetBlocked(bool blocked) {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = blocked;
    changed_.notify_all();
  }
  int moves() const {
    std::lock_guard<std::mutex> lock(mu_);
    return moves_;
  }
  // MoveHome calls waiting to be unblocked.
  int waiting() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }
  size_t held() const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }
  // From now on MoveHome brings a device home as the kernel does: under its
  // name inside first (the inventory hears of that), renamed to the host
  // name after, through `links` (whose delayed events hold the rename back).
  void ArriveUnderInsideName(FakeLinkControl* links) {
    std::lock_guard<std::mutex> lock(mu_);
    links_ = links;
  }

  Result<int> Hold(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!paths_.count(path)) return Status::NotFound(path + ": no such file");
    held_[next_] = path;
    return next_++;
  }
  Result<bool> MoveHome(int held, const Mac& mac,
                        const std::string& host_name) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    changed_.wait(lock, [this] { return !blocked_; });
    --waiting_;
    std::vector<Link>& inside = contents_[held_.at(held)];
    for (auto it = inside.begin(); it != inside.end(); ++it) {
      if (it->mac != mac) continue;
      Link home = *it;
      if (links_ == nullptr) home.name = host_name;
      inside.erase(it);
      ++moves_;
      host_->Upsert(home);
      if (links_ != nullptr) {
        HOSTNIC_RETURN_IF_ERROR(links_->SetName(home, host_name));
      }
      return true;
    }
    return false;
  }
  void Drop(int held) override {
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase(held);
  }

 private:
  Inventory* const host_;
  mutable std::mutex mu_;
  FakeLinkControl* links_ = nullptr;
  std::condition_variable changed_;
  std::set<std::string> paths_;
  std::map<std::string, std::vector<Link>> contents_;
  std::map<int, std::string> held_;
  int next_ = 3;
  int moves_ = 0;
  int waiting_ = 0;
  bool blocked_ = false;
};

MATCHER(IsOk, "is OK") {
  const Status& status = StatusOf(arg);
  *result_listener << "which is \"" << status.message() << "\"";
  return status.ok();
}

// Polls `done` until it holds, for at most 10 s.
bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 10000 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

constexpr char kEp2[] = "2b34cc";
constexpr char kEp3[] = "2b34dd";

class NetnsReturnsTest : public DriverTest {
 protected:
  NetnsReturnsTest() { Recreate({}); }
  ~NetnsReturnsTest() override {
    home_.SetBlocked(false);
    returns_.reset();
  }

  void Recreate(NetnsReturnsOptions options) {
    returns_ = std::make_unique<NetnsReturns>(driver_.get(), &inventory_,
                                              &home_, options);
  }
  // eth2 joined by kEp to "/sb" and moved there, named eth0 inside.
  void Eth2InSandbox() {
    JoinEth2();
    MoveIntoSandbox("eth2");
    Link inside = MakeLink(30, "eth0", kMac2);
    home_.Put("/sb", inside);
  }
  // Begins kEp's return from "/sb", held up in MoveHome until the returned
  // thread lets it go, 20 ms on (join it).
  std::thread BeginHeldReturn() {
    home_.SetBlocked(true);
    EXPECT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
    return std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      home_.SetBlocked(false);
    });
  }
  // The return a stored record says is owed.
  std::string OwedInStore(const std::string& endpoint) {
    const Result<Snapshot> stored = store_.Load();
    for (const EndpointRecord& e : stored->endpoints) {
      if (e.id == endpoint) return e.return_from;
    }
    return "(no record)";
  }
  // A daemon killed after it answered eth2's DEL, started again; the
  // sandbox path still exists as far as the driver's recovery is told.
  void KilledAfterAnswer() {
    JoinEth2();
    MoveIntoSandbox("eth2");
    ASSERT_TRUE(driver_->OweReturn(kNet, kEp, "/sb").ok());
    returns_.reset();
    options_.sandbox_exists = [](const std::string&) { return true; };
    Restart();
    Recreate({});
  }

  FakeNetnsHome home_{&inventory_};
  std::unique_ptr<NetnsReturns> returns_;
};

TEST_F(NetnsReturnsTest, AnswersBeforeTheNicIsHomeAndReleasesAfter) {
  Eth2InSandbox();
  home_.SetBlocked(true);
  EXPECT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  EXPECT_TRUE(returns_->Returning(kEp));
  EXPECT_EQ(OwedInStore(kEp), "/sb");
  home_.SetBlocked(false);
  returns_->Drain();
  EXPECT_FALSE(returns_->Returning(kEp));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  ASSERT_TRUE(inventory_.FindByMac(*Mac::Parse(kMac2)));
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->name, "eth2");
  EXPECT_EQ(home_.held(), 0u);
}

TEST_F(NetnsReturnsTest, NamespaceGoneReleasesAtOnce) {
  JoinEth2();
  MoveIntoSandbox("eth2");
  EXPECT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  EXPECT_FALSE(returns_->Returning(kEp));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(home_.moves(), 0);
}

TEST_F(NetnsReturnsTest, RepeatedDelAndUnknownEndpointAreOk) {
  Eth2InSandbox();
  home_.SetBlocked(true);
  EXPECT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  EXPECT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  EXPECT_THAT(returns_->Begin(kNet, kEp3, "/sb"), IsOk());
  home_.SetBlocked(false);
  returns_->Drain();
  EXPECT_EQ(home_.moves(), 1);
  EXPECT_EQ(home_.held(), 0u);
}

TEST_F(NetnsReturnsTest, RecordNotStoredRefusesAndChangesNothing) {
  Eth2InSandbox();
  store_.SetFailing(true);
  EXPECT_FALSE(returns_->Begin(kNet, kEp, "/sb").ok());
  store_.SetFailing(false);
  EXPECT_FALSE(returns_->Returning(kEp));
  EXPECT_EQ(home_.held(), 0u);
  EXPECT_EQ(store_.endpoint_count(), 1u);
}

TEST_F(NetnsReturnsTest, AddOfTheReturningNicWaitsForIt) {
  Eth2InSandbox();
  // Let go once the ADD below is (most likely) waiting: it succeeds
  // either way, and fails without the wait.
  std::thread later = BeginHeldReturn();
  auto added = returns_->CreateEndpoint(
      EndpointRequest(kNet, kEp2, kMac2, "192.168.1.6/24"));
  later.join();
  EXPECT_THAT(added.status(), IsOk());
}

// The kernel moves a NIC home under its name in the namespace and renames
// it after: the inventory hears of the two one after the other. The return
// ends, letting in an ADD that asks for the NIC by its host name, only once
// the inventory knows it by that name (the bench's "no NIC hncl1").
TEST_F(NetnsReturnsTest, ReturnEndsOnceTheNicShowsUnderItsHostName) {
  JoinEth2();
  MoveIntoSandbox("eth2");
  home_.Put("/sb", MakeLink(30, "ctr0", kMac2));
  home_.ArriveUnderInsideName(&links_);
  links_.DelayEvents(true);
  EXPECT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  ASSERT_TRUE(
      WaitFor([&] { return inventory_.FindByName("ctr0").has_value(); }));
  std::thread renamed([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    links_.DelayEvents(false);
    links_.DeliverEvents();
  });
  CreateEndpointRequest by_name =
      EndpointRequest(kNet, kEp2, "", "192.168.1.6/24");
  by_name.options[kOptNic] = "eth2";
  auto added = returns_->CreateEndpoint(by_name);
  renamed.join();
  EXPECT_THAT(added.status(), IsOk());
  EXPECT_FALSE(returns_->Returning(kEp));
}

TEST_F(NetnsReturnsTest, PoolWithNoFreeNicWaitsForTheReturningOne) {
  Eth2InSandbox();
  ASSERT_THAT(CreateEndpoint(kMac3, kEp3).status(), IsOk());
  std::thread later = BeginHeldReturn();
  auto added = returns_->CreateEndpoint(
      EndpointRequest(kNet, kEp2, "", "192.168.1.6/24"));
  later.join();
  ASSERT_THAT(added.status(), IsOk());
  EXPECT_EQ(driver_->EndpointInfo(kNet, kEp2)->at(kInfoMac), kMac2);
}

TEST_F(NetnsReturnsTest, WaitRunsOutWithTheNicMacAndEndpoint) {
  Recreate({std::chrono::milliseconds(10), std::chrono::seconds(10)});
  Eth2InSandbox();
  ASSERT_THAT(CreateEndpoint(kMac3, kEp3).status(), IsOk());
  home_.SetBlocked(true);
  ASSERT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  auto wanted = returns_->CreateEndpoint(
      EndpointRequest(kNet, kEp2, kMac2, "192.168.1.6/24"));
  EXPECT_EQ(wanted.status().code(), Code::kTimeout);
  EXPECT_THAT(wanted.status().message(),
              AllOf(HasSubstr("eth2"), HasSubstr(kMac2), HasSubstr(kEp),
                    HasSubstr("/sb")));
  auto any = returns_->CreateEndpoint(
      EndpointRequest(kNet, kEp2, "", "192.168.1.6/24"));
  EXPECT_EQ(any.status().code(), Code::kTimeout);
  EXPECT_THAT(any.status().message(),
              AllOf(HasSubstr("still on their way home"), HasSubstr(kMac2),
                    HasSubstr(kEp)));
  home_.SetBlocked(false);
}

TEST_F(NetnsReturnsTest, RecoveryBringsTheNicHomeFromItsNamespace) {
  KilledAfterAnswer();
  home_.Put("/sb", MakeLink(30, "eth0", kMac2));
  EXPECT_THAT(returns_->Recover(),
              ElementsAre(HasSubstr("brought home from /sb")));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->name, "eth2");
  EXPECT_EQ(home_.held(), 0u);
}

TEST_F(NetnsReturnsTest, RecoveryFreesTheNicFoundOnTheHost) {
  KilledAfterAnswer();
  // Its namespace died and the kernel brought the NIC home under eth0's
  // name... taken, so under another.
  inventory_.Upsert(MakeLink(3, "dev9", kMac2));
  EXPECT_THAT(returns_->Recover(),
              ElementsAre(HasSubstr("found on the host; freed")));
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(NetnsReturnsTest, RecoveryDropsTheEndpointOfAVethThatDied) {
  KilledAfterAnswer();
  EXPECT_THAT(returns_->Recover(),
              ElementsAre(HasSubstr("a veth dies with its namespace")));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  // Nor a restore owed to a NIC that cannot come back: nothing is left.
  EXPECT_EQ(store_.orphan_count(), 0u);
}

TEST_F(NetnsReturnsTest, DrainWaitsForReturnsUnderWay) {
  Eth2InSandbox();
  std::thread later = BeginHeldReturn();
  returns_->Drain();
  later.join();
  EXPECT_EQ(store_.endpoint_count(), 0u);
  // After Drain a DEL is done before it is answered.
  ASSERT_THAT(CreateEndpoint(kMac3, kEp3).status(), IsOk());
  ASSERT_THAT(driver_->Join(kNet, kEp3, "/sb3"), IsOk());
  MoveIntoSandbox("eth3");
  home_.Put("/sb3", MakeLink(31, "eth0", kMac3));
  EXPECT_THAT(returns_->Begin(kNet, kEp3, "/sb3"), IsOk());
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(NetnsReturnsTest, DrainRunningOutLeavesQueuedReturnsToTheNextStart) {
  Recreate({std::chrono::seconds(5), std::chrono::milliseconds(0)});
  Eth2InSandbox();
  ASSERT_THAT(CreateEndpoint(kMac3, kEp3).status(), IsOk());
  ASSERT_THAT(driver_->Join(kNet, kEp3, "/sb3"), IsOk());
  MoveIntoSandbox("eth3");
  home_.Put("/sb3", MakeLink(31, "eth0", kMac3));
  home_.SetBlocked(true);
  ASSERT_THAT(returns_->Begin(kNet, kEp, "/sb"), IsOk());
  ASSERT_TRUE(WaitFor([this] { return home_.waiting() == 1; }));
  ASSERT_THAT(returns_->Begin(kNet, kEp3, "/sb3"), IsOk());
  // eth2's return, under way, ends after Drain gave up (an ordering, not a
  // timing: Drain gives up at once).
  std::thread later([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    home_.SetBlocked(false);
  });
  returns_->Drain();
  later.join();
  EXPECT_EQ(OwedInStore(kEp), "(no record)");
  EXPECT_EQ(OwedInStore(kEp3), "/sb3");
  EXPECT_EQ(home_.held(), 0u);
}

}  // namespace
}  // namespace hostnic::driver_test
