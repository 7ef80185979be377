// The CNI contract: the plugin executable (HOSTNIC_CNI_BINARY) run as a
// container runtime runs a CNI plugin -- CNI_* environment, the network
// configuration on stdin, the result or error on stdout, the exit code --
// against a daemon of its own, with veth NICs and container namespaces the
// test makes (`ip netns add`, names unique to this process). Addresses come
// from the daemon's address hook (a script the test writes) or, where
// Debian's containernetworking-plugins is installed, the static IPAM plugin.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "http/unix_http_client.h"
#include "integration/daemon_process.h"
#include "integration/netns_env.h"
#include "integration/text_util.h"

namespace hostnic {
namespace {

namespace fs = std::filesystem;
using itest::Has;
using itest::ReadFile;
using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;
using nlohmann::json;

const char kMac1[] = "02:00:5e:c0:00:01";
const char kMac2[] = "02:00:5e:c0:00:02";
const char kStatic[] = "/usr/lib/cni/static";

struct Outcome {
  int rc = -1;
  std::string out;
  json doc;  // stdout parsed, or null.
};

class CniContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HOSTNIC_REQUIRE_PRIVATE_NETNS();
    const std::string pid = std::to_string(::getpid());
    root_ = fs::temp_directory_path() / ("hostnic-cni-" + pid);
    fs::remove_all(root_);
    fs::create_directories(root_);
    ns1_ = "hncni-" + pid + "-1";
    ns2_ = "hncni-" + pid + "-2";
    // The cloud's metadata, as the address hook finds it: one address per
    // NIC.
    const std::string hook = (root_ / "address-hook").string();
    std::ofstream(hook) << "#!/bin/sh\n"
                           "case \"$HOSTNIC_MAC\" in\n"
                           "  *:01) echo '{\"address\":\"10.77.0.11/24\","
                           "\"gateway\":\"10.77.0.1\"}' ;;\n"
                           "  *:02) echo '{\"address\":\"10.77.0.12/24\","
                           "\"gateway\":\"10.77.0.1\","
                           "\"routes\":[{\"destination\":\"10.78.0.0/16\","
                           "\"next_hop\":\"10.77.0.254\"}]}' ;;\n"
                           "  *) exit 1 ;;\n"
                           "esac\n";
    fs::permissions(hook, fs::perms::owner_all);
    ASSERT_EQ(Sh(std::string("ip link add hnc1 address ") + kMac1 +
                 " mtu 1400 type veth peer name hnc1p"),
              0);
    ASSERT_EQ(Sh(std::string("ip link add hnc2 address ") + kMac2 +
                 " type veth peer name hnc2p"),
              0);
    ASSERT_EQ(Sh("ip netns add " + ns1_ + " && ip netns add " + ns2_), 0);
    Start(hook);
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    Sh("ip netns del " + ns1_ + " 2>/dev/null; ip netns del " + ns2_ +
       " 2>/dev/null; ip link del hnc1 2>/dev/null; ip link del hnc2 "
       "2>/dev/null; true");
    fs::remove_all(root_);
  }

  void Start(const std::string& hook) {
    const std::string log = (root_ / "hostnic.log").string();
    pid_ = itest::SpawnDaemon(
        {"--socket", Socket(), "--state-dir", (root_ / "state").string(),
         "--address-hook", hook, "--log-level", "debug"},
        log);
    ASSERT_GE(pid_, 0);
    ASSERT_TRUE(itest::WaitForDaemon(Socket(), "/health")) << ReadFile(log);
  }

  std::string Socket() const { return (root_ / "hostnic.sock").string(); }
  // The plugin's stateDir.
  std::string StateDir() const { return (root_ / "cni-state").string(); }
  std::string Netns(const std::string& name) const {
    return "/run/netns/" + name;
  }

  // A network configuration for the test's daemon; `extra` holds more
  // fields ("\"nics\":[...]," ...).
  std::string Conf(const std::string& version = "1.1.0",
                   const std::string& extra = "") const {
    return "{\"cniVersion\":\"" + version +
           "\",\"name\":\"contract\",\"type\":\"hostnic\"," + extra +
           "\"socket\":\"" + Socket() + "\",\"stateDir\":\"" + StateDir() +
           "\",\"address\":\"hook\"}";
  }

  // Runs the plugin as a runtime does: exactly `env` (plus PATH), `conf` on
  // stdin.
  Outcome Cni(const std::map<std::string, std::string>& env,
              const std::string& conf) {
    const std::string in = (root_ / "stdin").string(),
                      out = (root_ / "stdout").string();
    std::ofstream(in) << conf;
    std::string command = "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& [k, v] : env) command += " '" + k + "=" + v + "'";
    command += " " + wrap_ + HOSTNIC_CNI_BINARY + " <" + in + " >" + out +
               " 2>>" + (root_ / "plugin.stderr").string();
    Outcome run;
    run.rc = Sh(command);
    run.out = ReadFile(out);
    run.doc = json::parse(run.out, nullptr, false);
    if (run.doc.is_discarded()) run.doc = nullptr;
    return run;
  }

  // The environment of a verb on one attachment.
  std::map<std::string, std::string> Env(const std::string& verb,
                                         const std::string& container,
                                         const std::string& netns,
                                         const std::string& ifname = "eth0") {
    std::map<std::string, std::string> env = {{"CNI_COMMAND", verb},
                                              {"CNI_CONTAINERID", container},
                                              {"CNI_IFNAME", ifname},
                                              {"CNI_PATH", "/usr/lib/cni"}};
    if (!netns.empty()) env["CNI_NETNS"] = netns;
    return env;
  }

  std::string Status() {
    return ShOutput(std::string(HOSTNIC_BINARY) + " status --socket " +
                    Socket());
  }
  std::string Log() { return ReadFile((root_ / "hostnic.log").string()); }

  // "hnc1 is on the host, down, MTU 1400, no address": the state the NIC
  // must be back in.
  void ExpectHome(const std::string& name, const std::string& mac) {
    const std::string link = ShOutput("ip -o link show " + name);
    EXPECT_TRUE(Has(link, mac)) << name << " is not back on the host";
    EXPECT_FALSE(Has(link, ",UP")) << link;
    EXPECT_EQ(ShOutput("ip -o addr show dev " + name), "");
  }

  fs::path root_;
  // Put before the plugin's path in Cni()'s command, e.g. a mount namespace.
  std::string wrap_;
  std::string ns1_, ns2_;
  pid_t pid_ = -1;
};

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
  EXPECT_FALSE(Has(Status(), "cni-contract"));
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

TEST_F(CniContractTest, GcReleasesWhatIsNotValid) {
  const std::string conf = Conf("1.1.0", "\"nics\":[\"hnc1\",\"hnc2\"],");
  ASSERT_EQ(Cni(Env("ADD", "keep", Netns(ns1_)), conf).rc, 0) << Log();
  ASSERT_EQ(Cni(Env("ADD", "leak", Netns(ns2_)), conf).rc, 0) << Log();
  json gc = json::parse(conf);
  gc["cni.dev/valid-attachments"] = {
      {{"containerID", "keep"}, {"ifname", "eth0"}}};
  Outcome run =
      Cni({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}}, gc.dump());
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

// The daemon down at DEL (a node's hostnic restarting while kubelet stops a
// pod): the plugin brings the NIC home from its own copy of the ADD, runs
// IPAM DEL, and succeeds; the daemon, back, finds the NIC free once a
// plugin run pays the release it is owed.
TEST_F(CniContractTest, DelWithTheDaemonDownBringsTheNicHome) {
  const std::string host_local = "/usr/lib/cni/host-local";
  if (access(host_local.c_str(), X_OK) != 0) {
    GTEST_SKIP() << host_local << " missing";
  }
  const std::string leases = (root_ / "leases").string();
  json conf = json::parse(Conf("1.0.0", "\"device\":\"hnc1\","));
  conf.erase("address");
  conf["ipam"] = {{"type", "host-local"},
                  {"dataDir", leases},
                  {"ranges", {{{{"subnet", "10.9.8.0/24"}}}}}};
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
  const std::string host_local = "/usr/lib/cni/host-local";
  if (access(host_local.c_str(), X_OK) != 0) {
    GTEST_SKIP() << host_local << " missing";
  }
  const std::string leases = (root_ / "leases").string();
  json conf = json::parse(Conf("1.0.0", "\"device\":\"hnc1\","));
  conf.erase("address");
  // host-local reserves an address, then fails on the route it cannot
  // parse? No: it validates first. A range whose gateway is its only
  // address leaves nothing to hand out.
  conf["ipam"] = {{"type", "host-local"},
                  {"dataDir", leases},
                  {"ranges",
                   {{{{"subnet", "10.9.7.0/30"},
                      {"gateway", "10.9.7.1"},
                      {"rangeStart", "10.9.7.1"},
                      {"rangeEnd", "10.9.7.1"}}}}}};
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf.dump());
  EXPECT_EQ(add.rc, 1);
  EXPECT_EQ(add.doc["code"], 103) << add.out;
  ExpectHome("hnc1", kMac1);
  EXPECT_FALSE(Has(Status(), "cni-contract"));
  EXPECT_TRUE(Has(ReadFile((root_ / "plugin.stderr").string()), "host-local"));
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
  json gc = json::parse(a);
  gc["cni.dev/valid-attachments"] = {
      {{"containerID", "pod-a"}, {"ifname", "eth0"}}};
  Outcome run =
      Cni({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}}, gc.dump());
  EXPECT_EQ(run.rc, 0) << run.out;
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns2_ + " -o link show eth0"), kMac2))
      << "runtime A's GC took runtime B's NIC";
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns1_ + " -o link show eth0"), kMac1));
  // Runtime B's GC with nothing valid takes its own pod's NIC only.
  json gc_b = json::parse(b);
  gc_b["cni.dev/valid-attachments"] = json::array();
  run = Cni({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}}, gc_b.dump());
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
}  // namespace hostnic
