#include "driver/serial_queue.h"

#include <utility>

namespace hostnic {

SerialQueue::SerialQueue() : thread_([this] { Run(); }) {}

SerialQueue::~SerialQueue() { Stop(); }

bool SerialQueue::Post(std::function<void()> task) {
  {
    MutexLock lock(&mu_);
    if (ended_) return false;
    tasks_.push_back(std::move(task));
    ++posted_;
    // Under the lock: once it is released, the task may run and let the
    // queue be destroyed, changed_ with it.
    changed_.notify_all();
  }
  return true;
}

void SerialQueue::Drain() {
  MutexLock lock(&mu_);
  const uint64_t target = posted_;
  while (done_ < target) changed_.wait(*lock.native());
}

void SerialQueue::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SerialQueue::Run() {
  MutexLock lock(&mu_);
  while (true) {
    while (!stopping_ && tasks_.empty()) changed_.wait(*lock.native());
    if (tasks_.empty()) {  // Stopping, and everything has run.
      ended_ = true;
      return;
    }
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.Unlock();
    task();
    lock.Lock();
    ++done_;
    changed_.notify_all();
  }
}

}  // namespace hostnic
