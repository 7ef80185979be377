// The netavark plugin's commands where no daemon and no namespace are
// needed: verbs and arguments, create and info end to end, and what setup
// and teardown say when the daemon is not there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "netavark/plugin.h"

namespace hostnic::netavark {
namespace {

using ::nlohmann::json;

struct Ran {
  int code;
  json out;
};

Ran Command(std::vector<std::string> args, const std::string& in = "") {
  std::string out;
  const int code = RunNetavark(args, in, &out);
  return {code, json::parse(out, nullptr, false)};
}

// Whether the command failed (exit 1) with an error that says `text`.
::testing::AssertionResult FailedSaying(const Ran& r, const std::string& text) {
  const std::string error = r.out.is_object() ? r.out.value("error", "") : "";
  if (r.code == 1 && error.find(text) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "exit " << r.code << ", printed " << r.out.dump()
         << "; wanted exit 1 and an error saying \"" << text << "\"";
}

// Setup's stdin for a network whose daemon socket and copies are nowhere.
std::string Attachment(const std::string& extra = "") {
  return R"({"container_id":"c1","container_name":"web","network":{
    "name":"cloud","id":"5f0c2b7e9a1d","driver":"hostnic",
    "options":{"socket":"/nonexistent/hostnic.sock",
               "state-dir":"/nonexistent/copies"},
    "ipam_options":{"driver":"dhcp"}},
    "network_options":{"interface_name":"eth0")" +
         extra + "}}";
}

TEST(NetavarkPluginTest, InfoAndCreate) {
  Ran info = Command({"info"});
  EXPECT_EQ(info.code, 0);
  EXPECT_EQ(info.out["api_version"], "1.0.0");
  Ran created = Command(
      {"create"},
      R"({"name":"cloud","id":"5f0c","driver":"hostnic","options":{}})");
  EXPECT_EQ(created.code, 0);
  EXPECT_EQ(created.out["ipam_options"]["driver"], "dhcp");
  Ran bad = Command({"create"},
                    R"({"name":"c","id":"5f0c","driver":"hostnic",
                    "options":{"mtu":"9"}})");
  EXPECT_TRUE(FailedSaying(bad, "option mtu=9"));
}

TEST(NetavarkPluginTest, VerbsAndArguments) {
  EXPECT_TRUE(FailedSaying(Command({"frobnicate"}),
                           "hostnic knows create, setup, teardown and info"));
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"setup"}, {"teardown", "relative/ns"}, {"setup", "/a", "/b"}}) {
    EXPECT_TRUE(FailedSaying(Command(args, Attachment()),
                             "needs one argument, the absolute path"));
  }
}

TEST(NetavarkPluginTest, SetupWithoutTheNamespaceOrTheDaemon) {
  EXPECT_TRUE(
      FailedSaying(Command({"setup", "/nonexistent/netns"}, Attachment()),
                   "/nonexistent/netns does not exist"));
  EXPECT_TRUE(
      FailedSaying(Command({"setup", "/proc/self/ns/net"}, Attachment()),
                   "does not answer on /nonexistent/hostnic.sock"));
}

TEST(NetavarkPluginTest, TeardownWithoutTheDaemonNeedsACopyOrAMac) {
  EXPECT_TRUE(
      FailedSaying(Command({"teardown", "/nonexistent/netns"}, Attachment()),
                   "podman named no MAC: retry when the daemon is back"));
  // With podman's --mac-address the plugin looks for that NIC itself; the
  // namespace is gone, so there is nothing to bring home.
  Ran r = Command({"teardown", "/nonexistent/netns"},
                  Attachment(R"(,"static_mac":"52:54:0e:c8:00:01")"));
  EXPECT_EQ(r.code, 0) << r.out.dump();
}

}  // namespace
}  // namespace hostnic::netavark
