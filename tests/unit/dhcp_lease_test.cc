// The lease the DHCP client derives from a server's ACK (LeaseFromAck,
// src/dhcp/client.h), and how it writes durations.
#include <gtest/gtest.h>

#include "dhcp/client.h"

namespace hostnic::dhcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Mac kMac = *Mac::Parse("52:54:00:12:34:56");
constexpr Ipv4 kServer = 0xc0a83d01;   // 192.168.61.1
constexpr Ipv4 kOffered = 0xc0a83d0b;  // 192.168.61.11

ServerMessage Ack() {
  ServerMessage ack;
  ack.type = MessageType::kAck;
  ack.yiaddr = kOffered;
  ack.server_id = kServer;
  ack.subnet_mask = 0xffffff00;
  ack.lease_time = 3600;
  return ack;
}

TEST(LeaseFromAckTest, TakesAddressRouterMtuAndDefaultTimers) {
  ServerMessage ack = Ack();
  ack.router = kServer;
  ack.mtu = 1400;
  const Lease lease = LeaseFromAck(ack, kMac, 1'700'000'000);
  EXPECT_EQ(lease.mac, kMac);
  EXPECT_EQ(lease.source, "dhcp");
  EXPECT_EQ(lease.address, "192.168.61.11/24");
  EXPECT_EQ(lease.gateway, "192.168.61.1");
  EXPECT_TRUE(lease.routes.empty());
  EXPECT_EQ(lease.mtu, 1400u);
  EXPECT_EQ(lease.server, "192.168.61.1");
  EXPECT_EQ(lease.acquired, 1'700'000'000);
  EXPECT_EQ(lease.lease_seconds, 3600u);
  EXPECT_EQ(lease.t1_seconds, 1800u);
  EXPECT_EQ(lease.t2_seconds, 3150u);
}

TEST(LeaseFromAckTest, ClasslessRoutesOverrideTheRouterOption) {
  ServerMessage ack = Ack();
  ack.router = 0xc0a83dfe;
  ack.classless_routes = std::vector<Route>{{"10.61.0.0/16", "192.168.61.254"},
                                            {"0.0.0.0/0", "192.168.61.1"},
                                            {"10.62.0.0/16", ""}};
  const Lease lease = LeaseFromAck(ack, kMac, 0);
  EXPECT_EQ(lease.gateway, "192.168.61.1");
  EXPECT_EQ(lease.routes,
            (std::vector<Route>{{"10.61.0.0/16", "192.168.61.254"},
                                {"10.62.0.0/16", ""}}));

  ack.classless_routes = std::vector<Route>{{"10.61.0.0/16", "192.168.61.254"}};
  EXPECT_EQ(LeaseFromAck(ack, kMac, 0).gateway, "");
}

TEST(LeaseFromAckTest, NoMaskMeansAHostAddressWithAnOnLinkGateway) {
  ServerMessage ack = Ack();
  ack.subnet_mask.reset();
  ack.router = kServer;
  const Lease lease = LeaseFromAck(ack, kMac, 0);
  EXPECT_EQ(lease.address, "192.168.61.11/32");
  EXPECT_EQ(lease.gateway, "192.168.61.1");
  EXPECT_EQ(lease.routes, (std::vector<Route>{{"192.168.61.1/32", ""}}));
}

TEST(LeaseFromAckTest, InfiniteOrMissingLeaseNeverExpires) {
  ServerMessage ack = Ack();
  ack.lease_time = 0xffffffff;
  ack.t1 = 100;
  Lease lease = LeaseFromAck(ack, kMac, 5);
  EXPECT_FALSE(lease.Expires());
  EXPECT_EQ(lease.t1_seconds, 0u);
  EXPECT_EQ(lease.t2_seconds, 0u);
  ack.lease_time.reset();
  EXPECT_FALSE(LeaseFromAck(ack, kMac, 5).Expires());
}

TEST(LeaseFromAckTest, TimersAreSanitised) {
  ServerMessage ack = Ack();
  ack.t1 = 1000;
  ack.t2 = 2000;
  Lease lease = LeaseFromAck(ack, kMac, 0);
  EXPECT_EQ(lease.t1_seconds, 1000u);
  EXPECT_EQ(lease.t2_seconds, 2000u);

  ack.t1 = 3200;  // Not below t2.
  ack.t2 = 4000;  // Not below the lease.
  lease = LeaseFromAck(ack, kMac, 0);
  EXPECT_EQ(lease.t2_seconds, 3150u);
  EXPECT_EQ(lease.t1_seconds, 1800u);

  ack.t1.reset();
  ack.t2 = 600;  // Below the default t1.
  lease = LeaseFromAck(ack, kMac, 0);
  EXPECT_EQ(lease.t2_seconds, 600u);
  EXPECT_EQ(lease.t1_seconds, 300u);
}

TEST(DurationTextTest, SecondsWhenWhole) {
  EXPECT_EQ(DurationText(seconds(10)), "10 s");
  EXPECT_EQ(DurationText(milliseconds(1500)), "1500 ms");
}

}  // namespace
}  // namespace hostnic::dhcp
