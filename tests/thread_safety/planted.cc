// The thread-safety analysis' self-test (check.sh): compiled once as is,
// which must pass, and once with each HOSTNIC_PLANT_* defined, which must
// fail with a -Wthread-safety error. Each plant is a mistake the
// annotations of src/common/mutex.h exist to catch.
#include <condition_variable>

#include "common/mutex.h"

namespace hostnic {

class Counter {
 public:
  void Bump() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Increment();
#ifdef HOSTNIC_PLANT_RELOCK
    MutexLock again(&mu_);  // Taking a mutex already held.
#endif
  }

  int Read() EXCLUDES(mu_) {
#ifdef HOSTNIC_PLANT_UNGUARDED_READ
    return count_;  // Read without mu_.
#else
    MutexLock lock(&mu_);
    return count_;
#endif
  }

  void Reset() EXCLUDES(mu_) {
#ifdef HOSTNIC_PLANT_UNLOCKED_CALL
    Increment();  // A REQUIRES(mu_) function called without mu_.
#endif
    MutexLock lock(&mu_);
    count_ = 0;
  }

  void Wait() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    while (count_ == 0) changed_.wait(*lock.native());
#ifdef HOSTNIC_PLANT_EXCLUDED_CALL
    Bump();  // An EXCLUDES(mu_) function called with mu_ held.
#endif
    lock.Unlock();
#ifdef HOSTNIC_PLANT_WRITE_AFTER_UNLOCK
    count_ = 1;  // Written after the scope let go of mu_.
#endif
  }

 private:
  void Increment() REQUIRES(mu_) {
    ++count_;
    changed_.notify_all();
  }

  Mutex mu_;
  std::condition_variable changed_;
  int count_ GUARDED_BY(mu_) = 0;
};

}  // namespace hostnic

int main() {
  hostnic::Counter counter;
  counter.Bump();
  counter.Wait();
  counter.Reset();
  return counter.Read();
}
