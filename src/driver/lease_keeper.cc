#include "driver/lease_keeper.h"

#include <algorithm>
#include <chrono>

namespace hostnic {

namespace {

// A lease obtained or joined since the last pass is looked at within this.
constexpr UnixSeconds kMaxSleepSeconds = 5;

}  // namespace

LeaseKeeper::LeaseKeeper(Driver* driver, Clock* clock)
    : driver_(driver), clock_(clock), thread_([this] { Run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LeaseKeeper::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const UnixSeconds next = driver_->KeepLeases();
    const UnixSeconds sleep =
        std::clamp<UnixSeconds>(next - clock_->Now(), 1, kMaxSleepSeconds);
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(sleep), [this] { return stop_; });
  }
}

}  // namespace hostnic
