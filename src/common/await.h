// Await: the blocking form of a call that answers through a callback.
#ifndef HOSTNIC_COMMON_AWAIT_H_
#define HOSTNIC_COMMON_AWAIT_H_

#include <functional>
#include <future>
#include <utility>

namespace hostnic {

// Calls `start` with a callback, which must be called exactly once, from any
// thread (also before `start` returns); blocks until it is, and returns the
// value it was given.
template <typename T>
T Await(const std::function<void(std::function<void(T)>)>& start) {
  std::promise<T> answer;
  std::future<T> answered = answer.get_future();
  start([&answer](T value) { answer.set_value(std::move(value)); });
  return answered.get();
}

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_AWAIT_H_
