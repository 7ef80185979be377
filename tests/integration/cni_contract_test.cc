// The CNI contract: the hostnic executable (HOSTNIC_BINARY) run as a
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

#include "api/unix_http_client.h"
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
  std::string Netns(const std::string& name) const {
    return "/run/netns/" + name;
  }

  // A network configuration for the test's daemon; `extra` holds more
  // fields ("\"nics\":[...]," ...).
  std::string Conf(const std::string& version = "1.1.0",
                   const std::string& extra = "") const {
    return "{\"cniVersion\":\"" + version +
           "\",\"name\":\"contract\",\"type\":\"hostnic\"," + extra +
           "\"socket\":\"" + Socket() + "\",\"address\":\"hook\"}";
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
    command += std::string(" ") + HOSTNIC_BINARY + " <" + in + " >" + out +
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

TEST_F(CniContractTest, StaticIpamIsDelegated) {
  if (access(kStatic, X_OK) != 0) GTEST_SKIP() << kStatic << " missing";
  // static speaks up to 1.0.0: hostnic talks 1.0.0 to it for a 1.1.0 config.
  const std::string conf =
      "{\"cniVersion\":\"1.1.0\",\"name\":\"contract\",\"type\":\"hostnic\","
      "\"socket\":\"" +
      Socket() + "\",\"mac\":\"" + kMac2 +
      "\",\"ipam\":{\"type\":\"static\",\"addresses\":[{\"address\":"
      "\"10.9.0.5/24\",\"gateway\":\"10.9.0.1\"}],\"routes\":[{\"dst\":"
      "\"0.0.0.0/0\"}]},\"dns\":{\"nameservers\":[\"10.9.0.53\"]}}";
  Outcome add = Cni(Env("ADD", "c2", Netns(ns2_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  EXPECT_EQ(add.doc["ips"][0]["address"], "10.9.0.5/24");
  EXPECT_TRUE(Has(ShOutput("ip -n " + ns2_ + " route"),
                  "default via 10.9.0.1 dev eth0"));
  json check = json::parse(conf);
  check["prevResult"] = add.doc;
  Outcome checked = Cni(Env("CHECK", "c2", Netns(ns2_)), check.dump());
  EXPECT_EQ(checked.rc, 0) << checked.out;
  EXPECT_EQ(
      Cni({{"CNI_COMMAND", "STATUS"}, {"CNI_PATH", "/usr/lib/cni"}}, conf).rc,
      0);
  EXPECT_EQ(Cni(Env("DEL", "c2", Netns(ns2_)), conf).rc, 0);
  ExpectHome("hnc2", kMac2);
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

}  // namespace
}  // namespace hostnic
