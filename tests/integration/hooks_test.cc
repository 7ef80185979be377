// ProcessHooks running real shell-script hooks, written to a temporary
// directory by each test; the ones that add and delete veth links run in
// the private network namespace (see netns_env.h).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fakes/log_capture.h"
#include "fakes/temp_dir.h"
#include "hooks/process_hooks.h"
#include "integration/netns_env.h"
#include "integration/text_util.h"

namespace hostnic {
namespace {

using itest::Has;
using itest::Lacks;
using itest::ReadFile;
using itest::Sh;
using itest::WaitUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kEndpointId[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Mac M(const std::string& text) { return *Mac::Parse(text); }

// Whether process `pid` is gone (a zombie counts: it runs no more).
bool ProcessGone(const std::string& pid) {
  const std::string stat = ReadFile("/proc/" + pid + "/stat");
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || stat.compare(paren, 3, ") Z") == 0;
}

class HooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    request_.network_id = "net0123456789";
    request_.endpoint_id = kEndpointId;
    request_.mac = M("02:00:00:00:aa:01");
    request_.address = "192.168.1.10/24";
  }

  void TearDown() override { Sh("ip link del hnhook0 2>/dev/null"); }

  // Writes an executable /bin/sh script with `body` to the temporary
  // directory; returns its path.
  std::string Script(const std::string& name, const std::string& body,
                     mode_t mode = 0755) {
    const std::string path = dir_ + "/" + name;
    {
      std::ofstream out(path);
      out << "#!/bin/sh\n" << body << "\n";
    }
    chmod(path.c_str(), mode);
    return path;
  }

  std::unique_ptr<ProcessHooks> Hooks(const std::string& attach,
                                      const std::string& detach = "",
                                      milliseconds timeout = seconds(10)) {
    auto hooks = ProcessHooks::Create({attach, detach, timeout});
    EXPECT_TRUE(hooks.ok()) << hooks.status().message();
    return hooks.ok() ? std::move(hooks).value() : nullptr;
  }

  const TempDir tmp_{"hooks-test"};
  const std::string dir_ = tmp_.path();
  HookRequest request_;
};

TEST_F(HooksTest, AttachCreatesTheNicAndReturnsItsMac) {
  HOSTNIC_REQUIRE_PRIVATE_NETNS();
  auto hooks = Hooks(Script("attach.sh", R"(set -e
ip link add hnhook0 address 02:00:00:00:aa:01 type veth peer name hnhook0p
echo "attached 02:00:00:00:aa:01")"));
  ASSERT_NE(hooks, nullptr);
  EXPECT_TRUE(hooks->HasAttach());
  EXPECT_FALSE(hooks->HasDetach());

  auto mac = hooks->Attach(request_);
  ASSERT_TRUE(mac.ok()) << mac.status().message();
  ASSERT_TRUE(mac->has_value());
  EXPECT_EQ(**mac, M("02:00:00:00:aa:01"));
  EXPECT_EQ(Sh("ip link show hnhook0 | grep -q 02:00:00:00:aa:01"), 0);
}

TEST_F(HooksTest, DetachDeletesTheNic) {
  HOSTNIC_REQUIRE_PRIVATE_NETNS();
  ASSERT_EQ(Sh("ip link add hnhook0 address 02:00:00:00:aa:01 type veth "
               "peer name hnhook0p"),
            0);
  auto hooks = Hooks("", Script("detach.sh", R"(ip link del "$HOSTNIC_NIC")"));
  ASSERT_NE(hooks, nullptr);
  EXPECT_FALSE(hooks->HasAttach());
  EXPECT_TRUE(hooks->HasDetach());

  request_.nic_name = "hnhook0";
  const Status s = hooks->Detach(request_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(Sh("ip link show hnhook0 >/dev/null 2>&1"), 0);
}

TEST_F(HooksTest, UnconfiguredHookFails) {
  auto hooks = Hooks("");
  ASSERT_NE(hooks, nullptr);
  EXPECT_EQ(hooks->Attach(request_).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(hooks->Detach(request_).code(), Code::kFailedPrecondition);
}

TEST_F(HooksTest, HookGetsArgumentEnvironmentAndNothingElse) {
  // Descriptors the daemon opened without O_CLOEXEC, environment variables
  // and blocked signals must not reach the hook.
  const std::string leak_path = dir_ + "/leak-marker";
  const int leak_fd = open(leak_path.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(leak_fd, 0);
  setenv("HOSTNIC_TEST_LEAK", "1", 1);
  sigset_t term;
  sigset_t old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);

  auto hooks =
      Hooks("", Script("detach.sh", "echo \"$@\" > " + dir_ +
                                        "/args\n"
                                        "env > " +
                                        dir_ +
                                        "/env\n"
                                        "ls -l /proc/$$/fd > " +
                                        dir_ +
                                        "/fds\n"
                                        "grep SigBlk /proc/self/status > " +
                                        dir_ +
                                        "/sigblk\n"
                                        "echo; echo '  '"));
  ASSERT_NE(hooks, nullptr);
  request_.nic_name = "eth7";
  const Status s = hooks->Detach(request_);

  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  unsetenv("HOSTNIC_TEST_LEAK");
  close(leak_fd);
  ASSERT_TRUE(s.ok()) << s.message();

  EXPECT_EQ(ReadFile(dir_ + "/args"), "detach\n");
  const std::string env = ReadFile(dir_ + "/env");
  EXPECT_TRUE(Has(env, "HOSTNIC_EVENT=detach\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_NETWORK_ID=net0123456789\n"));
  EXPECT_TRUE(
      Has(env, std::string("HOSTNIC_ENDPOINT_ID=") + kEndpointId + "\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_MAC=02:00:00:00:aa:01\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_IP=192.168.1.10/24\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_NIC=eth7\n"));
  itest::ExpectOnlyTheHookEnvironment(env);
  const std::string fds = ReadFile(dir_ + "/fds");
  EXPECT_TRUE(Has(fds, " 0 -> /dev/null"));
  EXPECT_TRUE(Lacks(fds, leak_path));
  EXPECT_EQ(ReadFile(dir_ + "/sigblk"), "SigBlk:\t0000000000000000\n");
}

TEST_F(HooksTest, EmptyMacRequestIsAnEmptyVariable) {
  request_.mac.reset();
  auto hooks = Hooks(
      Script("attach.sh", "echo \"mac=[$HOSTNIC_MAC]\" > " + dir_ + "/mac"));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_TRUE(mac.ok()) << mac.status().message();
  EXPECT_FALSE(mac->has_value());
  EXPECT_EQ(ReadFile(dir_ + "/mac"), "mac=[]\n");
}

TEST_F(HooksTest, AttachTakesTheFirstNonZeroMacOnStdout) {
  auto hooks = Hooks(Script("attach.sh", R"(echo "02:00:00:00:aa:09" >&2
echo "working on it, unset is 00:00:00:00:00:00"
echo "attached '02:00:00:00:aa:05' as 02-00-00-00-AA-03 then 02:00:00:00:aa:04")"));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_TRUE(mac.ok()) << mac.status().message();
  ASSERT_TRUE(mac->has_value());
  EXPECT_EQ(**mac, M("02:00:00:00:aa:03"));
}

TEST_F(HooksTest, NonZeroExitFailsWithTheLastOutputLine) {
  auto hooks = Hooks(Script("attach.sh", R"(echo "calling the cloud"
echo "QuotaExceeded: no more NICs for this instance" >&2
echo
exit 3)"));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_FALSE(mac.ok());
  EXPECT_EQ(mac.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(mac.status().message(), "exited with code 3"));
  EXPECT_TRUE(Has(mac.status().message(),
                  "QuotaExceeded: no more NICs for this instance"));
  EXPECT_TRUE(Has(mac.status().message(), dir_ + "/attach.sh"));
}

TEST_F(HooksTest, SilentFailureSaysSo) {
  auto hooks = Hooks(Script("attach.sh", "exit 1"));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_FALSE(mac.ok());
  EXPECT_TRUE(
      Has(mac.status().message(), "exited with code 1 and printed nothing"));
}

TEST_F(HooksTest, ErrorQuotesStderrBeforeStdout) {
  auto hooks = Hooks(Script("attach.sh", "echo 'no quota left'; exit 1"));
  ASSERT_NE(hooks, nullptr);
  EXPECT_TRUE(Has(hooks->Attach(request_).status().message(),
                  "exited with code 1; its last output line: no quota left"));

  hooks = Hooks(Script("attach2.sh", R"(echo 'warning: old CLI' >&2
echo 'Error: no quota left' >&2
echo 'cleaning up'
exit 2)"));
  ASSERT_NE(hooks, nullptr);
  EXPECT_TRUE(
      Has(hooks->Attach(request_).status().message(),
          "exited with code 2; its last output line: Error: no quota left"));
}

TEST_F(HooksTest, DeathBySignalIsReported) {
  auto hooks = Hooks(Script("attach.sh", "echo bye; kill -KILL $$"));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_FALSE(mac.ok());
  EXPECT_EQ(mac.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(mac.status().message(), "killed by SIGKILL"));
  EXPECT_TRUE(Has(mac.status().message(), "bye"));
}

TEST_F(HooksTest, TimeoutKillsTheWholeProcessGroup) {
  auto hooks = Hooks(Script("attach.sh", "echo $$ > " + dir_ +
                                             "/hook.pid\n"
                                             "sleep 30 &\n"
                                             "echo $! > " +
                                             dir_ +
                                             "/child.pid\n"
                                             "echo waiting\n"
                                             "sleep 30"),
                     "", milliseconds(300));
  ASSERT_NE(hooks, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto mac = hooks->Attach(request_);
  const auto took = std::chrono::steady_clock::now() - start;

  ASSERT_FALSE(mac.ok());
  EXPECT_EQ(mac.status().code(), Code::kTimeout);
  EXPECT_TRUE(Has(mac.status().message(), "timed out after 0.3 s"));
  EXPECT_TRUE(Has(mac.status().message(), "waiting"));
  EXPECT_LT(took, seconds(2));
  const std::string hook_pid = ReadFile(dir_ + "/hook.pid");
  const std::string child_pid = ReadFile(dir_ + "/child.pid");
  ASSERT_FALSE(hook_pid.empty());
  ASSERT_FALSE(child_pid.empty());
  EXPECT_TRUE(ProcessGone(hook_pid.substr(0, hook_pid.size() - 1)));
  // The orphaned sleep is reaped by init, not by us; killed is enough.
  EXPECT_TRUE(WaitUntil(
      [&] { return ProcessGone(child_pid.substr(0, child_pid.size() - 1)); },
      seconds(2)));
}

TEST_F(HooksTest, BackgroundProcessHoldingOutputTimesOut) {
  auto hooks = Hooks(Script("attach.sh", "sleep 30 &\necho started"), "",
                     milliseconds(300));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_FALSE(mac.ok());
  EXPECT_EQ(mac.status().code(), Code::kTimeout);
  EXPECT_TRUE(Has(mac.status().message(),
                  "a process it started still held its output open"));
}

TEST_F(HooksTest, BackgroundProcessWithOwnOutputIsFine) {
  auto hooks = Hooks(
      Script("attach.sh", "sleep 30 >/dev/null 2>&1 &\necho 02:00:00:00:aa:07"),
      "", milliseconds(2000));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_TRUE(mac.ok()) << mac.status().message();
  EXPECT_EQ(**mac, M("02:00:00:00:aa:07"));
}

TEST_F(HooksTest, HugeOutputIsLoggedInPiecesAndDoesNotStall) {
  spdlog::set_level(spdlog::level::warn);
  auto hooks =
      Hooks(Script("attach.sh", R"(head -c 2000000 /dev/zero | tr '\0' x
echo
echo "final words" >&2
exit 4)"));
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  spdlog::set_level(spdlog::level::info);
  ASSERT_FALSE(mac.ok());
  EXPECT_TRUE(Has(mac.status().message(), "final words"));
}

TEST_F(HooksTest, EveryOutputLineIsLoggedWithEventAndEndpoint) {
  std::string text;
  {
    LogCapture log;
    auto hooks =
        Hooks(Script("attach.sh", "echo one\necho two >&2\nprintf three"));
    ASSERT_NE(hooks, nullptr);
    const auto mac = hooks->Attach(request_);
    ASSERT_TRUE(mac.ok()) << mac.status().message();
    text = log.text();
  }
  EXPECT_TRUE(Has(text, "attach hook (endpoint 0123456789ab) stdout: one"));
  EXPECT_TRUE(Has(text, "attach hook (endpoint 0123456789ab) stderr: two"));
  EXPECT_TRUE(Has(text, "attach hook (endpoint 0123456789ab) stdout: three"));
}

TEST_F(HooksTest, HooksRunConcurrently) {
  auto hooks =
      Hooks(Script("attach.sh", "sleep 0.5\necho \"got $HOSTNIC_MAC\""));
  ASSERT_NE(hooks, nullptr);
  constexpr int kRuns = 6;
  std::vector<std::optional<Mac>> got(kRuns);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      HookRequest request = request_;
      request.mac = M("02:00:00:00:bb:0" + std::to_string(i));
      auto mac = hooks->Attach(request);
      if (mac.ok()) got[i] = *mac;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500));
  for (int i = 0; i < kRuns; ++i) {
    EXPECT_EQ(got[i], M("02:00:00:00:bb:0" + std::to_string(i))) << i;
  }
}

TEST_F(HooksTest, CreateRefusesBadCommands) {
  auto missing = ProcessHooks::Create({"/nonexistent/attach-hook", "", {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "attach hook \"/nonexistent/attach-hook\": No such file or "
            "directory");

  auto relative = ProcessHooks::Create({"", "detach.sh", {}});
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.status().message(),
            "detach hook \"detach.sh\" is not an absolute path");

  const std::string plain = Script("plain.sh", "exit 0", 0644);
  auto not_executable = ProcessHooks::Create({plain, "", {}});
  ASSERT_FALSE(not_executable.ok());
  EXPECT_TRUE(Has(not_executable.status().message(), "is not executable"));

  auto directory = ProcessHooks::Create({dir_, "", {}});
  ASSERT_FALSE(directory.ok());
  EXPECT_TRUE(Has(directory.status().message(), "is not a regular file"));

  auto no_time =
      ProcessHooks::Create({Script("ok.sh", "exit 0"), "", milliseconds(0)});
  ASSERT_FALSE(no_time.ok());
  EXPECT_TRUE(Has(no_time.status().message(), "must be positive"));
}

TEST_F(HooksTest, CommandRemovedAfterStartFailsClearly) {
  const std::string path = Script("attach.sh", "exit 0");
  auto hooks = Hooks(path);
  ASSERT_NE(hooks, nullptr);
  ASSERT_EQ(unlink(path.c_str()), 0);
  auto mac = hooks->Attach(request_);
  ASSERT_FALSE(mac.ok());
  EXPECT_EQ(mac.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(mac.status().message(), "attach hook " + path +
                                        " cannot be started: No such file "
                                        "or directory");
}

TEST_F(HooksTest, ScriptWithoutInterpreterLineFailsClearly) {
  const std::string path = dir_ + "/bare.sh";
  std::ofstream(path) << "echo no interpreter line\n";
  chmod(path.c_str(), 0755);
  auto hooks = Hooks(path);
  ASSERT_NE(hooks, nullptr);
  auto mac = hooks->Attach(request_);
  ASSERT_FALSE(mac.ok());
  EXPECT_EQ(mac.status().message(), "attach hook " + path +
                                        " cannot be started: Exec format "
                                        "error (a script needs a #! line)");
}

}  // namespace
}  // namespace hostnic
