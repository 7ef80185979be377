// Housekeeper: the thread that does the driver's timed work -- renewing DHCP
// leases while their containers run (Driver::KeepLeases) and releasing
// endpoints a restart left abandoned (Driver::ReleaseAbandoned) -- whenever
// the driver said it would next have work, and at least every few seconds,
// for work that appears meanwhile.
#ifndef HOSTNIC_DRIVER_HOUSEKEEPER_H_
#define HOSTNIC_DRIVER_HOUSEKEEPER_H_

#include <condition_variable>
#include <thread>

#include "common/mutex.h"
#include "driver/driver.h"
#include "hostnic/clock.h"

namespace hostnic {

class Housekeeper {
 public:
  // Starts the thread; `driver` and `clock` must outlive the housekeeper.
  Housekeeper(Driver* driver, Clock* clock);
  // Stops the thread (an exchange under way finishes first) and joins it.
  ~Housekeeper();

  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

 private:
  void Run() EXCLUDES(mu_);

  Driver* const driver_;
  Clock* const clock_;
  Mutex mu_;
  std::condition_variable wake_;  // Under mu_: stop_ was set.
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // Last: starts once the members above exist.
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_HOUSEKEEPER_H_
