// The upgrade window (docs/cni.md, "Upgrades"): the plugin executable and
// the running daemon are replaced at different times, so each must work
// with the other's previous version around DEL, whose NIC the daemon has
// brought home itself since the asynchronous DEL.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cni/wire.h"
#include "http/unix_http_client.h"
#include "http/unix_http_server.h"
#include "integration/cni_contract_fixture.h"
#include "netlink/netns_datapath.h"

namespace hostnic::itest {
namespace {

namespace fs = std::filesystem;

using nlohmann::json;

class CniUpgradeTest : public CniContractTest {
 protected:
  void TearDown() override {
    if (old_daemon_) old_daemon_->Stop();
    if (serving_.joinable()) serving_.join();
    CniContractTest::TearDown();
  }

  // The daemon as it was before the asynchronous DEL, on a socket of its
  // own in front of the test's daemon: its decoder ignored keys it did not
  // know, so a /Cni.Release reaches the daemon without "netns" (Leave and
  // DeleteEndpoint, the NIC left where it is), and the daemon's answer to
  // that, {}, is what the old one answered every Release. Every other
  // request passes through as it is.
  void StartOldDaemon() {
    old_daemon_ = std::make_unique<http::UnixHttpServer>(
        [this](const std::string& path, const std::string& body,
               http::Respond respond) {
          std::string forwarded = body;
          if (path == "/Cni.Release") {
            json j = json::parse(body, nullptr, false);
            if (j.is_object() && j.erase("netns") > 0) ++netns_dropped_;
            forwarded = j.dump();
          }
          auto reply = http::UnixHttpClient(Socket(), std::chrono::seconds(60))
                           .Post(path, forwarded);
          if (!reply.ok()) {
            respond({502, reply.status().message()});
            return;
          }
          respond({reply->status, reply->body});
        });
    ASSERT_TRUE(old_daemon_->Bind(OldSocket()).ok());
    serving_ = std::thread([this] { old_daemon_->Run(); });
  }
  std::string OldSocket() const { return (root_ / "old.sock").string(); }
  // Conf(), for the old daemon's socket.
  std::string OldConf(const std::string& extra) const {
    json conf = json::parse(Conf("1.1.0", extra));
    conf["socket"] = OldSocket();
    return conf.dump();
  }

  std::unique_ptr<http::UnixHttpServer> old_daemon_;
  std::thread serving_;
  std::atomic<int> netns_dropped_{0};
};

// A new plugin, an old daemon (a package upgraded before the daemon
// restarts, a DaemonSet that updated /opt/cni/bin before its daemon pod):
// the daemon's answer does not say it brings the NIC home, so the plugin
// does, before DEL exits.
TEST_F(CniUpgradeTest, NewPluginBringsTheNicHomeWhenTheDaemonDoesNot) {
  ASSERT_NO_FATAL_FAILURE(StartOldDaemon());
  const std::string conf = OldConf("\"device\":\"hnc1\",");
  for (const std::string container : {"c1", "c2"}) {
    SCOPED_TRACE(container);
    Outcome add = Cni(Env("ADD", container, Netns(ns1_)), conf);
    ASSERT_EQ(add.rc, 0) << add.out << Log();
    const int releases = netns_dropped_;
    Outcome del = Cni(Env("DEL", container, Netns(ns1_)), conf);
    EXPECT_EQ(del.rc, 0) << del.out
                         << ReadFile((root_ / "plugin.stderr").string());
    EXPECT_EQ(netns_dropped_, releases + 1);
    // Home when DEL returns: nobody else would bring it.
    const std::string link = ShOutput("ip -o link show hnc1 2>/dev/null");
    EXPECT_TRUE(Has(link, kMac1)) << ShOutput("ip -o link") << Log();
    EXPECT_FALSE(Has(link, ",UP")) << link;
    EXPECT_EQ(ShOutput("ip -o addr show dev hnc1 2>/dev/null"), "");
    EXPECT_EQ(ShOutput("ip -n " + ns1_ + " -o link show eth0 2>/dev/null"), "");
    EXPECT_TRUE(WaitUntil([&] { return !Has(Status(), "cni-contract"); }))
        << Status();
  }
}

// An old plugin, a new daemon: the old plugin brought the NIC home itself
// and then sent Release without "netns"; the daemon releases the endpoint
// and moves nothing.
TEST_F(CniUpgradeTest, OldPluginsReleaseIsAllTheDaemonDoes) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  // The old plugin's DEL: the attachment (its copy of it here), the NIC
  // home, then the release.
  std::optional<cni::wire::Attachment> attachment;
  for (const auto& file : fs::directory_iterator(StateDir())) {
    auto decoded = cni::wire::DecodeAttachment(ReadFile(file.path().string()));
    if (decoded.ok()) attachment = *decoded;
  }
  ASSERT_TRUE(attachment) << "no copy of the ADD in " << StateDir();
  Result<bool> back =
      NetnsDatapath().MoveOut(*Mac::Parse(kMac1), Netns(ns1_), "hnc1");
  ASSERT_TRUE(back.ok() && *back) << back.status().message();
  auto released = http::UnixHttpClient(Socket()).Post(
      "/Cni.Release",
      cni::wire::Encode(cni::wire::ReleaseRequest{
          attachment->network_id, attachment->endpoint_id, ""}));
  ASSERT_TRUE(released.ok()) << released.status().message();
  EXPECT_EQ(released->body, "{}");
  ExpectHome("hnc1", kMac1);
  EXPECT_TRUE(WaitUntil([&] { return !Has(Status(), "cni-contract"); }))
      << Status();
  // The daemon put it back as it was: the next pod gets it.
  Outcome again = Cni(Env("ADD", "c2", Netns(ns2_)), conf);
  EXPECT_EQ(again.rc, 0) << again.out << Log();
  EXPECT_EQ(Cni(Env("DEL", "c2", Netns(ns2_)), conf).rc, 0);
  ExpectHome("hnc1", kMac1);
}

}  // namespace
}  // namespace hostnic::itest
