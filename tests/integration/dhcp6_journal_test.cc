// A DHCPv6 exchange on a host NIC killed with SIGKILL while the NIC is up,
// then the hostnic daemon (HOSTNIC_BINARY) started on the same state
// directory: it must put the NIC back down with its per-NIC IPv6 settings
// as they were (src/dhcp/exchange_journal.h). The exchange runs in a child
// process (Dhcp6Source with the daemon's journal, STATE/dhcp-exchanges) on
// a veth of the test's private netns (netns_env.h) with no DHCPv6 server,
// so it is still soliciting when it is killed.
#include <gtest/gtest.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "dhcp/exchange_journal.h"
#include "dhcp6/dhcp6_source.h"
#include "integration/daemon_process.h"
#include "integration/netns_env.h"
#include "netlink/link_control.h"

namespace hostnic {
namespace {

namespace fs = std::filesystem;
using itest::Sh;
using itest::ShOutput;
using itest::WaitUntil;

constexpr char kMac[] = "52:54:0e:e6:6a:01";
constexpr char kNic[] = "d6k0";
// Values no kernel default has, so that "as found" cannot be a reset.
constexpr char kFound[] = "2\n1\n-1\n1\n";
constexpr char kConf[] = "/proc/sys/net/ipv6/conf/d6k0/";

std::string Settings() {
  const std::string conf = kConf;
  return ShOutput("cat " + conf + "accept_ra " + conf + "autoconf " + conf +
                  "router_solicitations " + conf + "accept_dad");
}

class Dhcp6JournalTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    char made[] = "/tmp/hostnic-dhcp6-journal-XXXXXX";
    ASSERT_NE(::mkdtemp(made), nullptr);
    root_ = made;
    AddNic(kNic, kMac, "d6k0p");
    const std::string conf = kConf;
    ASSERT_EQ(Sh("ip link set d6k0p up && echo 2 > " + conf +
                 "accept_ra && echo -1 > " + conf +
                 "router_solicitations && echo 1 > " + conf + "disable_ipv6"),
              0);
    ASSERT_EQ(Settings(), kFound);
  }
  void TearDown() override {
    for (pid_t pid : {exchange_, daemon_}) {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    if (!root_.empty()) fs::remove_all(root_);
    NetnsTest::TearDown();
  }

  std::string State() const { return (root_ / "state").string(); }

  pid_t exchange_ = 0;
  pid_t daemon_ = 0;
  fs::path root_;
};

TEST_F(Dhcp6JournalTest, KilledExchangeIsPutBackByTheRestartedDaemon) {
  const std::string journal = State() + "/dhcp-exchanges";
  exchange_ = ::fork();
  ASSERT_GE(exchange_, 0);
  if (exchange_ == 0) {
    NetlinkLinkControl links;
    dhcp::ExchangeJournal notes(&links, journal);
    dhcp6::Dhcp6Source source(&links, SystemClock(), &notes);
    Link link;
    link.name = kNic;
    link.ifindex = static_cast<int>(if_nametoindex(kNic));
    link.mac = *Mac::Parse(kMac);
    (void)source.Acquire(link, std::chrono::seconds(20));
    ::_exit(0);
  }
  // Killed once the NIC is up for the exchange and its note is complete.
  const std::string note = journal + "/" + kMac;
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Sh(std::string("ip link show ") + kNic +
                  " | grep -qE '[<,]UP[,>]' && grep -q disable_ipv6 " + note) ==
               0;
      },
      std::chrono::seconds(10)));
  ::kill(exchange_, SIGKILL);
  ASSERT_EQ(::waitpid(exchange_, nullptr, 0), exchange_);
  exchange_ = 0;
  // The control: the kill left the NIC up, IPv6 on, quieted.
  EXPECT_EQ(
      Sh(std::string("ip link show ") + kNic + " | grep -qE '[<,]UP[,>]'"), 0);
  EXPECT_EQ(ShOutput(std::string("cat ") + kConf + "disable_ipv6"), "0\n");
  EXPECT_EQ(Settings(), "0\n0\n0\n0\n");

  const std::string socket = (root_ / "hostnic.sock").string();
  const std::string log = (root_ / "hostnic.log").string();
  daemon_ = itest::SpawnDaemon(
      {"--socket", socket, "--state-dir", State(), "--log-level", "warn"}, log);
  ASSERT_GT(daemon_, 0);
  ASSERT_TRUE(itest::WaitForDaemon(socket, "/status"))
      << ShOutput("cat " + log);

  EXPECT_NE(
      Sh(std::string("ip link show ") + kNic + " | grep -qE '[<,]UP[,>]'"), 0);
  EXPECT_EQ(ShOutput(std::string("cat ") + kConf + "disable_ipv6"), "1\n");
  EXPECT_EQ(Settings(), kFound);
  EXPECT_FALSE(fs::exists(note));
  const std::string logged = ShOutput("cat " + log);
  EXPECT_NE(logged.find(std::string("NIC ") + kNic), std::string::npos)
      << logged;
  EXPECT_NE(logged.find("accept_ra 2"), std::string::npos) << logged;
}

}  // namespace
}  // namespace hostnic
