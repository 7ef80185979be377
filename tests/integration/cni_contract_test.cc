// The CNI contract: the plugin executable (HOSTNIC_CNI_BINARY) run as a
// container runtime runs a CNI plugin -- CNI_* environment, the network
// configuration on stdin, the result or error on stdout, the exit code --
// against a daemon of its own, with veth NICs and container namespaces the
// test makes (`ip netns add`, names unique to this process). Addresses come
// from the daemon's address hook (a script the test writes) or, where
// Debian's containernetworking-plugins is installed, the static IPAM plugin.
// IPAM plugins: cni_ipam_test.cc; the daemon down: cni_daemon_down_test.cc.
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

TEST_F(CniContractTest, VersionListsEverySupportedVersion) {
  Outcome run = Cni({{"CNI_COMMAND", "VERSION"}}, "{\"cniVersion\":\"1.0.0\"}");
  ASSERT_EQ(run.rc, 0) << run.out;
  EXPECT_EQ(run.doc["cniVersion"], "1.0.0");
  EXPECT_EQ(run.doc["supportedVersions"],
            json({"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}));
  run = Cni({{"CNI_COMMAND", "VERSION"}}, "");
  ASSERT_EQ(run.rc, 0) << run.out;
  EXPECT_EQ(run.doc["cniVersion"], "1.1.0");
}

TEST_F(CniContractTest, AddCheckDelMovesTheNicInAndBack) {
  const std::string conf = Conf("1.1.0", "\"nics\":[\"hnc1\"],");
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  EXPECT_EQ(add.doc["cniVersion"], "1.1.0");
  EXPECT_EQ(add.doc["interfaces"][0]["name"], "eth0");
  EXPECT_EQ(add.doc["interfaces"][0]["mac"], kMac1);
  EXPECT_EQ(add.doc["interfaces"][0]["mtu"], 1400);
  EXPECT_EQ(add.doc["interfaces"][0]["sandbox"], Netns(ns1_));
  EXPECT_EQ(add.doc["ips"][0]["address"], "10.77.0.11/24");
  EXPECT_EQ(add.doc["ips"][0]["gateway"], "10.77.0.1");
  EXPECT_EQ(add.doc["ips"][0]["interface"], 0);
  EXPECT_FALSE(add.doc["ips"][0].contains("version"));

  const std::string inside = ShOutput("ip -n " + ns1_ + " -o addr show eth0");
  EXPECT_TRUE(Has(inside, "10.77.0.11/24"));
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " route"),
                  "default via 10.77.0.1 dev eth0"));
  EXPECT_NE(Sh("ip link show hnc1 >/dev/null 2>&1"), 0);
  EXPECT_TRUE(Has(Status(), Netns(ns1_)));

  // CHECK with ADD's result as prevResult, as a runtime sends it.
  json check_conf = json::parse(conf);
  check_conf["prevResult"] = add.doc;
  Outcome check = Cni(Env("CHECK", "c1", Netns(ns1_)), check_conf.dump());
  EXPECT_EQ(check.rc, 0) << check.out;
  EXPECT_EQ(check.out, "");
  // A lost address is what CHECK is for.
  ASSERT_EQ(Sh("ip -n " + ns1_ + " addr flush dev eth0"), 0);
  check = Cni(Env("CHECK", "c1", Netns(ns1_)), check_conf.dump());
  EXPECT_EQ(check.rc, 1);
  EXPECT_EQ(check.doc["code"], 102);
  EXPECT_TRUE(Has(check.doc["msg"], "10.77.0.11/24")) << check.out;

  Outcome del = Cni(Env("DEL", "c1", Netns(ns1_)), conf);
  EXPECT_EQ(del.rc, 0) << del.out;
  EXPECT_EQ(del.out, "");
  ExpectHome("hnc1", kMac1);
  EXPECT_TRUE(Has(ShOutput("ip -o link show hnc1"), "mtu 1400"));
  // DEL again, and DEL of what never was: both succeed.
  EXPECT_EQ(Cni(Env("DEL", "c1", Netns(ns1_)), conf).rc, 0);
  EXPECT_EQ(Cni(Env("DEL", "never", Netns(ns1_)), conf).rc, 0);
  EXPECT_TRUE(WaitUntil([&] { return !Has(Status(), "cni-contract"); }))
      << Status();
}

// The metadata guard on the CNI path: on the NIC before the plugin moves it
// into the pod, off when DEL brings it home (docs/security.md).
TEST_F(CniContractTest, BlockMetadataGuardsTheNicInThePod) {
  const std::string conf =
      Conf("1.1.0",
           "\"nics\":[\"hnc1\"],\"blockMetadata\":true,"
           "\"metadataAddresses\":[\"169.254.169.254\",\"fd00:ec2::254\"],");
  Outcome add = Cni(Env("ADD", "g1", Netns(ns1_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  EXPECT_TRUE(
      Has(ShOutput("ip -n " + ns1_ + " link show eth0"), "name hostnic_guard"));
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " route show type unreachable"),
                  "unreachable 169.254.169.254"));
  EXPECT_TRUE(Has(Status(), "guarded ("));
  EXPECT_EQ(Cni(Env("DEL", "g1", Netns(ns1_)), conf).rc, 0);
  ExpectHome("hnc1", kMac1);
  EXPECT_FALSE(Has(ShOutput("ip link show hnc1"), "xdp"));
}

TEST_F(CniContractTest, OlderVersionsGetTheirResultFormat) {
  const std::string nic = "\"mac\":\"" + std::string(kMac2) + "\",";
  for (const std::string version : {"0.3.1", "0.4.0", "1.0.0"}) {
    SCOPED_TRACE(version);
    Outcome add = Cni(Env("ADD", "old", Netns(ns1_)), Conf(version, nic));
    ASSERT_EQ(add.rc, 0) << add.out << Log();
    EXPECT_EQ(add.doc["cniVersion"], version);
    EXPECT_FALSE(add.doc["interfaces"][0].contains("mtu"));
    const bool pre1 = version[0] == '0';
    EXPECT_EQ(add.doc["ips"][0].contains("version"), pre1);
    if (pre1) {
      EXPECT_EQ(add.doc["ips"][0]["version"], "4");
    }
    // The hook's route, through the hook's next hop.
    EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " route"),
                    "10.78.0.0/16 via 10.77.0.254 dev eth0"));
    EXPECT_EQ(Cni(Env("DEL", "old", Netns(ns1_)), Conf(version, nic)).rc, 0);
    ExpectHome("hnc2", kMac2);
  }
  // CHECK does not exist before 0.4.0, GC and STATUS before 1.1.0.
  Outcome check = Cni(Env("CHECK", "old", Netns(ns1_)), Conf("0.3.1", nic));
  EXPECT_EQ(check.doc["code"], 1) << check.out;
  Outcome status = Cni({{"CNI_COMMAND", "STATUS"}}, Conf("1.0.0"));
  EXPECT_EQ(status.doc["code"], 1) << status.out;
}

TEST_F(CniContractTest, DelWithoutNetnsStillReturnsTheNic) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  ASSERT_EQ(Cni(Env("ADD", "c1", Netns(ns1_)), conf).rc, 0) << Log();
  // Runtimes send DEL without CNI_NETNS when they lost track of it.
  Outcome del = Cni(Env("DEL", "c1", ""), conf);
  EXPECT_EQ(del.rc, 0) << del.out;
  ExpectHome("hnc1", kMac1);
  EXPECT_EQ(ShOutput("ip -n " + ns1_ + " -o link show eth0 2>/dev/null"), "");
}

TEST_F(CniContractTest, DelAfterTheNetnsDiedFindsTheNicByMac) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  ASSERT_EQ(Cni(Env("ADD", "c1", Netns(ns1_)), conf).rc, 0) << Log();
  // A real NIC outlives its namespace and comes back to the host under its
  // in-container name; a veth would die with it, so the test brings it back
  // the way the kernel does and then removes the namespace.
  ASSERT_EQ(Sh("ip -n " + ns1_ + " link set eth0 netns " +
               std::to_string(::getpid()) + " && ip netns del " + ns1_),
            0);
  Outcome del = Cni(Env("DEL", "c1", Netns(ns1_)), conf);
  EXPECT_EQ(del.rc, 0) << del.out;
  EXPECT_TRUE(WaitUntil([&] {
    return Has(ShOutput("ip -o link show hnc1 2>/dev/null"), kMac1);
  })) << ShOutput("ip -o link")
      << Log();
  ExpectHome("hnc1", kMac1);
  EXPECT_FALSE(Has(Status(), "cni-contract"));
}

TEST_F(CniContractTest, FailureHalfWayPutsTheNicBack) {
  // The name is taken inside the container: nothing may move.
  ASSERT_EQ(Sh("ip -n " + ns1_ + " link add eth0 type veth peer name x0"), 0);
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  EXPECT_EQ(add.rc, 1);
  EXPECT_EQ(add.doc["code"], 101) << add.out;
  EXPECT_TRUE(Has(add.doc["details"], "eth0 already exists")) << add.out;
  ExpectHome("hnc1", kMac1);
  EXPECT_TRUE(Has(Status(), "free"));
  EXPECT_FALSE(Has(Status(), "cni-contract"));

  // A route the kernel refuses, after the NIC moved and got its address.
  if (access(kStatic, X_OK) != 0) GTEST_SKIP() << kStatic << " missing";
  const std::string bad_route =
      "{\"cniVersion\":\"1.1.0\",\"name\":\"contract\",\"type\":\"hostnic\","
      "\"socket\":\"" +
      Socket() +
      "\",\"device\":\"hnc2\",\"ipam\":{\"type\":"
      "\"static\",\"addresses\":[{\"address\":\"10.9.0.5/24\"}],\"routes\":"
      "[{\"dst\":\"10.20.0.0/16\",\"gw\":\"10.99.0.1\"}]}}";
  add = Cni(Env("ADD", "c2", Netns(ns2_)), bad_route);
  EXPECT_EQ(add.rc, 1);
  EXPECT_EQ(add.doc["code"], 101) << add.out;
  EXPECT_TRUE(Has(add.doc["details"], "10.20.0.0/16")) << add.out;
  ExpectHome("hnc2", kMac2);
  EXPECT_FALSE(Has(Status(), "cni-contract"));
}

TEST_F(CniContractTest, GcReleasesWhatIsNotValid) {
  const std::string conf = Conf("1.1.0", "\"nics\":[\"hnc1\",\"hnc2\"],");
  ASSERT_EQ(Cni(Env("ADD", "keep", Netns(ns1_)), conf).rc, 0) << Log();
  ASSERT_EQ(Cni(Env("ADD", "leak", Netns(ns2_)), conf).rc, 0) << Log();
  Outcome run = Gc(conf, json::array({ValidAttachment("keep")}));
  EXPECT_EQ(run.rc, 0) << run.out;
  EXPECT_EQ(run.out, "");
  ExpectHome("hnc2", kMac2);
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  EXPECT_EQ(Cni(Env("DEL", "keep", Netns(ns1_)), conf).rc, 0);
}

TEST_F(CniContractTest, BadInputGetsTheSpecCode) {
  const std::string conf = Conf();
  struct Case {
    const char* what;
    std::map<std::string, std::string> env;
    std::string stdin_text;
    int code;
  };
  auto env = Env("ADD", "c1", Netns(ns1_));
  auto without = [&](const char* name) {
    auto e = env;
    e.erase(name);
    return e;
  };
  auto with = [&](const char* name, const char* value) {
    auto e = env;
    e[name] = value;
    return e;
  };
  const Case cases[] = {
      {"unknown verb", with("CNI_COMMAND", "ATTACH"), conf, 4},
      {"no container ID", without("CNI_CONTAINERID"), conf, 4},
      {"no netns for ADD", without("CNI_NETNS"), conf, 4},
      {"relative netns", with("CNI_NETNS", "ns1"), conf, 4},
      {"ifname too long", with("CNI_IFNAME", "a-very-long-name0"), conf, 4},
      {"CNI_ARGS not pairs", with("CNI_ARGS", "garbage"), conf, 4},
      {"unknown CNI_ARGS", with("CNI_ARGS", "K8S_POD_NAME=x"), conf, 2},
      {"not JSON", env, "{\"cniVersion\":", 6},
      {"not an object", env, "[1]", 6},
      {"version", env, Conf("0.2.0"), 1},
      {"unknown field", env, Conf("1.1.0", "\"nisc\":[\"eth2\"],"), 2},
      {"bad name", env, "{\"cniVersion\":\"1.1.0\",\"name\":\"-x\"}", 7},
      {"bad mac", env, Conf("1.1.0", "\"mac\":\"52:54\","), 7},
      {"bad mtu", env, Conf("1.1.0", "\"mtu\":20,"), 7},
      {"mac and device", env,
       Conf("1.1.0", "\"mac\":\"02:00:5e:c0:00:01\",\"device\":\"hnc1\","), 7},
      {"netns missing", with("CNI_NETNS", "/run/netns/hncni-none"), conf, 3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Outcome run = Cni(c.env, c.stdin_text);
    EXPECT_EQ(run.rc, 1);
    EXPECT_EQ(run.doc["code"], c.code) << run.out;
    EXPECT_FALSE(run.doc["msg"].get<std::string>().empty()) << run.out;
  }
  // Nothing was held by any of them.
  EXPECT_FALSE(Has(Status(), "cni-contract"));
}

// A NIC another container holds, asked for by name, and a pool with none
// free: a permanent error (100) that says so, not "try again later" (11),
// and the holder keeps its NIC.
TEST_F(CniContractTest, NicHeldByAnotherContainerIsRefused) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  ASSERT_EQ(Cni(Env("ADD", "pod-a", Netns(ns1_)), conf).rc, 0) << Log();
  Outcome add = Cni(Env("ADD", "pod-b", Netns(ns2_)), conf);
  EXPECT_EQ(add.rc, 1);
  EXPECT_EQ(add.doc["code"], 100) << add.out;
  EXPECT_TRUE(Has(add.doc["msg"], "hnc1")) << add.out;
  EXPECT_TRUE(Has(add.doc["msg"], "held by another container")) << add.out;
  EXPECT_TRUE(Has(add.doc["details"], "already held")) << add.out;
  const std::string pool = Conf("1.1.0", "\"nics\":[\"hnc1\"],");
  add = Cni(Env("ADD", "pod-b", Netns(ns2_)), pool);
  EXPECT_EQ(add.doc["code"], 100) << add.out;
  EXPECT_TRUE(Has(add.doc["msg"], "no NIC of network contract is free"))
      << add.out;
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  EXPECT_FALSE(Has(ShOutput("ip -n " + ns2_ + " -o link"), kMac1));
  EXPECT_EQ(Cni(Env("DEL", "pod-a", Netns(ns1_)), conf).rc, 0);
  ExpectHome("hnc1", kMac1);
}

// GC without cni.dev/valid-attachments would take every attachment for
// stale; it releases nothing.
TEST_F(CniContractTest, GcWithoutValidAttachmentsReleasesNothing) {
  const std::string conf = Conf("1.1.0", "\"nics\":[\"hnc1\"],");
  ASSERT_EQ(Cni(Env("ADD", "keep", Netns(ns1_)), conf).rc, 0) << Log();
  Outcome run =
      Cni({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}}, conf);
  EXPECT_EQ(run.rc, 0) << run.out;
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  EXPECT_TRUE(Has(Status(), Netns(ns1_)));
  EXPECT_EQ(Cni(Env("DEL", "keep", Netns(ns1_)), conf).rc, 0);
}

// Two runtimes on one host, each with a network named "contract" (their
// configurations differ): GC of one never touches the other's pods.
TEST_F(CniContractTest, SameNamedNetworksOfTwoRuntimesAreSeparate) {
  const std::string a = Conf("1.1.0", "\"nics\":[\"hnc1\",\"hnc2\"],");
  const std::string b = Conf("1.1.0", "\"nics\":[\"hnc2\",\"hnc1\"],");
  ASSERT_EQ(Cni(Env("ADD", "pod-a", Netns(ns1_)), a).rc, 0) << Log();
  ASSERT_EQ(Cni(Env("ADD", "pod-b", Netns(ns2_)), b).rc, 0) << Log();
  // Runtime A collects its garbage: only pod-a is valid to it.
  Outcome run = Gc(a, json::array({ValidAttachment("pod-a")}));
  EXPECT_EQ(run.rc, 0) << run.out;
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns2_ + " -o link show eth0"), kMac2))
      << "runtime A's GC took runtime B's NIC";
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  // Runtime B's GC with nothing valid takes its own pod's NIC only.
  run = Gc(b, json::array());
  EXPECT_EQ(run.rc, 0) << run.out;
  ExpectHome("hnc2", kMac2);
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  EXPECT_EQ(Cni(Env("DEL", "pod-a", Netns(ns1_)), a).rc, 0);
}

// runtimeConfig.deviceID names the NIC by its PCI address, found through
// sysfs. A veth has no PCI device, so the plugin runs in a mount namespace
// of its own where a fake /sys/bus/pci/devices gives hnc2 the PCI address
// 0000:00:05.0 (the plugin's real code path; the unit test PciDeviceTest
// covers the odd trees). An absent device and a value that is no PCI
// address are refused, naming them, and nothing is held.
TEST_F(CniContractTest, DeviceIdSelectsTheNicByPciAddress) {
  const fs::path fake = root_ / "pci";
  fs::create_directories(fake / "0000:00:05.0/net/hnc2");
  std::ofstream((fake / "0000:00:05.0/net/hnc2/address").string())
      << kMac2 << "\n";
  wrap_ = "unshare -m --propagation private sh -c 'mount --bind " +
          fake.string() + " /sys/bus/pci/devices && exec \"$0\"' ";
  json conf = json::parse(Conf("1.1.0", "\"nics\":[\"hnc1\",\"hnc2\"],"));
  conf["runtimeConfig"] = {{"deviceID", "0000:00:05.0"}};
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  EXPECT_EQ(add.doc["interfaces"][0]["mac"], kMac2);
  EXPECT_EQ(add.doc["interfaces"][0]["pciID"], "0000:00:05.0");
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac2));
  EXPECT_EQ(Cni(Env("DEL", "c1", Netns(ns1_)), conf.dump()).rc, 0);
  ExpectHome("hnc2", kMac2);

  conf["runtimeConfig"] = {{"deviceID", "0000:00:06.0"}};
  add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(add.rc, 1);
  EXPECT_EQ(add.doc["code"], 100) << add.out;
  EXPECT_TRUE(Has(add.doc["details"], "0000:00:06.0")) << add.out;
  EXPECT_FALSE(Has(Status(), Netns(ns1_)));
  conf["runtimeConfig"] = {{"deviceID", "hnc1"}};
  add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(add.doc["code"], 7) << add.out;
  EXPECT_TRUE(Has(add.doc["details"], "'hnc1'")) << add.out;
}

}  // namespace
}  // namespace hostnic::itest
