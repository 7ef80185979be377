#include <chrono>

#include "hostnic/address.h"

namespace hostnic {

namespace {

class WallClock : public Clock {
 public:
  UnixSeconds Now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

Clock* SystemClock() {
  static WallClock clock;
  return &clock;
}

}  // namespace hostnic
