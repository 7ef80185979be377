// FakeHooks: attach "plugs" a NIC into an Inventory (at once, or from another
// thread once the driver waits for it, as a cloud would), detach can be held
// until the test lets it go, and every call is recorded.
#ifndef HOSTNIC_TESTS_FAKES_FAKE_HOOKS_H_
#define HOSTNIC_TESTS_FAKES_FAKE_HOOKS_H_

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_clock.h"
#include "hostnic/hooks.h"
#include "driver/inventory.h"

namespace hostnic {

class FakeHooks : public Hooks {
 public:
  enum class Plug {
    kAtOnce,
    // Once something waits on the clock: the driver, for the NIC.
    kOnceWaitedFor,
  };

  // `clock`, the inventory's, is needed for Plug::kOnceWaitedFor.
  explicit FakeHooks(Inventory* inventory, FakeClock* clock = nullptr)
      : inventory_(inventory), clock_(clock) {}
  ~FakeHooks() override {
    for (auto& t : plugs_) t.join();
  }

  bool HasAttach() const override { return true; }
  bool HasDetach() const override { return true; }

  // What the next attach does: plug `link` and print its MAC (when
  // `print_mac`), or fail with `failure`.
  void OnAttach(std::optional<Link> link, Plug plug = Plug::kAtOnce,
                bool print_mac = true, Status failure = Status::Ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    link_ = std::move(link);
    plug_ = plug;
    print_mac_ = print_mac;
    failure_ = std::move(failure);
  }

  Result<std::optional<Mac>> Attach(const HookRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(
        "attach " +
        (request.mac ? request.mac->ToString() : std::string("any")) + " " +
        request.endpoint_id);
    if (!failure_.ok()) return failure_;
    if (!link_) return std::optional<Mac>();
    const Link link = *link_;
    if (plug_ == Plug::kAtOnce) {
      inventory_->Upsert(link);
    } else {
      plugs_.emplace_back([this, link] {
        clock_->AwaitWaiters(1);
        inventory_->Upsert(link);
      });
    }
    return print_mac_ ? std::optional<Mac>(link.mac) : std::optional<Mac>();
  }

  Status Detach(const HookRequest& request) override {
    std::unique_lock<std::mutex> lock(mu_);
    calls_.push_back("detach " + request.mac->ToString() + " " +
                     request.nic_name);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !hold_detach_; });
    return detach_status_;
  }

  void FailDetach(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    detach_status_ = std::move(s);
  }
  // Detach calls wait (once recorded) until ReleaseDetach.
  void HoldDetach() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_detach_ = true;
  }
  void ReleaseDetach() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hold_detach_ = false;
    }
    changed_.notify_all();
  }
  // Blocks until `count` calls are recorded.
  void AwaitCalls(size_t count) const {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return calls_.size() >= count; });
  }
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  Inventory* const inventory_;
  FakeClock* const clock_;
  mutable std::mutex mu_;  // Guards everything below.
  // calls_ grew, or hold_detach_ was cleared.
  mutable std::condition_variable changed_;
  std::optional<Link> link_;
  Plug plug_ = Plug::kAtOnce;
  bool print_mac_ = true;
  Status failure_;
  Status detach_status_;
  bool hold_detach_ = false;
  std::vector<std::string> calls_;
  std::vector<std::thread> plugs_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_FAKE_HOOKS_H_
