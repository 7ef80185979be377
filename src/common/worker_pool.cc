#include "common/worker_pool.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>

namespace hostnic {

namespace {
constexpr auto kWorkerIdle = std::chrono::seconds(30);
}  // namespace

WorkerPool::WorkerPool(size_t max) : max_(std::max<size_t>(max, 1)) {}

WorkerPool::~WorkerPool() {
  std::list<std::thread> threads;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    threads.splice(threads.end(), threads_);
    threads.splice(threads.end(), finished_);
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
}

void WorkerPool::Submit(std::function<void()> job) {
  std::list<std::thread> finished;
  {
    MutexLock lock(&mu_);
    finished.swap(finished_);
    jobs_.push_back(std::move(job));
    if (idle_ < jobs_.size() && threads_.size() < max_) {
      threads_.emplace_back();
      auto self = std::prev(threads_.end());
      *self = std::thread([this, self] { Work(self); });
    }
    // Under the lock: once it is released, a job may run and let the pool
    // be destroyed, cv_ with it.
    cv_.notify_one();
  }
  for (std::thread& t : finished) t.join();
}

void WorkerPool::Work(std::list<std::thread>::iterator self) {
  MutexLock lock(&mu_);
  for (;;) {
    ++idle_;
    const auto idle_until = std::chrono::steady_clock::now() + kWorkerIdle;
    while (jobs_.empty() && !stopping_ &&
           cv_.wait_until(*lock.native(), idle_until) !=
               std::cv_status::timeout) {
    }
    const bool woken = !jobs_.empty() || stopping_;
    --idle_;
    if (!jobs_.empty()) {
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.Unlock();
      job();
      lock.Lock();
      continue;
    }
    if (stopping_) return;  // the destructor joins this thread
    if (!woken) {
      // Idle too long: the next Submit (or the destructor) joins it.
      finished_.splice(finished_.end(), threads_, self);
      return;
    }
  }
}

}  // namespace hostnic
