// XdpGuard against a real kernel: a veth pair whose far end, in a "cloud"
// namespace, carries the metadata addresses; the near end plays the NIC,
// guarded on the test's (private) host namespace and then moved into a
// "container" namespace, as Docker moves it. Answers from guarded addresses
// must not arrive, DHCP replies must, and everything else is untouched.
// (A veth dies with its namespace where a real NIC comes home: the tests
// move it back themselves.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/netns.h"
#include "guard/xdp_guard.h"
#include "integration/netns_env.h"
#include "integration/text_util.h"

namespace hostnic {
namespace {

using itest::Has;
using itest::Sh;
using itest::ShOutput;

constexpr char kNicMac[] = "02:00:00:6e:00:01";
const std::vector<std::string> kGuarded = {"169.254.169.254", "fd00:ec2::254",
                                           "100.100.100.200"};

Mac M(const std::string& text) { return *Mac::Parse(text); }

// Fills `ss` with IPv4 or IPv6 `address`:`port`; returns its length.
socklen_t SocketAddress(const std::string& address, int port,
                        sockaddr_storage* ss) {
  if (address.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, address.c_str(), &a->sin6_addr);
    return sizeof(*a);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &a->sin_addr);
  return sizeof(*a);
}

class GuardTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    if (Sh("busybox true 2>/dev/null") != 0) {
      GTEST_SKIP()
          << "no busybox (apt-get install busybox-static) to ping with";
    }
    cloud_ = AddNetns("hngd-cloud");
    container_ = AddNetns("hngd-ct");
    AddNic("hngd0", kNicMac, "gw", " netns " + cloud_);
    const std::string in_cloud = "ip -n " + cloud_ + " ";
    ASSERT_EQ(Sh(in_cloud + "link set gw up && " + in_cloud +
                 "addr add 192.168.88.1/24 dev gw && " + in_cloud +
                 "addr add fd00:88::1/64 dev gw nodad && " + in_cloud +
                 "addr add 169.254.169.254/32 dev gw && " + in_cloud +
                 "addr add 100.100.100.200/32 dev gw && " + in_cloud +
                 "addr add fd00:ec2::254/128 dev gw nodad && " + in_cloud +
                 "route add 192.168.88.0/24 dev gw 2>/dev/null; true"),
              0);
  }

  // Moves the NIC into the container namespace and configures it there.
  void MoveIn() {
    ASSERT_EQ(Sh("ip link set hngd0 netns " + container_), 0);
    const std::string in_ct = "ip -n " + container_ + " ";
    ASSERT_EQ(Sh(in_ct + "link set hngd0 up && " + in_ct +
                 "addr add 192.168.88.5/24 dev hngd0 && " + in_ct +
                 "addr add fd00:88::5/64 dev hngd0 nodad && " + in_ct +
                 "route add default via 192.168.88.1 && " + in_ct +
                 "route add fd00:ec2::254/128 via fd00:88::1"),
              0);
  }

  // Whether `address` answers a ping from the container (busybox's ping:
  // busybox-static is a test dependency; Debian's iputils may be absent).
  bool Answers(const std::string& address) {
    const bool v6 = address.find(':') != std::string::npos;
    const std::string out =
        ShOutput("ip netns exec " + container_ + " busybox " +
                 (v6 ? "ping6" : "ping") + " -c 2 -W 1 " + address + " 2>&1");
    return out.find(" 0 packets received") == std::string::npos &&
           out.find(" packets received") != std::string::npos;
  }

  std::string Path(const std::string& netns) const {
    return "/run/netns/" + netns;
  }

  // A UDP socket bound to `address`:`port` in namespace `netns`; -1 on error.
  int Bound(const std::string& netns, const std::string& address, int port) {
    int fd = -1;
    Status s = RunInNetns(Path(netns), "binding", [&] {
      sockaddr_storage ss{};
      const socklen_t len = SocketAddress(address, port, &ss);
      fd = socket(ss.ss_family, SOCK_DGRAM, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        close(fd);
        fd = -1;
        return Status::IoError("bind " + address + ":" + std::to_string(port) +
                               ": " + strerror(errno));
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return fd;
  }

  // Whether a datagram from the cloud's `from`:`sport` reaches a socket on
  // `to`:`dport` in the container.
  bool Delivered(const std::string& from, int sport, const std::string& to,
                 int dport) {
    const bool v6 = to.find(':') != std::string::npos;
    const int rx = Bound(container_, v6 ? "::" : "0.0.0.0", dport);
    const int tx = Bound(cloud_, from, sport);
    if (rx < 0 || tx < 0) return false;
    sockaddr_storage ss{};
    const socklen_t len = SocketAddress(to, dport, &ss);
    bool got = false;
    for (int i = 0; i < 5 && !got; ++i) {
      sendto(tx, "x", 1, 0, reinterpret_cast<sockaddr*>(&ss), len);
      pollfd p{rx, POLLIN, 0};
      got = poll(&p, 1, 300) == 1;
    }
    close(rx);
    close(tx);
    return got;
  }

  std::string cloud_;
  std::string container_;
};

TEST_F(GuardTest, AttachedOnTheHostItStaysAcrossTheMoveAndDropsOnlyAnswers) {
  XdpGuard guard;
  const Status s = guard.Attach("", M(kNicMac), kGuarded);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Has(ShOutput("ip link show hngd0"), "prog/xdp"));
  MoveIn();
  EXPECT_TRUE(Has(ShOutput("ip -n " + container_ + " link show hngd0"),
                  "name hostnic_guard"));
  EXPECT_TRUE(Answers("192.168.88.1"));  // Not guarded: untouched.
  EXPECT_TRUE(Answers("fd00:88::1"));
  EXPECT_FALSE(Answers("169.254.169.254"));
  EXPECT_FALSE(Answers("100.100.100.200"));
  EXPECT_FALSE(Answers("fd00:ec2::254"));
  auto info = guard.Info(M(kNicMac));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->mode, "native");
  EXPECT_GE(info->dropped, 3u);
}

TEST_F(GuardTest, DhcpRepliesPassAndNothingElseFromAGuardedAddress) {
  XdpGuard guard;
  ASSERT_TRUE(guard.Attach("", M(kNicMac), kGuarded).ok());
  MoveIn();
  EXPECT_TRUE(Delivered("169.254.169.254", 67, "192.168.88.5", 68));
  EXPECT_FALSE(Delivered("169.254.169.254", 80, "192.168.88.5", 68));
  EXPECT_FALSE(Delivered("169.254.169.254", 67, "192.168.88.5", 69));
  EXPECT_TRUE(Delivered("fd00:ec2::254", 547, "fd00:88::5", 546));
  EXPECT_FALSE(Delivered("fd00:ec2::254", 548, "fd00:88::5", 546));
  EXPECT_TRUE(Delivered("192.168.88.1", 80, "192.168.88.5", 68));  // Control.
}

TEST_F(GuardTest, ANicWhoseDriverRefusesXdpGetsTheGenericHook) {
  // veth refuses its own XDP above a page's worth of MTU.
  ASSERT_EQ(Sh("ip link set hngd0 mtu 9000 && ip -n " + cloud_ +
               " link set gw mtu 9000"),
            0);
  XdpGuard guard;
  const Status s = guard.Attach("", M(kNicMac), kGuarded);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(guard.Info(M(kNicMac))->mode, "generic");
  MoveIn();
  EXPECT_TRUE(Answers("192.168.88.1"));
  EXPECT_FALSE(Answers("169.254.169.254"));
}

TEST_F(GuardTest, ARestartedDaemonReplacesTheGuardInTheContainer) {
  {
    XdpGuard before;
    ASSERT_TRUE(before.Attach("", M(kNicMac), {"169.254.169.254"}).ok());
  }  // The daemon exits: the program stays on the NIC.
  EXPECT_TRUE(Has(ShOutput("ip link show hngd0"), "hostnic_guard"));
  MoveIn();
  EXPECT_FALSE(Answers("169.254.169.254"));
  XdpGuard after;
  const Status s =
      after.Attach(Path(container_), M(kNicMac), {"100.100.100.200"});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(Answers("100.100.100.200"));
  EXPECT_TRUE(Answers("169.254.169.254"));  // The new list, in one step.
  EXPECT_GE(after.Info(M(kNicMac))->dropped, 1u);
}

TEST_F(GuardTest, DetachRemovesTheGuardWhenTheNicComesHome) {
  XdpGuard guard;
  ASSERT_TRUE(guard.Attach("", M(kNicMac), kGuarded).ok());
  const int ifindex = static_cast<int>(if_nametoindex("hngd0"));
  ASSERT_TRUE(guard.Detach(M(kNicMac), ifindex).ok());
  EXPECT_FALSE(Has(ShOutput("ip link show hngd0"), "xdp"));
  EXPECT_FALSE(guard.Info(M(kNicMac)).has_value());
  // Another program is left alone; an absent NIC is nothing to do.
  ASSERT_EQ(Sh("ip link set hngd0 xdpgeneric off"), 0);
  EXPECT_TRUE(guard.Detach(M("02:00:00:6e:00:99"), ifindex).ok());
  EXPECT_TRUE(guard.Detach(M("02:00:00:6e:00:99"), 0).ok());
}

TEST_F(GuardTest, DetachFindsTheNicByMacWhenTheIfindexIsStale) {
  constexpr char kOtherMac[] = "02:00:00:6e:00:02";
  ASSERT_NO_FATAL_FAILURE(AddNic("hngd1", kOtherMac, "hngd1p"));
  XdpGuard guard;
  ASSERT_TRUE(guard.Attach("", M(kNicMac), kGuarded).ok());
  ASSERT_TRUE(guard.Attach("", M(kOtherMac), kGuarded).ok());
  // The hint names another guarded device: that one keeps its guard.
  const int other = static_cast<int>(if_nametoindex("hngd1"));
  ASSERT_TRUE(guard.Detach(M(kNicMac), other).ok());
  EXPECT_FALSE(Has(ShOutput("ip link show hngd0"), "xdp"));
  EXPECT_TRUE(Has(ShOutput("ip link show hngd1"), "hostnic_guard"));
  // No device at the hint, or none known.
  for (int hint : {0, 1 << 30}) {
    ASSERT_TRUE(guard.Attach("", M(kNicMac), kGuarded).ok());
    ASSERT_TRUE(guard.Detach(M(kNicMac), hint).ok());
    EXPECT_FALSE(Has(ShOutput("ip link show hngd0"), "xdp")) << hint;
  }
}

TEST_F(GuardTest, RefusesWhatItCannotGuard) {
  XdpGuard guard;
  Status s = guard.Attach("", M("02:00:00:6e:00:99"), kGuarded);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_TRUE(Has(s.message(), "02:00:00:6e:00:99"));
  s = guard.Attach("", M(kNicMac), {"169.254.169.0/24"});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  s = guard.Attach("/run/netns/hngd-none", M(kNicMac), kGuarded);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_FALSE(guard.Info(M(kNicMac)).has_value());
}

}  // namespace
}  // namespace hostnic
