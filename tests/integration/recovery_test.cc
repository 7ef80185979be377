// The daemon (src/daemon/daemon.h, without its socket) over the real netlink
// layer and file store, in a private network namespace: NICs that arrive
// late, NICs the kernel hands back under another name, and restarts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "daemon/daemon.h"
#include "driver/driver.h"
#include "integration/netns_env.h"

namespace hostnic {
namespace {

using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;

const char kMac[] = "02:00:5e:10:00:07";

class RecoveryTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    state_dir_ = std::filesystem::temp_directory_path() /
                 ("hostnic-recovery-" + std::to_string(::getpid()));
    std::filesystem::remove_all(state_dir_);
    Start();
  }
  void TearDown() override {
    Stop();
    if (sleeper_ > 0) Sh("kill " + std::to_string(sleeper_));
    Sh("ip link del hnr2 2>/dev/null; ip link del dev7 2>/dev/null");
    std::filesystem::remove_all(state_dir_);
    NetnsTest::TearDown();
  }

  // Plugs NIC hnr2 (kMac, MTU 1500) and waits until the monitor has seen it
  // (it learns of new devices asynchronously).
  void PlugNic() {
    ASSERT_NO_FATAL_FAILURE(AddNic("hnr2", kMac, "hnr2p", "", 1500));
    ASSERT_TRUE(WaitUntil([&] { return HostName() == "hnr2"; }));
  }
  // Creates endpoint "ep" and joins it to sandbox "/sb".
  void JoinEp() {
    ASSERT_TRUE(CreateEndpoint("ep").ok());
    ASSERT_TRUE(driver_->Join("net", "ep", "/sb").ok());
  }

  // The daemon, minus the socket.
  void Start() {
    DaemonOptions options;
    options.state_dir = state_dir_.string();
    options.driver.settle = std::chrono::milliseconds(100);
    daemon_ = std::make_unique<Daemon>(std::move(options));
    Status started = daemon_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    driver_ = &daemon_->driver();
  }
  // As after kill -9: nothing but the state directory survives.
  void Stop() {
    driver_ = nullptr;
    daemon_.reset();
  }

  void CreateNetwork(std::map<std::string, std::string> options = {}) {
    CreateNetworkRequest r;
    r.network_id = "net";
    r.ipv4 = {{"192.168.1.0/24", "192.168.1.1/24", ""}};
    r.options = std::move(options);
    ASSERT_TRUE(driver_->CreateNetwork(r).ok());
  }
  Result<CreateEndpointReply> CreateEndpoint(const std::string& ep) {
    CreateEndpointRequest r;
    r.network_id = "net";
    r.endpoint_id = ep;
    r.address = "192.168.1.5/24";
    r.mac = kMac;
    return driver_->CreateEndpoint(r);
  }
  // A namespace held by a sleeping process plays the container.
  void StartContainer() {
    sleeper_ =
        std::stoi(ShOutput("unshare -n sleep 300 >/dev/null 2>&1 & echo $!"));
    ASSERT_TRUE(WaitUntil([&] {
      return ShOutput("readlink /proc/" + std::to_string(sleeper_) +
                      "/ns/net") != ShOutput("readlink /proc/self/ns/net");
    }));
  }
  std::string InContainer(const std::string& command) {
    return "nsenter -t " + std::to_string(sleeper_) + " -n " + command;
  }
  std::string HostName() {
    auto link = daemon_->inventory().FindByMac(*Mac::Parse(kMac));
    return link ? link->name : "";
  }

  std::filesystem::path state_dir_;
  std::unique_ptr<Daemon> daemon_;
  Driver* driver_ = nullptr;  // daemon_'s.
  int sleeper_ = 0;
};

TEST_F(RecoveryTest, NicAppearingTwoSecondsLateIsWaitedFor) {
  CreateNetwork({{"hostnic.wait", "10"}});
  std::thread plug([] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    Sh(std::string("ip link add hnr2 address ") + kMac +
       " type veth peer name hnr2p");
  });
  auto created = CreateEndpoint("ep");
  plug.join();
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto joined = driver_->Join("net", "ep", "/sb");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->src_name, "hnr2");
}

TEST_F(RecoveryTest, NicReleasedInAContainerComesBackAsDevNAndIsPutBack) {
  ASSERT_NO_FATAL_FAILURE(PlugNic());
  CreateNetwork({{"hostnic.mtu", "1400"}});
  ASSERT_NO_FATAL_FAILURE(JoinEp());
  StartContainer();
  // What Docker does after Join: move the NIC in, name it eth0, address it.
  ASSERT_EQ(Sh("ip link set hnr2 netns " + std::to_string(sleeper_)), 0);
  ASSERT_EQ(Sh(InContainer("ip link set hnr2 name eth0")), 0);
  ASSERT_EQ(Sh(InContainer("ip link set eth0 up")), 0);
  ASSERT_TRUE(WaitUntil([&] { return HostName().empty(); }));
  // Docker crashed: it deletes the endpoint without bringing the NIC back.
  ASSERT_TRUE(driver_->Leave("net", "ep").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint("net", "ep").ok());

  // The kernel (or someone) hands it back to the host as dev7, up, MTU 1400.
  ASSERT_EQ(Sh(InContainer("ip link set eth0 name dev7")), 0);
  ASSERT_EQ(
      Sh(InContainer("ip link set dev7 netns " + std::to_string(::getpid()))),
      0);
  ASSERT_TRUE(WaitUntil([&] {
    auto link = daemon_->inventory().FindByMac(*Mac::Parse(kMac));
    return link && link->name == "hnr2" && link->mtu == 1500 && !link->up;
  })) << ShOutput("ip -o link");
  EXPECT_EQ(ShOutput("ip -o -4 addr show dev hnr2"), "");
}

TEST_F(RecoveryTest, RestartKeepsNetworksAndHeldNicsOnDisk) {
  ASSERT_NO_FATAL_FAILURE(PlugNic());
  CreateNetwork();
  ASSERT_NO_FATAL_FAILURE(JoinEp());
  StartContainer();  // The NIC is in its sandbox while hostnic is down.
  ASSERT_EQ(Sh("ip link set hnr2 netns " + std::to_string(sleeper_)), 0);

  Stop();  // As after kill -9: nothing but the state directory survives.
  Start();
  auto second = CreateEndpoint("other");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBusy);
  // The container stops: Docker brings the NIC back and deletes the
  // endpoint.
  ASSERT_EQ(
      Sh(InContainer("ip link set hnr2 netns " + std::to_string(::getpid()))),
      0);
  ASSERT_TRUE(driver_->Leave("net", "ep").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint("net", "ep").ok());
  ASSERT_TRUE(WaitUntil([&] { return !HostName().empty(); }));
  EXPECT_TRUE(CreateEndpoint("other").ok());
}

TEST_F(RecoveryTest, NicBackFromASandboxTornDownWhileDownIsReleasedAtStart) {
  ASSERT_NO_FATAL_FAILURE(PlugNic());
  CreateNetwork();
  ASSERT_NO_FATAL_FAILURE(JoinEp());
  Stop();  // Down while Docker tears the sandbox down; its calls are lost.
  Start();
  EXPECT_TRUE(CreateEndpoint("other").ok());
}

// libnetwork's Sandbox.Refresh: Leave, the NIC back on the host under its own
// name, and Join of the same endpoint at once, before the monitor may have
// seen the NIC return.
TEST_F(RecoveryTest, SandboxRefreshJoinsAgainWithTheSameNic) {
  ASSERT_NO_FATAL_FAILURE(PlugNic());
  CreateNetwork({{"hostnic.mtu", "1400"}});
  ASSERT_NO_FATAL_FAILURE(JoinEp());
  StartContainer();
  const std::string to_container =
      "ip link set hnr2 netns " + std::to_string(sleeper_);
  const std::string to_host =
      InContainer("ip link set hnr2 netns " + std::to_string(::getpid()));
  ASSERT_EQ(Sh(to_container), 0);
  ASSERT_TRUE(WaitUntil([&] { return HostName().empty(); }));

  ASSERT_TRUE(driver_->Leave("net", "ep").ok());
  ASSERT_EQ(Sh(to_host), 0);
  auto again = driver_->Join("net", "ep", "/sb");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->src_name, "hnr2");
  ASSERT_TRUE(WaitUntil([&] { return HostName() == "hnr2"; }));
  ASSERT_EQ(Sh(to_container), 0);  // Docker moves it in again.
  ASSERT_TRUE(WaitUntil([&] { return HostName().empty(); }));
  EXPECT_EQ(CreateEndpoint("other").status().code(), Code::kBusy);

  // The container stops: Leave, the NIC back, DeleteEndpoint.
  ASSERT_TRUE(driver_->Leave("net", "ep").ok());
  ASSERT_EQ(Sh(to_host), 0);
  ASSERT_TRUE(driver_->DeleteEndpoint("net", "ep").ok());
  ASSERT_TRUE(WaitUntil([&] {
    auto link = daemon_->inventory().FindByMac(*Mac::Parse(kMac));
    return link && link->name == "hnr2" && link->mtu == 1500 && !link->up;
  })) << ShOutput("ip -o link");
  EXPECT_TRUE(CreateEndpoint("other").ok());
}

}  // namespace
}  // namespace hostnic
