// Mutex and MutexLock: a mutex clang's thread-safety analysis understands
// (-Wthread-safety, an error in the clang builds: see CMakeLists.txt), as
// LevelDB's port::Mutex. libstdc++'s std::mutex carries no annotations, so
// a member GUARDED_BY a std::mutex would not be checked.
//
// Every mutex says what it guards in code, not only in a comment:
//
//   Mutex mu_;
//   int count_ GUARDED_BY(mu_) = 0;          // read or written under mu_
//   std::unique_ptr<Table> table_ PT_GUARDED_BY(mu_);  // *table_ under mu_
//   void Increment() REQUIRES(mu_);           // the caller holds mu_
//   void Bump() EXCLUDES(mu_);                // the caller must not
//
// and clang refuses, at compile time, an access to count_ or a call of
// Increment without mu_ held (tests/thread_safety/ shows it does). Other
// compilers see the same code without the checks. The annotations replace
// a naming convention: no ...Locked suffix says who holds what.
#ifndef HOSTNIC_COMMON_MUTEX_H_
#define HOSTNIC_COMMON_MUTEX_H_

#include <mutex>

#if defined(__clang__)
#define HOSTNIC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define HOSTNIC_THREAD_ANNOTATION(x)
#endif

// The names of clang's documentation (and LevelDB's, abseil's without the
// prefix): https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
#define CAPABILITY(x) HOSTNIC_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY HOSTNIC_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) HOSTNIC_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) HOSTNIC_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) \
  HOSTNIC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) HOSTNIC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) HOSTNIC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) HOSTNIC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) HOSTNIC_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS \
  HOSTNIC_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace hostnic {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds this mutex where it cannot see it
  // (a callback run under the lock); checks nothing at run time.
  void AssertHeld() ASSERT_CAPABILITY(this) {}

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope. Unlock() and Lock() let go of it and take it
// again inside the scope (around a call that must not run under it).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : lock_(mu->mu_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() { lock_.unlock(); }
  void Lock() ACQUIRE() { lock_.lock(); }

  // For std::condition_variable (and Clock::WaitUntil): a wait lets go of
  // the mutex and holds it again before it returns, which is what the
  // analysis assumes throughout. Wait in a loop that tests the condition
  // in this scope, not in a predicate lambda (a lambda is checked on its
  // own, without the lock).
  std::unique_lock<std::mutex>* native() { return &lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_MUTEX_H_
