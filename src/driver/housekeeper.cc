#include "driver/housekeeper.h"

#include <algorithm>
#include <chrono>

namespace hostnic {

namespace {

// Work that appeared since the last pass (a lease obtained or joined) is
// looked at within this.
constexpr std::chrono::seconds kMaxSleep{5};

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
    // Leases are timed on the monotonic clock, abandoned endpoints on the
    // wall clock.
    const MonoTime leases = driver_->KeepLeases();
    const UnixSeconds abandoned = driver_->ReleaseAbandoned();
    const MonoTime now = clock_->Monotonic();
    const auto sleep = std::clamp<MonoTime::duration>(
        std::min<MonoTime::duration>(
            leases - now, std::chrono::seconds(std::min<UnixSeconds>(
                              abandoned - clock_->Now(), kMaxSleep.count()))),
        std::chrono::seconds(1), kMaxSleep);
    const MonoTime wake_at = now + sleep;
    lock.Lock();
    while (!stop_ && clock_->Monotonic() < wake_at) {
      clock_->WaitUntil(&wake_, lock.native(), wake_at);
    }
  }
}

}  // namespace hostnic
