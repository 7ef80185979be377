// NetlinkSandboxControl against a real kernel: each test makes a network
// namespace of its own (the "sandbox", made from the test's private
// namespace, see netns_env.h) with one end of a veth pair in it as the
// container's NIC, and deletes it afterwards.
#include "netlink/sandbox_control.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "integration/netns_env.h"
#include "integration/text_util.h"

namespace hostnic {
namespace {

using itest::Has;
using itest::Sh;
using itest::ShOutput;

constexpr char kNicMac[] = "02:00:00:5c:00:01";
const std::vector<std::string> kMetadata = {"169.254.169.254/32",
                                            "fd00:ec2::254/128"};

Mac M(const std::string& text) { return *Mac::Parse(text); }

// The inode of the calling thread's network namespace.
ino_t ThreadNetns() {
  struct stat st {};
  EXPECT_EQ(stat("/proc/thread-self/ns/net", &st), 0);
  return st.st_ino;
}

int CountLines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

class SandboxControlTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    netns_ = AddNetns("hnsc");
    path_ = "/run/netns/" + netns_;
    AddNic("hnsc0", "", "hnsc0p",
           " address " + std::string(kNicMac) + " netns " + netns_);
    ASSERT_EQ(Sh(Ns("ip link set hnsc0p name eth0 up")), 0);
    netns_before_ = ThreadNetns();
  }

  void TearDown() override {
    if (netns_before_ != 0) {
      EXPECT_EQ(ThreadNetns(), netns_before_) << "the test thread moved";
    }
    NetnsTest::TearDown();
  }

  // `command` run inside the test's sandbox namespace.
  std::string Ns(const std::string& command) const {
    return "ip netns exec " + netns_ + " " + command;
  }

  // With `doomed` and `kept` (CIDRs of one family) on eth0, RemoveAddress
  // of `doomed` removes it and leaves `kept`.
  void RemovesOneOfTwo(const std::string& doomed, const std::string& kept) {
    const bool v6 = doomed.find(':') != std::string::npos;
    const std::string ip = v6 ? "ip -6 " : "ip -4 ";
    const std::string nodad = v6 ? " nodad" : "";
    ASSERT_EQ(Sh(Ns(ip + "addr add " + doomed + " dev eth0" + nodad)), 0);
    ASSERT_EQ(Sh(Ns(ip + "addr add " + kept + " dev eth0" + nodad)), 0);
    const Status s = control_.RemoveAddress(path_, M(kNicMac), doomed);
    ASSERT_TRUE(s.ok()) << s.message();
    const std::string left = ShOutput(Ns(ip + "-o addr show dev eth0"));
    EXPECT_FALSE(Has(left, doomed.substr(0, doomed.find('/') + 1))) << left;
    EXPECT_TRUE(Has(left, kept)) << left;
  }

  std::string Unreachable(const char* family) const {
    return ShOutput("ip " + std::string(family) + " -n " + netns_ +
                    " route show type unreachable");
  }

  NetlinkSandboxControl control_;
  std::string netns_;
  std::string path_;
  ino_t netns_before_ = 0;
};

TEST_F(SandboxControlTest, AddsUnreachableRoutesIdempotently) {
  const Status s = control_.AddUnreachableRoutes(path_, kMetadata);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Has(Unreachable("-4"), "unreachable 169.254.169.254"));
  EXPECT_TRUE(Has(Unreachable("-6"), "unreachable fd00:ec2::254"));
  // Inside, the metadata service cannot be reached; outside, nothing changed.
  EXPECT_TRUE(Has(ShOutput(Ns("ip route get 169.254.169.254 2>&1")),
                  "No route to host"));
  EXPECT_EQ(ShOutput("ip route show type unreachable"), "");

  const Status again = control_.AddUnreachableRoutes(path_, kMetadata);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(CountLines(Unreachable("-4")), 1);
  EXPECT_EQ(CountLines(Unreachable("-6")), 1);
  EXPECT_EQ(ThreadNetns(), netns_before_);
}

TEST_F(SandboxControlTest, AddsAnyPrefixes) {
  const Status s = control_.AddUnreachableRoutes(
      path_, {"100.100.100.200/32", "10.99.0.0/16", "fd00:1::/64"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Has(Unreachable("-4"), "unreachable 100.100.100.200"));
  EXPECT_TRUE(Has(Unreachable("-4"), "unreachable 10.99.0.0/16"));
  EXPECT_TRUE(Has(Unreachable("-6"), "unreachable fd00:1::/64"));
  EXPECT_TRUE(control_.AddUnreachableRoutes(path_, {}).ok());
}

TEST_F(SandboxControlTest, Ipv6RoutesAreAddedEvenWithIpv6Disabled) {
  ASSERT_EQ(Sh(Ns("sysctl -qw net.ipv6.conf.all.disable_ipv6=1")), 0);
  ASSERT_EQ(Sh(Ns("sysctl -qw net.ipv6.conf.lo.disable_ipv6=1")), 0);
  const Status s = control_.AddUnreachableRoutes(path_, kMetadata);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Has(Unreachable("-6"), "unreachable fd00:ec2::254"));
}

TEST_F(SandboxControlTest, AnotherRouteToTheDestinationIsAnError) {
  ASSERT_EQ(Sh(Ns("ip route add 169.254.169.254/32 dev eth0")), 0);
  const Status s = control_.AddUnreachableRoutes(path_, kMetadata);
  EXPECT_EQ(s.code(), Code::kAlreadyExists) << s.message();
  EXPECT_TRUE(Has(s.message(), "169.254.169.254/32"));
  EXPECT_TRUE(Has(s.message(), "unicast"));
  EXPECT_TRUE(Has(s.message(), path_));
  EXPECT_EQ(Unreachable("-4"), "");
}

TEST_F(SandboxControlTest, BadDestinationsChangeNothing) {
  for (const std::string bad :
       {"169.254.169.254", "169.254.169.254/33", "10.1.2.3/8", "fd00::1/129",
        "metadata/32", "169.254.169.254/032", " 169.254.169.254/32"}) {
    const Status s =
        control_.AddUnreachableRoutes(path_, {"10.98.0.0/16", bad});
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_TRUE(Has(s.message(), "\"" + bad + "\"")) << bad;
  }
  EXPECT_EQ(Unreachable("-4"), "");
}

TEST_F(SandboxControlTest, MissingNamespaceIsNotFound) {
  const std::string gone = "/run/netns/" + netns_ + "-gone";
  const Status add = control_.AddUnreachableRoutes(gone, kMetadata);
  EXPECT_EQ(add.code(), Code::kNotFound) << add.message();
  EXPECT_TRUE(Has(add.message(), gone));
  const Status remove = control_.RemoveAddress(gone, M(kNicMac), "10.0.0.1/24");
  EXPECT_EQ(remove.code(), Code::kNotFound) << remove.message();
  EXPECT_TRUE(Has(remove.message(), gone));
}

TEST_F(SandboxControlTest, RemovesTheAddressIdempotently) {
  ASSERT_NO_FATAL_FAILURE(RemovesOneOfTwo("10.77.0.5/24", "10.78.0.6/24"));
  const Status again =
      control_.RemoveAddress(path_, M(kNicMac), "10.77.0.5/24");
  EXPECT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(ThreadNetns(), netns_before_);
}

TEST_F(SandboxControlTest, OnlyTheExactPrefixIsRemoved) {
  ASSERT_EQ(Sh(Ns("ip addr add 10.77.0.5/16 dev eth0")), 0);
  const Status s = control_.RemoveAddress(path_, M(kNicMac), "10.77.0.5/24");
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Has(ShOutput(Ns("ip -4 -o addr show dev eth0")), "10.77.0.5/16"));
}

TEST_F(SandboxControlTest, WrongMacIsNotFound) {
  ASSERT_EQ(Sh(Ns("ip addr add 10.77.0.5/24 dev eth0")), 0);
  const Status s =
      control_.RemoveAddress(path_, M("02:00:00:5c:00:99"), "10.77.0.5/24");
  EXPECT_EQ(s.code(), Code::kNotFound) << s.message();
  EXPECT_TRUE(Has(s.message(), "02:00:00:5c:00:99"));
  EXPECT_TRUE(Has(s.message(), path_));
  EXPECT_TRUE(Has(ShOutput(Ns("ip -4 -o addr show dev eth0")), "10.77.0.5/24"));
}

TEST_F(SandboxControlTest, RemovesAnIpv6Address) {
  RemovesOneOfTwo("fd00::5/64", "fd00::6/64");
}

TEST_F(SandboxControlTest, RemoveRefusesBadInput) {
  for (const std::string bad :
       {"fd00::5", "fd00::5/129", "10.77.0.5", "10.77.0.5/33", "ten/24"}) {
    const Status s = control_.RemoveAddress(path_, M(kNicMac), bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(control_.RemoveAddress(path_, Mac(), "10.77.0.5/24").code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace hostnic
