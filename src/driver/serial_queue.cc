#include "driver/serial_queue.h"

#include <utility>

namespace hostnic {

SerialQueue::SerialQueue() : thread_([this] { Run(); }) {}

SerialQueue::~SerialQueue() { Stop(); }

bool SerialQueue::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return false;
    tasks_.push_back(std::move(task));
    ++posted_;
  }
  changed_.notify_all();
  return true;
}

void SerialQueue::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = posted_;
  changed_.wait(lock, [&] { return done_ >= target; });
}

void SerialQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SerialQueue::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) {  // Stopping, and everything has run.
      ended_ = true;
      return;
    }
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
    ++done_;
    changed_.notify_all();
  }
}

}  // namespace hostnic
