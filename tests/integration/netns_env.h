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
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

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

// The fixture of tests that make devices and namespaces of their own in the
// private namespace. SetUp() skips or fails as HOSTNIC_REQUIRE_PRIVATE_NETNS()
// does, else runs SetUpInNetns(). What AddNetns() and AddNic() made is
// deleted at TearDown(), namespaces (and the veth ends in them) first, newest
// first; a fixture that overrides TearDown() calls this one last.
class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() final {
    HOSTNIC_REQUIRE_PRIVATE_NETNS();
    SetUpInNetns();
  }
  void TearDown() override {
    for (auto it = netns_.rbegin(); it != netns_.rend(); ++it) {
      Sh("ip netns del " + *it + " 2>/dev/null");
    }
    for (auto it = nics_.rbegin(); it != nics_.rend(); ++it) {
      Sh("ip link del " + *it + " 2>/dev/null");
    }
  }
  virtual void SetUpInNetns() {}

  // A number no other call in this process returns, for names.
  static int Serial() {
    static std::atomic<int> serial{0};
    return ++serial;
  }
  // Adds namespace PREFIX-PID-N (`ip netns add`) and returns its name.
  std::string AddNetns(const std::string& prefix) {
    const std::string name = prefix + "-" + std::to_string(getpid()) + "-" +
                             std::to_string(Serial());
    netns_.push_back(name);
    EXPECT_EQ(Sh("ip netns add " + name), 0) << name;
    return name;
  }
  // Adds a stand-in NIC: veth `nic` with MAC `mac` (the kernel's when empty;
  // MTU `mtu` when nonzero) on the host, its peer named `peer` with
  // `peer_options` (such as " netns NS").
  void AddNic(const std::string& nic, const std::string& mac,
              const std::string& peer, const std::string& peer_options = "",
              unsigned mtu = 0) {
    nics_.push_back(nic);
    const std::string mtu_arg = mtu ? " mtu " + std::to_string(mtu) : "";
    const std::string mac_arg = mac.empty() ? "" : " address " + mac;
    ASSERT_EQ(Sh("ip link add " + nic + mac_arg + mtu_arg +
                 " type veth peer name " + peer + peer_options),
              0)
        << nic;
  }

 private:
  std::vector<std::string> netns_;
  std::vector<std::string> nics_;
};

}  // namespace hostnic::itest

#endif  // HOSTNIC_TESTS_INTEGRATION_NETNS_ENV_H_
