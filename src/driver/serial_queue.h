// SerialQueue: runs tasks one at a time, in the order they were posted, on a
// thread of its own, so that whoever posts them never waits for them.
#ifndef HOSTNIC_DRIVER_SERIAL_QUEUE_H_
#define HOSTNIC_DRIVER_SERIAL_QUEUE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>

#include "common/mutex.h"

namespace hostnic {

class SerialQueue {
 public:
  // Starts the thread.
  SerialQueue();
  // Stop()s.
  ~SerialQueue();
  SerialQueue(const SerialQueue&) = delete;
  SerialQueue& operator=(const SerialQueue&) = delete;

  // Queues `task`. Returns false, leaving it to the caller, once the thread
  // has ended (Stop ends it when nothing is left to run).
  [[nodiscard]] bool Post(std::function<void()> task) EXCLUDES(mu_);
  // Returns once every task posted before the call has run. Not from a
  // task (it would wait for itself).
  void Drain() EXCLUDES(mu_);
  // Runs every task already posted, then ends the thread and joins it.
  // Idempotent; not from a task, nor concurrently with itself.
  void Stop() EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);

  Mutex mu_;
  std::condition_variable changed_;  // Under mu_: any member below changed.
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  uint64_t posted_ GUARDED_BY(mu_) = 0;  // Tasks posted since construction.
  uint64_t done_ GUARDED_BY(mu_) = 0;    // ... that have run.
  bool stopping_ GUARDED_BY(mu_) = false;
  bool ended_ GUARDED_BY(mu_) = false;  // The thread runs no more tasks.
  std::thread thread_;  // Last: starts once the members above exist.
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_SERIAL_QUEUE_H_
