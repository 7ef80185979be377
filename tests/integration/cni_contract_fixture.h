// The fixture of the CNI contract tests (cni_contract_test.cc,
// cni_ipam_test.cc, cni_daemon_down_test.cc): the plugin executable
// (HOSTNIC_CNI_BINARY) run as a container runtime runs a CNI plugin, against
// a daemon of its own whose address hook gives each of two veth NICs an
// address, with container namespaces the test makes (`ip netns add`, names
// unique to this process).
#ifndef HOSTNIC_TESTS_INTEGRATION_CNI_CONTRACT_FIXTURE_H_
#define HOSTNIC_TESTS_INTEGRATION_CNI_CONTRACT_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/daemon_process.h"
#include "integration/netns_env.h"
#include "integration/text_util.h"

namespace hostnic::itest {

class CniContractTest : public NetnsTest {
 protected:
  static constexpr char kMac1[] = "02:00:5e:c0:00:01";
  static constexpr char kMac2[] = "02:00:5e:c0:00:02";
  static constexpr char kStatic[] = "/usr/lib/cni/static";

  // What a run of the plugin gave.
  struct Outcome {
    int rc = -1;
    std::string out;
    nlohmann::json doc;  // stdout parsed, or null.
  };

  void SetUpInNetns() override {
    const std::string pid = std::to_string(::getpid());
    root_ = std::filesystem::temp_directory_path() / ("hostnic-cni-" + pid);
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
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
    std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
    ASSERT_NO_FATAL_FAILURE(AddNic("hnc1", kMac1, "hnc1p", "", 1400));
    ASSERT_NO_FATAL_FAILURE(AddNic("hnc2", kMac2, "hnc2p"));
    ns1_ = AddNetns("hncni");
    ns2_ = AddNetns("hncni");
    Start(hook);
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(root_);
    NetnsTest::TearDown();
  }

  void Start(const std::string& hook) {
    const std::string log = (root_ / "hostnic.log").string();
    pid_ = SpawnDaemon(
        {"--socket", Socket(), "--state-dir", (root_ / "state").string(),
         "--address-hook", hook, "--log-level", "debug"},
        log);
    ASSERT_GE(pid_, 0);
    ASSERT_TRUE(WaitForDaemon(Socket(), "/health")) << ReadFile(log);
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

  // Where HostLocalConf's IPAM keeps its leases.
  std::string HostLocalLeases() const { return (root_ / "leases").string(); }
  // A configuration (CNI 1.0.0) for NIC hnc1 whose IPAM is the reference
  // host-local plugin with `range`; null where host-local is not installed.
  nlohmann::json HostLocalConf(const nlohmann::json& range) const {
    if (access("/usr/lib/cni/host-local", X_OK) != 0) return nullptr;
    nlohmann::json conf =
        nlohmann::json::parse(Conf("1.0.0", "\"device\":\"hnc1\","));
    conf.erase("address");
    conf["ipam"] = {
        {"type", "host-local"},
        {"dataDir", HostLocalLeases()},
        {"ranges", nlohmann::json::array({nlohmann::json::array({range})})}};
    return conf;
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
    run.doc = nlohmann::json::parse(run.out, nullptr, false);
    if (run.doc.is_discarded()) run.doc = nullptr;
    return run;
  }

  // GC of `conf` with `valid` as its cni.dev/valid-attachments.
  Outcome Gc(const std::string& conf, const nlohmann::json& valid) {
    nlohmann::json gc = nlohmann::json::parse(conf);
    gc["cni.dev/valid-attachments"] = valid;
    return Cni({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}},
               gc.dump());
  }
  // A valid attachment for GC: `container`'s eth0.
  static nlohmann::json ValidAttachment(const std::string& container) {
    return {{"containerID", container}, {"ifname", "eth0"}};
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
  // must be back in. The daemon brings it home after it answered DEL, so
  // this waits (bounded) for it to arrive.
  void ExpectHome(const std::string& name, const std::string& mac) {
    EXPECT_TRUE(WaitUntil([&] {
      return Has(ShOutput("ip -o link show " + name + " 2>/dev/null"), mac);
    })) << name
        << " is not back on the host: " << ShOutput("ip -o link") << Log();
    const std::string link = ShOutput("ip -o link show " + name);
    EXPECT_FALSE(Has(link, ",UP")) << link;
    EXPECT_EQ(ShOutput("ip -o addr show dev " + name), "");
  }

  std::filesystem::path root_;
  // Put before the plugin's path in Cni()'s command, e.g. a mount namespace.
  std::string wrap_;
  std::string ns1_, ns2_;
  pid_t pid_ = -1;
};

}  // namespace hostnic::itest

#endif  // HOSTNIC_TESTS_INTEGRATION_CNI_CONTRACT_FIXTURE_H_
