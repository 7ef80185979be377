// WorkerPool: threads for jobs that may block (UnixHttpServer's handlers,
// the driver's CreateEndpoints resumed after a NIC wait). Up to `max`
// threads, started when jobs wait and none is idle, each ending after 30 s
// without a job; so an idle daemon keeps no worker.
#ifndef HOSTNIC_COMMON_WORKER_POOL_H_
#define HOSTNIC_COMMON_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <thread>

#include "common/mutex.h"

namespace hostnic {

class WorkerPool {
 public:
  explicit WorkerPool(size_t max);
  // Runs the queued jobs, then joins every thread.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` on a worker, in the order submitted; never blocks on a job.
  void Submit(std::function<void()> job) EXCLUDES(mu_);

 private:
  void Work(std::list<std::thread>::iterator self) EXCLUDES(mu_);

  const size_t max_;
  Mutex mu_;
  std::condition_variable cv_;  // Under mu_: a job came, or stopping_.
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  std::list<std::thread> threads_ GUARDED_BY(mu_);   // running
  std::list<std::thread> finished_ GUARDED_BY(mu_);  // returned; to be joined
  size_t idle_ GUARDED_BY(mu_) = 0;  // threads waiting for a job
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_WORKER_POOL_H_
