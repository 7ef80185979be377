#include "driver/housekeeper.h"

#include <algorithm>
#include <chrono>

namespace hostnic {

namespace {

// Work that appeared since the last pass (a lease obtained or joined) is
// looked at within this.
constexpr UnixSeconds kMaxSleepSeconds = 5;

}  // namespace

Housekeeper::Housekeeper(Driver* driver, Clock* clock)
    : driver_(driver), clock_(clock), thread_([this] { Run(); }) {}

Housekeeper::~Housekeeper() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Housekeeper::Run() {
  MutexLock lock(&mu_);
  while (!stop_) {
    lock.Unlock();
    const UnixSeconds next =
        std::min(driver_->KeepLeases(), driver_->ReleaseAbandoned());
    const UnixSeconds sleep =
        std::clamp<UnixSeconds>(next - clock_->Now(), 1, kMaxSleepSeconds);
    const MonoTime wake_at = clock_->Monotonic() + std::chrono::seconds(sleep);
    lock.Lock();
    while (!stop_ && clock_->Monotonic() < wake_at) {
      clock_->WaitUntil(&wake_, lock.native(), wake_at);
    }
  }
}

}  // namespace hostnic
