// The CNI contract while the hostnic daemon is down: ADD is "try again
// later", DEL still brings the NIC home, from the plugin's cached copy or
// prevResult, and the daemon is told when it is back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/cni_contract_fixture.h"

namespace hostnic::itest {
namespace {

namespace fs = std::filesystem;

using nlohmann::json;

TEST_F(CniContractTest, DaemonDownIsTryAgainLater) {
  const std::string conf =
      "{\"cniVersion\":\"1.1.0\",\"name\":\"contract\",\"type\":\"hostnic\","
      "\"socket\":\"" +
      (root_ / "none.sock").string() + "\"}";
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  EXPECT_EQ(add.doc["code"], 11) << add.out;
  EXPECT_TRUE(Has(add.doc["details"], "none.sock")) << add.out;
  Outcome status = Cni({{"CNI_COMMAND", "STATUS"}}, conf);
  EXPECT_EQ(status.doc["code"], 50) << status.out;
  // ... and up: STATUS is silent success.
  Outcome up = Cni({{"CNI_COMMAND", "STATUS"}}, Conf());
  EXPECT_EQ(up.rc, 0) << up.out;
  EXPECT_EQ(up.out, "");
}

// The daemon down at DEL (a node's hostnic restarting while kubelet stops a
// pod): the plugin brings the NIC home from its own copy of the ADD, runs
// IPAM DEL, and succeeds; the daemon, back, finds the NIC free once a
// plugin run pays the release it is owed.
TEST_F(CniContractTest, DelWithTheDaemonDownBringsTheNicHome) {
  const json conf = HostLocalConf({{"subnet", "10.9.8.0/24"}});
  if (conf.is_null()) GTEST_SKIP() << "/usr/lib/cni/host-local missing";
  const std::string leases = HostLocalLeases();
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  const std::string ip = add.doc["ips"][0]["address"];
  const std::string lease = leases + "/contract/" + ip.substr(0, ip.find('/'));
  ASSERT_TRUE(fs::exists(lease)) << lease;

  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  Outcome del = Cni(Env("DEL", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(del.rc, 0) << del.out
                       << ReadFile((root_ / "plugin.stderr").string());
  ExpectHome("hnc1", kMac1);
  EXPECT_FALSE(fs::exists(lease)) << "host-local's DEL did not run";
  EXPECT_EQ(ShOutput("ip -n " + ns1_ + " -o link show eth0 2>/dev/null"), "");
  // containerd repeats DEL at RemovePodSandbox, without prevResult.
  json bare = conf;
  bare.erase("prevResult");
  Outcome repeated = Cni(Env("DEL", "c1", Netns(ns1_)), bare.dump());
  EXPECT_EQ(repeated.rc, 0) << repeated.out;
  ExpectHome("hnc1", kMac1);

  // Back: the endpoint is still recorded (its namespace lives on) until a
  // plugin run pays what DEL owes; then the NIC is free.
  Start((root_ / "address-hook").string());
  EXPECT_EQ(Cni({{"CNI_COMMAND", "STATUS"}}, Conf()).rc, 0);
  EXPECT_TRUE(WaitUntil([&] { return !Has(Status(), "cni-contract"); }))
      << Status();
  // And the NIC is the next pod's.
  Outcome again = Cni(Env("ADD", "c2", Netns(ns2_)), conf.dump());
  EXPECT_EQ(again.rc, 0) << again.out << Log();
  EXPECT_EQ(Cni(Env("DEL", "c2", Netns(ns2_)), conf.dump()).rc, 0);
}

// Without a copy of the ADD (another host's plugin, a wiped state
// directory), prevResult's MAC is enough to bring the NIC home.
TEST_F(CniContractTest, DelWithTheDaemonDownUsesPrevResult) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  fs::remove_all(root_ / "cni-state");
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  // Neither copy nor prevResult: try again later.
  Outcome blind = Cni(Env("DEL", "c1", Netns(ns1_)), conf);
  EXPECT_EQ(blind.doc["code"], 11) << blind.out;
  json with_prev = json::parse(conf);
  with_prev["prevResult"] = add.doc;
  Outcome del = Cni(Env("DEL", "c1", Netns(ns1_)), with_prev.dump());
  EXPECT_EQ(del.rc, 0) << del.out;
  // Its host name is unknown without the copy: the fallback name.
  const std::string fallback = "hn02005ec00001";
  ExpectHome(fallback, kMac1);
  // A namespace that died with a real NIC: the daemon, back, releases it and
  // gives it its own name back.
  ASSERT_EQ(Sh("ip netns del " + ns1_), 0);
  Start((root_ / "address-hook").string());
  EXPECT_TRUE(WaitUntil([&] { return !Has(Status(), "cni-contract"); }))
      << Status() << Log();
}

}  // namespace
}  // namespace hostnic::itest
