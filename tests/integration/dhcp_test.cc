// DhcpSource against Debian's dnsmasq, in the private network namespace of
// the integration tests (netns_env.h): a veth pair whose far end sits in a
// namespace of the test's own, where dnsmasq plays the cloud's DHCP server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "dhcp/dhcp_source.h"
#include "integration/dnsmasq_fixture.h"
#include "integration/netns_env.h"
#include "netlink/link_control.h"

extern char** environ;

namespace hostnic::dhcp {
namespace {

using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kMac[] = "52:54:0e:e6:10:01";
constexpr char kAddress[] = "192.168.61.11";
constexpr char kServer[] = "192.168.61.1";

// Wall-clock seconds that move 10 s per reading, to see "acquired" advance;
// the system's monotonic time.
class StepClock : public Clock {
 public:
  UnixSeconds Now() const override { return now_ += 10; }
  MonoTime Monotonic() const override { return SystemClock()->Monotonic(); }
  void WaitUntil(std::condition_variable* cv,
                 std::unique_lock<std::mutex>* lock,
                 MonoTime deadline) override {
    SystemClock()->WaitUntil(cv, lock, deadline);
  }

 private:
  mutable std::atomic<UnixSeconds> now_{1'700'000'000};
};

class DhcpTest : public DnsmasqTest {
 protected:
  DhcpTest() : DnsmasqTest("d", kMac, std::string(kServer) + "/24") {}

  // Starts dnsmasq in the server namespace and waits for it to listen.
  void StartServer() {
    const std::vector<std::string> args = {
        "ip",
        "netns",
        "exec",
        server_ns_,
        "dnsmasq",
        "--no-daemon",
        "--conf-file=/dev/null",
        "--port=0",
        "--interface=" + peer_,
        "--bind-interfaces",
        "--dhcp-authoritative",
        "--log-dhcp",
        "--dhcp-range=192.168.61.100,192.168.61.200,255.255.255.0,2m",
        std::string("--dhcp-host=") + kMac + "," + kAddress,
        std::string("--dhcp-option=option:router,") + kServer,
        "--dhcp-option=121,0.0.0.0/0,192.168.61.1,10.61.0.0/16,192.168.61.254",
        "--dhcp-option=26,1400",
        "--dhcp-leasefile=" + dir_ + "/leases",
        "--pid-file=" + dir_ + "/pid"};
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = dir_ + "/dnsmasq.log";
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    ASSERT_EQ(posix_spawnp(&server_pid_, "ip", &actions, nullptr, argv.data(),
                           environ),
              0);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_TRUE(WaitUntil([&] {
      return Sh("ip netns exec " + server_ns_ +
                " ss -Hlun 'sport = :67' | grep -q .") == 0;
    })) << ServerLog();
  }

  void StopServer() override {
    if (server_pid_ <= 0) return;
    kill(server_pid_, SIGTERM);
    waitpid(server_pid_, nullptr, 0);
    server_pid_ = 0;
  }

  // The NIC on the host: down, its name and MTU kept, no address, no route,
  // IPv6 setting as before.
  void ExpectNicAsFound() {
    const std::string json = ShOutput("ip -j addr show dev " + nic_);
    EXPECT_NE(json.find("\"ifname\":\"" + nic_ + "\""), std::string::npos)
        << json;
    EXPECT_NE(json.find("\"mtu\":1500"), std::string::npos) << json;
    EXPECT_NE(json.find("\"addr_info\":[]"), std::string::npos) << json;
    EXPECT_EQ(json.find("\"UP\""), std::string::npos) << json;
    EXPECT_EQ(ShOutput("ip route show dev " + nic_ + "; ip -6 route show dev " +
                       nic_ + " table all"),
              "");
    EXPECT_EQ(ShOutput("cat /proc/sys/net/ipv6/conf/" + nic_ + "/disable_ipv6"),
              "0\n");
  }

  // Moves the NIC into the sandbox namespace with `cidr` on it, up.
  void MoveIntoSandbox(const std::string& cidr) {
    ASSERT_EQ(
        Sh("ip link set " + nic_ + " netns " + sandbox_ns_ + " && ip -n " +
           sandbox_ns_ + " addr add " + cidr + " dev " + nic_ + " && ip -n " +
           sandbox_ns_ + " link set " + nic_ + " up"),
        0);
  }
  std::string SandboxPath() const { return "/var/run/netns/" + sandbox_ns_; }

  NetlinkLinkControl links_;
  StepClock clock_;
  DhcpSource source_{&links_, &clock_};
  pid_t server_pid_ = 0;
};

TEST_F(DhcpTest, AcquireGetsTheLeaseAndLeavesTheNicAsFound) {
  StartServer();
  const auto start = std::chrono::steady_clock::now();
  Result<Lease> lease = source_.Acquire(link_, seconds(10));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(lease.ok()) << lease.status().message() << "\n" << ServerLog();
  std::printf("Acquire against dnsmasq took %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(took).count()));
  EXPECT_EQ(lease->mac, link_.mac);
  EXPECT_EQ(lease->source, "dhcp");
  EXPECT_EQ(lease->address, std::string(kAddress) + "/24");
  EXPECT_EQ(lease->gateway, kServer);
  EXPECT_EQ(lease->routes,
            (std::vector<Route>{{"10.61.0.0/16", "192.168.61.254"}}));
  EXPECT_EQ(lease->mtu, 1400u);
  EXPECT_EQ(lease->server, kServer);
  EXPECT_EQ(lease->lease_seconds, 120u);
  EXPECT_EQ(lease->t1_seconds, 60u);
  EXPECT_EQ(lease->t2_seconds, 105u);
  EXPECT_GT(lease->acquired, 1'700'000'000);
  ExpectNicAsFound();
}

TEST_F(DhcpTest, AcquireRefusesANicThatIsUp) {
  ASSERT_EQ(Sh("ip link set " + nic_ + " up"), 0);
  Result<Lease> lease = source_.Acquire(link_, seconds(1));
  ASSERT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(lease.status().message().find(nic_), std::string::npos);
}

TEST_F(DhcpTest, RenewFromInsideTheSandbox) {
  StartServer();
  Result<Lease> lease = source_.Acquire(link_, seconds(10));
  ASSERT_TRUE(lease.ok()) << lease.status().message() << "\n" << ServerLog();
  lease->network_id = "net1";
  MoveIntoSandbox(lease->address);

  for (const bool rebinding : {false, true}) {
    Result<LeaseRenewer::Renewal> renewal =
        source_.Renew(SandboxPath(), *lease, rebinding, seconds(10));
    ASSERT_TRUE(renewal.ok()) << renewal.status().message() << "\n"
                              << ServerLog();
    EXPECT_EQ(renewal->answer, LeaseRenewer::Answer::kAck) << rebinding;
    EXPECT_EQ(renewal->lease.address, lease->address);
    EXPECT_EQ(renewal->lease.network_id, "net1");
    EXPECT_EQ(renewal->lease.gateway, kServer);
    EXPECT_GT(renewal->lease.acquired, lease->acquired);
    EXPECT_EQ(renewal->lease.lease_seconds, 120u);
  }
}

TEST_F(DhcpTest, RenewOfAnAddressTheServerDidNotGiveIsNaked) {
  StartServer();
  Result<Lease> lease = source_.Acquire(link_, seconds(10));
  ASSERT_TRUE(lease.ok()) << lease.status().message() << "\n" << ServerLog();
  Lease wrong = *lease;
  wrong.address = "192.168.61.150/24";
  MoveIntoSandbox(wrong.address);
  Result<LeaseRenewer::Renewal> renewal =
      source_.Renew(SandboxPath(), wrong, false, seconds(10));
  ASSERT_TRUE(renewal.ok()) << renewal.status().message() << "\n"
                            << ServerLog();
  EXPECT_EQ(renewal->answer, LeaseRenewer::Answer::kNak);
  EXPECT_EQ(renewal->lease, wrong);
}

// A container whose lease was lost: its NIC is up in the sandbox without an
// address, and asks again from there.
TEST_F(DhcpTest, ReacquireFromInsideTheSandboxGetsTheSameAddressBack) {
  StartServer();
  Result<Lease> lease = source_.Acquire(link_, seconds(10));
  ASSERT_TRUE(lease.ok()) << lease.status().message() << "\n" << ServerLog();
  lease->network_id = "net1";
  lease->lost = true;
  ASSERT_EQ(Sh("ip link set " + nic_ + " netns " + sandbox_ns_ + " && ip -n " +
               sandbox_ns_ + " link set " + nic_ + " up"),
            0);
  const size_t before = ServerLog().size();
  Result<Lease> again =
      source_.Reacquire(SandboxPath(), *lease, true, seconds(10));
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << ServerLog();
  EXPECT_EQ(again->address, lease->address);
  EXPECT_EQ(again->network_id, "net1");
  EXPECT_FALSE(again->lost);
  EXPECT_EQ(again->gateway, kServer);
  // INIT-REBOOT was enough: no DISCOVER after the first lease's.
  EXPECT_EQ(ServerLog().find("DHCPDISCOVER", before), std::string::npos)
      << ServerLog();
}

TEST_F(DhcpTest, ReacquireOfAnAddressTheServerRefusesDiscovers) {
  StartServer();
  Lease lost;
  lost.mac = link_.mac;
  lost.network_id = "net1";
  lost.address = "192.168.61.150/24";
  lost.lost = true;
  ASSERT_EQ(Sh("ip link set " + nic_ + " netns " + sandbox_ns_ + " && ip -n " +
               sandbox_ns_ + " link set " + nic_ + " up"),
            0);
  Result<Lease> again =
      source_.Reacquire(SandboxPath(), lost, true, seconds(10));
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << ServerLog();
  EXPECT_EQ(again->address, std::string(kAddress) + "/24");
  EXPECT_NE(ServerLog().find("DHCPNAK"), std::string::npos) << ServerLog();
}

TEST_F(DhcpTest, RenewNamesAMissingNamespaceOrNic) {
  Lease lease;
  lease.mac = link_.mac;
  lease.address = std::string(kAddress) + "/24";
  lease.server = kServer;
  Result<LeaseRenewer::Renewal> renewal = source_.Renew(
      "/var/run/netns/hostnic-no-such-ns", lease, false, seconds(1));
  EXPECT_EQ(renewal.status().code(), Code::kNotFound);
  renewal = source_.Renew(SandboxPath(), lease, false, seconds(1));
  EXPECT_EQ(renewal.status().code(), Code::kNotFound);
  EXPECT_NE(renewal.status().message().find(kMac), std::string::npos)
      << renewal.status().message();
}

TEST_F(DhcpTest, ReleaseThenAcquireAgain) {
  StartServer();
  Result<Lease> lease = source_.Acquire(link_, seconds(10));
  ASSERT_TRUE(lease.ok()) << lease.status().message() << "\n" << ServerLog();
  const std::string leases = dir_ + "/leases";
  ASSERT_TRUE(WaitUntil([&] {
    return ShOutput("cat " + leases).find(kMac) != std::string::npos;
  })) << ServerLog();

  ASSERT_TRUE(source_.Release(link_, *lease).ok());
  EXPECT_TRUE(WaitUntil([&] {
    return ShOutput("cat " + leases).find(kMac) == std::string::npos;
  })) << ServerLog();
  ExpectNicAsFound();

  Result<Lease> again = source_.Acquire(link_, seconds(10));
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << ServerLog();
  EXPECT_EQ(again->address, lease->address);
  ExpectNicAsFound();
}

TEST_F(DhcpTest, NoServerTimesOutNamingTheNicAndLeavesItAsFound) {
  const auto start = std::chrono::steady_clock::now();
  Result<Lease> lease = source_.Acquire(link_, seconds(2));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(lease.status().code(), Code::kTimeout) << lease.status().message();
  const std::string& message = lease.status().message();
  EXPECT_EQ(
      message.rfind(
          "no DHCP answer for NIC " + nic_ + " (" + kMac + ") within 2 s", 0),
      0u)
      << message;
  EXPECT_GE(took, seconds(2));
  ExpectNicAsFound();
}

}  // namespace
}  // namespace hostnic::dhcp
