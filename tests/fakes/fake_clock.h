// FakeClock: a Clock whose time moves only when the test says, at once.
// Waits on it (Clock::WaitUntil) end when Advance reaches their deadline or
// when their condition variable is notified, so a test of a timeout, a
// grace or a lease timer neither sleeps nor depends on the machine's speed.
#ifndef HOSTNIC_TESTS_FAKES_FAKE_CLOCK_H_
#define HOSTNIC_TESTS_FAKES_FAKE_CLOCK_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "hostnic/clock.h"

namespace hostnic {

class FakeClock : public Clock {
 public:
  // Wall and monotonic time move together, starting here, until StepWall.
  static constexpr UnixSeconds kStart = 1700000000;

  UnixSeconds Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return kStart + wall_step_ +
           std::chrono::duration_cast<std::chrono::seconds>(now_ - kMonoStart)
               .count();
  }
  MonoTime Monotonic() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }

  void WaitUntil(std::condition_variable* cv,
                 std::unique_lock<std::mutex>* lock,
                 MonoTime deadline) override {
    Waiter self{cv, lock->mutex(), deadline};
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (now_ >= deadline) return;
      pending_.push_back(&self);
    }
    changed_.notify_all();
    cv->wait(*lock);
    // Advance may still be notifying `cv`: `self` must outlive that. Its
    // notification needs the caller's mutex, so wait without it.
    lock->unlock();
    {
      std::unique_lock<std::mutex> guard(mu_);
      pending_.erase(std::remove(pending_.begin(), pending_.end(), &self),
                     pending_.end());
      changed_.wait(guard, [&] { return self.notifying == 0; });
    }
    changed_.notify_all();
    lock->lock();
  }

  // Moves time on by `by` and ends the waits whose deadline it reaches;
  // returns once they are woken.
  void Advance(std::chrono::nanoseconds by) {
    AdvanceTo(Monotonic() + std::chrono::duration_cast<MonoTime::duration>(by));
  }
  // As Advance, to `when`; time never goes back.
  void AdvanceTo(MonoTime when) {
    std::vector<Waiter*> due;
    {
      std::lock_guard<std::mutex> guard(mu_);
      now_ = std::max(now_, when);
      for (Waiter* w : pending_) {
        if (w->deadline > now_) continue;
        ++w->notifying;
        due.push_back(w);
      }
      for (Waiter* w : due) {
        pending_.erase(std::remove(pending_.begin(), pending_.end(), w),
                       pending_.end());
      }
    }
    // Under the waiter's mutex, so the wake cannot slip in before it waits.
    for (Waiter* w : due) {
      std::lock_guard<std::mutex> guard(*w->mutex);
      w->cv->notify_all();
    }
    {
      std::lock_guard<std::mutex> guard(mu_);
      for (Waiter* w : due) --w->notifying;
    }
    changed_.notify_all();
  }

  // Sets the wall clock `by` on (or back, when negative), as NTP or a VM
  // resumed does; monotonic time does not move.
  void StepWall(std::chrono::seconds by) {
    std::lock_guard<std::mutex> guard(mu_);
    wall_step_ += by.count();
  }

  // Blocks until `count` waits are under way and not yet due: a test
  // advances time, or changes what is waited for, once the code under test
  // waits.
  void AwaitWaiters(size_t count) const {
    std::unique_lock<std::mutex> guard(mu_);
    changed_.wait(guard, [&] { return pending_.size() >= count; });
  }

 private:
  static constexpr MonoTime kMonoStart{std::chrono::hours(1000)};
  struct Waiter {
    std::condition_variable* cv;
    std::mutex* mutex;
    MonoTime deadline;
    int notifying = 0;  // Advances notifying `cv` now.
  };

  mutable std::mutex mu_;  // Guards now_, pending_ and each Waiter.
  mutable std::condition_variable changed_;  // pending_ or notifying changed.
  MonoTime now_ = kMonoStart;
  UnixSeconds wall_step_ = 0;     // Sum of StepWall.
  std::vector<Waiter*> pending_;  // Waits under way, not yet due.
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_FAKE_CLOCK_H_
