// A private network namespace for integration tests that create, change and
// delete network devices, so they can never touch the host's NICs.
//
// Including this header registers a gtest Environment that, before the first
// test, moves the whole test process into a new network namespace
// (unshare(CLONE_NEWNET); nothing is mounted). gtest starts no threads, so
// every thread and child process the tests create inherits it, and it
// vanishes with the process. Needs root (CAP_SYS_ADMIN); without it, tests
// call RequirePrivateNetns() and are skipped.
#ifndef HOSTNIC_TESTS_INTEGRATION_NETNS_ENV_H_
#define HOSTNIC_TESTS_INTEGRATION_NETNS_ENV_H_

#include <errno.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

namespace hostnic::itest {

// Empty once the process runs in its private namespace; why not otherwise.
inline std::string& PrivateNetnsError() {
  static std::string error = "the private network namespace was not set up";
  return error;
}

class PrivateNetnsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (unshare(CLONE_NEWNET) != 0) {
      PrivateNetnsError() =
          std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    PrivateNetnsError().clear();
    if (std::system("ip link set lo up") != 0) {
      PrivateNetnsError() = "ip link set lo up failed";
    }
  }
};

inline ::testing::Environment* const kPrivateNetnsEnvironment =
    ::testing::AddGlobalTestEnvironment(new PrivateNetnsEnvironment);

// Use at the start of a test or SetUp(): skips when not root, fails when
// root could not get a private namespace.
#define HOSTNIC_REQUIRE_PRIVATE_NETNS()                                     \
  do {                                                                      \
    if (!::hostnic::itest::PrivateNetnsError().empty()) {                   \
      if (geteuid() != 0) GTEST_SKIP() << "needs root for a private netns"; \
      FAIL() << ::hostnic::itest::PrivateNetnsError();                      \
    }                                                                       \
  } while (0)

// Runs `command` with /bin/sh; returns its exit status (0 is success).
inline int Sh(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs `command` with /bin/sh and returns its standard output.
inline std::string ShOutput(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    out.append(buffer.data(), n);
  }
  pclose(pipe);
  return out;
}

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. For state that other threads or the kernel change asynchronously.
inline bool WaitUntil(
    const std::function<bool()>& condition,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace hostnic::itest

#endif  // HOSTNIC_TESTS_INTEGRATION_NETNS_ENV_H_
