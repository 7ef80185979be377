// AddressHook running real shell-script hooks, written to a temporary
// directory by each test.
#include "hooks/address_hook.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fakes/log_capture.h"
#include "fakes/temp_dir.h"
#include "integration/text_util.h"

namespace hostnic {
namespace {

using itest::Has;
using itest::ReadFile;
using std::chrono::milliseconds;
using std::chrono::seconds;

class AddressHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    link_.ifindex = 7;
    link_.name = "eth2";
    link_.mac = *Mac::Parse("52:54:0e:e5:00:f7");
    link_.mtu = 1500;
  }

  // Writes an executable /bin/sh script with `body`; returns its path.
  std::string Script(const std::string& body, mode_t mode = 0755) {
    const std::string path = dir_ + "/address.sh";
    {
      std::ofstream out(path);
      out << "#!/bin/sh\n" << body << "\n";
    }
    chmod(path.c_str(), mode);
    return path;
  }

  // Runs a hook with `body` for link_.
  Result<Lease> Run(const std::string& body,
                    milliseconds timeout = seconds(10)) {
    auto hook = AddressHook::Create(Script(body));
    if (!hook.ok()) return hook.status();
    return (*hook)->Acquire(link_, timeout);
  }

  const TempDir tmp_{"address-hook-test"};
  const std::string dir_ = tmp_.path();
  Link link_;
};

TEST_F(AddressHookTest, GoodOutputIsTheLease) {
  auto lease = Run(R"(cat <<'JSON'
{"address": "10.0.1.23/24", "gateway": "10.0.1.1",
 "routes": [{"destination": "10.1.0.0/16", "next_hop": "10.0.1.1"}],
 "mtu": 9001}
JSON
echo "looked up $HOSTNIC_MAC" >&2)");
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  EXPECT_EQ(lease->mac, link_.mac);
  EXPECT_EQ(lease->source, "hook");
  EXPECT_EQ(lease->address, "10.0.1.23/24");
  EXPECT_EQ(lease->gateway, "10.0.1.1");
  ASSERT_EQ(lease->routes.size(), 1u);
  EXPECT_EQ(lease->routes[0], (Route{"10.1.0.0/16", "10.0.1.1"}));
  EXPECT_EQ(lease->mtu, 9001u);
  EXPECT_EQ(lease->lease_seconds, 0u);
  EXPECT_FALSE(lease->Expires());
}

TEST_F(AddressHookTest, HookGetsArgumentAndEnvironmentOnly) {
  setenv("HOSTNIC_TEST_LEAK", "1", 1);
  auto lease = Run("echo \"$@\" > " + dir_ + "/args\nenv > " + dir_ +
                   "/env\necho '{\"address\": \"10.0.1.23/24\"}'");
  unsetenv("HOSTNIC_TEST_LEAK");
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  EXPECT_EQ(ReadFile(dir_ + "/args"), "address\n");
  const std::string env = ReadFile(dir_ + "/env");
  EXPECT_TRUE(Has(env, "HOSTNIC_EVENT=address\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_MAC=52:54:0e:e5:00:f7\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_NIC=eth2\n"));
  EXPECT_TRUE(Has(env, "HOSTNIC_MTU=1500\n"));
  itest::ExpectOnlyTheHookEnvironment(env);
}

TEST_F(AddressHookTest, BadJsonNamesHookNicAndMac) {
  auto lease = Run("echo '{\"address\": 10.0.1.23/24}'");
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(lease.status().message(),
                  "address hook " + dir_ +
                      "/address.sh for eth2 (52:54:0e:e5:00:f7): its output "
                      "is not JSON"));
}

TEST_F(AddressHookTest, MissingAddressFails) {
  auto lease = Run("echo '{\"gateway\": \"10.0.1.1\"}'");
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(lease.status().message(), "\"address\" is missing"));
  EXPECT_TRUE(Has(lease.status().message(), "52:54:0e:e5:00:f7"));
}

TEST_F(AddressHookTest, BadCidrFails) {
  auto lease = Run("echo '{\"address\": \"10.0.1.300/24\"}'");
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(lease.status().message(), "\"10.0.1.300/24\""));
}

TEST_F(AddressHookTest, NothingPrintedFails) {
  auto lease = Run("exit 0");
  ASSERT_FALSE(lease.ok());
  EXPECT_TRUE(Has(lease.status().message(), "printed nothing on stdout"));
}

TEST_F(AddressHookTest, NonZeroExitFailsWithTheLastLine) {
  auto lease = Run(R"(echo '{"address": "10.0.1.23/24"}'
echo "no ENI with MAC $HOSTNIC_MAC" >&2
exit 2)");
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(lease.status().message(),
                  "for eth2 (52:54:0e:e5:00:f7) exited with code 2; its last "
                  "output line: no ENI with MAC 52:54:0e:e5:00:f7"));
}

TEST_F(AddressHookTest, TimeoutKillsIt) {
  const auto start = std::chrono::steady_clock::now();
  auto lease =
      Run("echo asking the metadata service\nsleep 30", milliseconds(300));
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kTimeout);
  EXPECT_TRUE(Has(lease.status().message(), "timed out after 0.3 s"));
  EXPECT_TRUE(Has(lease.status().message(), "asking the metadata service"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
}

TEST_F(AddressHookTest, HugeOutputIsKilledAtOnce) {
  spdlog::set_level(spdlog::level::warn);
  const auto start = std::chrono::steady_clock::now();
  auto lease = Run("yes '{\"address\": \"10.0.1.23/24\"}'", seconds(20));
  spdlog::set_level(spdlog::level::info);
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Has(lease.status().message(),
                  "printed more than 65536 bytes on stdout and was killed"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
}

TEST_F(AddressHookTest, OutputUpToTheLimitIsFine) {
  // 65500 blank lines and the JSON padded to 36 bytes: exactly 64 KiB.
  auto lease =
      Run("head -c 65500 /dev/zero | tr '\\0' '\\n'\n"
          "printf '%-36s' '{\"address\": \"10.0.1.23/24\"}'");
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  EXPECT_EQ(lease->address, "10.0.1.23/24");
}

TEST_F(AddressHookTest, EveryLineIsLoggedWithNicAndMac) {
  std::string text;
  {
    LogCapture log;
    auto lease =
        Run("echo '{\"address\":'\necho '\"10.0.1.23/24\"}'\n"
            "echo looked up >&2");
    ASSERT_TRUE(lease.ok()) << lease.status().message();
    text = log.text();
  }
  const std::string prefix = "address hook (eth2, 52:54:0e:e5:00:f7) ";
  EXPECT_TRUE(Has(text, prefix + "stdout: {\"address\":"));
  EXPECT_TRUE(Has(text, prefix + "stdout: \"10.0.1.23/24\"}"));
  EXPECT_TRUE(Has(text, prefix + "stderr: looked up"));
}

TEST_F(AddressHookTest, CreateRefusesBadCommands) {
  auto relative = AddressHook::Create("address.sh");
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(relative.status().message(),
            "address hook \"address.sh\" is not an absolute path");

  auto missing = AddressHook::Create("/nonexistent/address-hook");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "address hook \"/nonexistent/address-hook\": No such file or "
            "directory");

  auto not_executable = AddressHook::Create(Script("exit 0", 0644));
  ASSERT_FALSE(not_executable.ok());
  EXPECT_TRUE(Has(not_executable.status().message(), "is not executable"));

  auto directory = AddressHook::Create(dir_);
  ASSERT_FALSE(directory.ok());
  EXPECT_TRUE(Has(directory.status().message(), "is not a regular file"));
}

}  // namespace
}  // namespace hostnic
