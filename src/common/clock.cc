#include "hostnic/clock.h"

namespace hostnic {

namespace {

class RealClock : public Clock {
 public:
  UnixSeconds Now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  MonoTime Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  void WaitUntil(std::condition_variable* cv,
                 std::unique_lock<std::mutex>* lock,
                 MonoTime deadline) override {
    cv->wait_until(*lock, deadline);
  }
};

}  // namespace

Clock* SystemClock() {
  static RealClock clock;
  return &clock;
}

}  // namespace hostnic
