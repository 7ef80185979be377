// The fixture of the DHCP clients' tests against Debian's dnsmasq
// (dhcp_test.cc, dhcp6_test.cc), in the private network namespace of the
// integration tests (netns_env.h): a veth NIC nic_ whose far end peer_ sits,
// with the server's address, in a namespace server_ns_ of the test's own,
// where dnsmasq plays the cloud's server; a namespace sandbox_ns_ for the
// container; a folder dir_ for dnsmasq's log, leases and pid file. A test
// starts dnsmasq itself; a fixture stops it in StopServer(). Skips where
// dnsmasq is not installed.
#ifndef HOSTNIC_TESTS_INTEGRATION_DNSMASQ_FIXTURE_H_
#define HOSTNIC_TESTS_INTEGRATION_DNSMASQ_FIXTURE_H_

#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <string>

#include "hostnic/link.h"
#include "integration/netns_env.h"

namespace hostnic {

class DnsmasqTest : public itest::NetnsTest {
 protected:
  // `tag` (one or two characters) names the namespaces, devices and folder;
  // the NIC has MAC `mac`; `server` is the server's address with its prefix
  // length.
  DnsmasqTest(std::string tag, const char* mac, std::string server)
      : tag_(std::move(tag)), mac_(mac), server_(std::move(server)) {}

  void SetUpInNetns() override {
    if (itest::Sh("command -v dnsmasq >/dev/null") != 0) {
      GTEST_SKIP() << "dnsmasq is not installed (apt-get install "
                      "dnsmasq-base)";
    }
    const std::string n = std::to_string(Serial());
    server_ns_ = AddNetns("hn" + tag_ + "s");
    sandbox_ns_ = AddNetns("hn" + tag_ + "c");
    nic_ = tag_ + "h" + n;
    peer_ = tag_ + "p" + n;
    dir_ = "/tmp/hostnic-dnsmasq-" + tag_ + "-" + std::to_string(getpid()) +
           "-" + n;
    ASSERT_EQ(itest::Sh("mkdir -p " + dir_), 0);
    // dnsmasq answers from its addresses at once, as a cloud's long-running
    // server does (not after DAD, which starts only when the client's end
    // comes up).
    ASSERT_EQ(itest::Sh("ip netns exec " + server_ns_ +
                        " sysctl -qw net.ipv6.conf.default.accept_dad=0"),
              0);
    ASSERT_NO_FATAL_FAILURE(
        AddNic(nic_, mac_, peer_, " netns " + server_ns_, 1500));
    const std::string in_server = "ip -n " + server_ns_ + " ";
    ASSERT_EQ(itest::Sh(in_server + "addr add " + server_ + " dev " + peer_ +
                        " && " + in_server + "link set " + peer_ + " up"),
              0);
    link_.ifindex = static_cast<int>(if_nametoindex(nic_.c_str()));
    link_.name = nic_;
    link_.mac = *Mac::Parse(mac_);
    ASSERT_NE(link_.ifindex, 0);
  }

  void TearDown() override {
    StopServer();
    if (!dir_.empty()) itest::Sh("rm -rf " + dir_);
    NetnsTest::TearDown();
  }

  // Stops the dnsmasq the test started, if it did.
  virtual void StopServer() = 0;

  std::string ServerLog() const {
    return "dnsmasq log:\n" + itest::ShOutput("cat " + dir_ + "/dnsmasq.log");
  }

  Link link_;
  std::string server_ns_, sandbox_ns_, nic_, peer_, dir_;

 private:
  const std::string tag_;
  const char* const mac_;
  const std::string server_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_INTEGRATION_DNSMASQ_FIXTURE_H_
