// Clock: the time, behind a seam (as LevelDB's Env) so that lease timers,
// graces and waits are tested without sleeping: tests/fakes/fake_clock.h
// moves time on at once and wakes the waits it reaches.
#ifndef HOSTNIC_CLOCK_H_
#define HOSTNIC_CLOCK_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>

namespace hostnic {

// Wall-clock seconds since the Unix epoch: leases outlive the daemon, so
// their times must mean the same after a restart.
using UnixSeconds = int64_t;
// A time that never comes: no deadline, no work ahead.
inline constexpr UnixSeconds kNever = std::numeric_limits<UnixSeconds>::max();

// Monotonic time, for deadlines and durations within one run: setting the
// wall clock neither cuts nor stretches a wait.
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds Now() const = 0;
  virtual MonoTime Monotonic() const = 0;
  // Waits on `cv` until it is notified or Monotonic() reaches `deadline`;
  // `lock` (on the mutex the notifier holds) is held on entry and on return
  // but not meanwhile. May return early: callers wait in a loop that checks
  // their condition and the deadline.
  virtual void WaitUntil(std::condition_variable* cv,
                         std::unique_lock<std::mutex>* lock,
                         MonoTime deadline) = 0;
};

// The system's clocks: std::chrono::system_clock and steady_clock.
Clock* SystemClock();

}  // namespace hostnic

#endif  // HOSTNIC_CLOCK_H_
