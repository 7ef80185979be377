// LeaseKeeper: the thread that keeps DHCP leases renewed while their
// containers run, by calling Driver::KeepLeases whenever it said it would
// next have work (and at least every few seconds, for leases that appear).
#ifndef HOSTNIC_DRIVER_LEASE_KEEPER_H_
#define HOSTNIC_DRIVER_LEASE_KEEPER_H_

#include <condition_variable>
#include <mutex>
#include <thread>

#include "hostnic/address.h"
#include "hostnic/driver.h"

namespace hostnic {

class LeaseKeeper {
 public:
  // Starts the thread; `driver` and `clock` must outlive the keeper.
  LeaseKeeper(Driver* driver, Clock* clock);
  // Stops the thread (an exchange under way finishes first) and joins it.
  ~LeaseKeeper();

  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

 private:
  void Run();

  Driver* const driver_;
  Clock* const clock_;
  std::mutex mu_;  // Guards stop_.
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // Last: starts once the members above exist.
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_LEASE_KEEPER_H_
