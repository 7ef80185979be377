// The CNI contract with IPAM plugins (Debian's containernetworking-plugins,
// where installed): a static section applied with the move or delegated,
// dhcp run inside the container's namespace, a failed IPAM ADD undone.
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

// A plain static section is applied by the plugin itself; the same section
// under another type name (a link to static) runs the real plugin, which
// speaks up to 1.0.0: hostnic talks 1.0.0 to it for a 1.1.0 config. Both
// give the same pod.
TEST_F(CniContractTest, StaticIpamAppliedOrDelegated) {
  if (access(kStatic, X_OK) != 0) GTEST_SKIP() << kStatic << " missing";
  fs::create_directories(root_ / "bin");
  fs::create_symlink(kStatic, root_ / "bin/static-exec");
  for (const std::string type : {"static", "static-exec"}) {
    SCOPED_TRACE(type);
    const std::string conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"contract\",\"type\":\"hostnic\","
        "\"socket\":\"" +
        Socket() + "\",\"mac\":\"" + kMac2 + "\",\"stateDir\":\"" + StateDir() +
        "\",\"ipam\":{\"type\":\"" + type +
        "\",\"addresses\":[{\"address\":"
        "\"10.9.0.5/24\",\"gateway\":\"10.9.0.1\"}],\"routes\":[{\"dst\":"
        "\"0.0.0.0/0\"}]},\"dns\":{\"nameservers\":[\"10.9.0.53\"]}}";
    auto env = [&](const std::string& verb) {
      auto e = Env(verb, "c2", Netns(ns2_));
      e["CNI_PATH"] = (root_ / "bin").string() + ":/usr/lib/cni";
      return e;
    };
    Outcome add = Cni(env("ADD"), conf);
    ASSERT_EQ(add.rc, 0) << add.out << Log();
    EXPECT_EQ(add.doc["ips"][0]["address"], "10.9.0.5/24");
    EXPECT_TRUE(Has(ShOutput("ip -n " + ns2_ + " route"),
                    "default via 10.9.0.1 dev eth0"));
    json check = json::parse(conf);
    check["prevResult"] = add.doc;
    Outcome checked = Cni(env("CHECK"), check.dump());
    EXPECT_EQ(checked.rc, 0) << checked.out;
    EXPECT_EQ(
        Cni({{"CNI_COMMAND", "STATUS"}, {"CNI_PATH", env("DEL")["CNI_PATH"]}},
            conf)
            .rc,
        0);
    EXPECT_EQ(Cni(env("DEL"), conf).rc, 0);
    ExpectHome("hnc2", kMac2);
  }
}

// IPAM after the move, as host-device does it: the CNI dhcp plugin's daemon
// finds the interface inside the namespace and asks dnsmasq there.
TEST_F(CniContractTest, DhcpIpamRunsInsideTheNamespace) {
  const std::string dhcp = "/usr/lib/cni/dhcp";
  if (access(dhcp.c_str(), X_OK) != 0) GTEST_SKIP() << dhcp << " missing";
  if (Sh("command -v dnsmasq >/dev/null") != 0) GTEST_SKIP() << "no dnsmasq";
  const std::string peer = ns2_;  // The DHCP server's side of hnc1.
  const std::string pidfile = (root_ / "dnsmasq.pid").string();
  const std::string dm_leases = (root_ / "dnsmasq.leases").string();
  ASSERT_EQ(Sh("ip link set hnc1p netns " + peer + " && ip -n " + peer +
               " addr add 10.79.0.1/24 dev hnc1p && ip -n " + peer +
               " link set hnc1p up"),
            0);
  ASSERT_EQ(Sh("ip netns exec " + peer +
               " dnsmasq --interface=hnc1p --bind-interfaces --port=0 "
               "--no-resolv --no-hosts --pid-file=" +
               pidfile + " --dhcp-leasefile=" + dm_leases +
               " --dhcp-range=10.79.0.100,10.79.0.200,255.255.255.0,2m "
               "--dhcp-host=" +
               kMac1 + ",10.79.0.11 --dhcp-option=option:router,10.79.0.1"),
            0);
  const std::string socket = (root_ / "dhcp.sock").string();
  const pid_t daemon = itest::SpawnProcess(
      {dhcp, "daemon", "-socketpath", socket}, (root_ / "dhcp.log").string());
  ASSERT_GT(daemon, 0);
  ASSERT_TRUE(WaitUntil([&] { return fs::exists(socket); }));
  json conf = json::parse(Conf("1.0.0", "\"device\":\"hnc1\","));
  conf.erase("address");
  conf["ipam"] = {{"type", "dhcp"}, {"daemonSocketPath", socket}};
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(add.rc, 0) << add.out << Log()
                       << ReadFile((root_ / "dhcp.log").string());
  EXPECT_EQ(add.doc["ips"][0]["address"], "10.79.0.11/24") << add.out;
  EXPECT_TRUE(
      Has(ShOutput("ip -n " + ns1_ + " -o addr show eth0"), "10.79.0.11/24"));
  EXPECT_TRUE(Has(ReadFile(dm_leases), "10.79.0.11"));
  // DEL releases the lease through the NIC, so before it leaves.
  Outcome del = Cni(Env("DEL", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(del.rc, 0) << del.out;
  ExpectHome("hnc1", kMac1);
  EXPECT_TRUE(WaitUntil([&] {
    return !Has(ReadFile(dm_leases), "10.79.0.11");
  })) << "dnsmasq still leases 10.79.0.11: "
      << ReadFile(dm_leases);
  ::kill(daemon, SIGTERM);
  ::waitpid(daemon, nullptr, 0);
  Sh("kill $(cat " + pidfile + ") 2>/dev/null");
}

// An IPAM ADD that fails is followed by its DEL (what it reserved before
// failing is given back), and the NIC comes home.
TEST_F(CniContractTest, FailedIpamAddIsUndone) {
  // host-local reserves an address, then fails on the route it cannot
  // parse? No: it validates first. A range whose gateway is its only
  // address leaves nothing to hand out.
  const json conf = HostLocalConf({{"subnet", "10.9.7.0/30"},
                                   {"gateway", "10.9.7.1"},
                                   {"rangeStart", "10.9.7.1"},
                                   {"rangeEnd", "10.9.7.1"}});
  if (conf.is_null()) GTEST_SKIP() << "/usr/lib/cni/host-local missing";
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(add.rc, 1);
  EXPECT_EQ(add.doc["code"], 103) << add.out;
  ExpectHome("hnc1", kMac1);
  EXPECT_FALSE(Has(Status(), "cni-contract"));
  EXPECT_TRUE(Has(ReadFile((root_ / "plugin.stderr").string()), "host-local"));
}

}  // namespace
}  // namespace hostnic::itest
