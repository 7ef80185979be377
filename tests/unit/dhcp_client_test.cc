// The DHCP client's exchanges (src/dhcp/client.h) against a scripted server
// over a fake transport in fake time. The lease it derives from an ACK:
// dhcp_lease_test.cc; the packet transport's framing: dhcp_framing_test.cc.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "dhcp/client.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_dhcp_transport.h"

namespace hostnic::dhcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Bytes = std::vector<uint8_t>;
using FakeTransport = FakeDhcpTransport;

const Mac kMac = *Mac::Parse("52:54:00:12:34:56");
const Mac kOtherMac = *Mac::Parse("52:54:00:ab:cd:ef");
constexpr Ipv4 kServer = 0xc0a83d01;   // 192.168.61.1
constexpr Ipv4 kOffered = 0xc0a83d0b;  // 192.168.61.11
constexpr char kNic[] = "eth1 (52:54:00:12:34:56)";

// What the client sent, read back by offset (RFC 2131 figure 1).
uint32_t Load32(const Bytes& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 |
         uint32_t{b[at + 2]} << 8 | b[at + 3];
}
uint32_t Xid(const Bytes& b) { return Load32(b, 4); }
uint16_t Secs(const Bytes& b) {
  return static_cast<uint16_t>(b[8] << 8 | b[9]);
}
bool BroadcastFlag(const Bytes& b) { return b[10] & 0x80; }
Ipv4 Ciaddr(const Bytes& b) { return Load32(b, 12); }
std::map<uint8_t, Bytes> Options(const Bytes& b) {
  std::map<uint8_t, Bytes> options;
  for (size_t at = 240; at < b.size() && b[at] != 255;) {
    if (b[at] == 0) {
      ++at;
      continue;
    }
    options[b[at]] = Bytes(b.begin() + at + 2, b.begin() + at + 2 + b[at + 1]);
    at += 2 + b[at + 1];
  }
  return options;
}
MessageType TypeOf(const Bytes& b) {
  return static_cast<MessageType>(Options(b).at(53).at(0));
}
Bytes IpBytes(Ipv4 ip) {
  return {static_cast<uint8_t>(ip >> 24), static_cast<uint8_t>(ip >> 16),
          static_cast<uint8_t>(ip >> 8), static_cast<uint8_t>(ip)};
}

// A server's reply (BOOTREPLY) with message type, server id and, for
// OFFER/ACK, yiaddr, mask /24 and a 120 s lease.
Bytes Reply(MessageType type, uint32_t xid, Ipv4 yiaddr,
            const Mac& chaddr = kMac, Ipv4 server = kServer) {
  Bytes b(240, 0);
  b[0] = 2;
  b[1] = 1;
  b[2] = 6;
  for (int i = 0; i < 4; ++i) {
    b[4 + i] = static_cast<uint8_t>(xid >> (24 - 8 * i));
    b[16 + i] = static_cast<uint8_t>(yiaddr >> (24 - 8 * i));
  }
  std::copy(chaddr.bytes().begin(), chaddr.bytes().end(), b.begin() + 28);
  const Bytes cookie = {99, 130, 83, 99};
  std::copy(cookie.begin(), cookie.end(), b.begin() + 236);
  auto add = [&b](uint8_t code, const Bytes& value) {
    b.push_back(code);
    b.push_back(static_cast<uint8_t>(value.size()));
    b.insert(b.end(), value.begin(), value.end());
  };
  add(53, {static_cast<uint8_t>(type)});
  add(54, IpBytes(server));
  if (type != MessageType::kNak) {
    add(1, IpBytes(0xffffff00));
    add(51, {0, 0, 0, 120});
  }
  b.push_back(255);
  return b;
}

// A well-behaved server: OFFERs kOffered, ACKs any REQUEST, after 10 ms.
std::vector<FakeTransport::Reply> GoodServer(const Bytes& sent) {
  const MessageType type = TypeOf(sent);
  if (type == MessageType::kDiscover) {
    return {
        {milliseconds(10), Reply(MessageType::kOffer, Xid(sent), kOffered)}};
  }
  const Ipv4 address = Ciaddr(sent) ? Ciaddr(sent) : kOffered;
  return {{milliseconds(10), Reply(MessageType::kAck, Xid(sent), address)}};
}

class ClientTest : public ::testing::Test {
 protected:
  Client MakeClient() {
    return Client(
        &transport_, &clock_, [this] { return ++xid_; }, kMac, kNic);
  }
  milliseconds SentAt(size_t i) const {
    return std::chrono::duration_cast<milliseconds>(
        transport_.sent.at(i).first - start_);
  }

  FakeClock clock_;
  const MonoTime start_ = clock_.Monotonic();
  FakeTransport transport_{&clock_};
  uint32_t xid_ = 0x1000;
};

TEST_F(ClientTest, AcquireDiscoversThenRequestsTheOffer) {
  transport_.server = GoodServer;
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(10));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->type, MessageType::kAck);
  EXPECT_EQ(ack->yiaddr, kOffered);

  ASSERT_EQ(transport_.sent.size(), 2u);
  const Bytes& discover = transport_.sent[0].second;
  const Bytes& request = transport_.sent[1].second;
  EXPECT_EQ(TypeOf(discover), MessageType::kDiscover);
  EXPECT_TRUE(BroadcastFlag(discover));
  EXPECT_EQ(TypeOf(request), MessageType::kRequest);
  EXPECT_TRUE(BroadcastFlag(request));
  EXPECT_EQ(Xid(request), Xid(discover));
  EXPECT_EQ(Ciaddr(request), 0u);
  EXPECT_EQ(Options(request).at(50), IpBytes(kOffered));
  EXPECT_EQ(Options(request).at(54), IpBytes(kServer));
  EXPECT_EQ(clock_.Monotonic() - start_, milliseconds(20));
}

TEST_F(ClientTest, RetransmitsWithBackoffAndTimesOutNamingTheNic) {
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(20));
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), Code::kTimeout);
  EXPECT_EQ(ack.status().message(),
            "no DHCP answer for NIC eth1 (52:54:00:12:34:56) within 20 s "
            "(sent 9 DHCPDISCOVER and 0 DHCPREQUEST, ignored 0 replies)");
  // 10, 30, 70, 150 ms apart, then 1, 2, 4, 8 s; the next (8 s after
  // 15.26 s) would pass the deadline.
  const std::vector<milliseconds> expected = {
      milliseconds(0),    milliseconds(10),   milliseconds(40),
      milliseconds(110),  milliseconds(260),  milliseconds(1260),
      milliseconds(3260), milliseconds(7260), milliseconds(15260)};
  ASSERT_EQ(transport_.sent.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(SentAt(i), expected[i]) << i;
    EXPECT_EQ(Secs(transport_.sent[i].second),
              std::chrono::duration_cast<seconds>(expected[i]).count());
    EXPECT_EQ(Xid(transport_.sent[i].second), Xid(transport_.sent[0].second));
  }
  EXPECT_EQ(clock_.Monotonic() - start_, seconds(20));
}

TEST_F(ClientTest, RetransmissionsAreRandomisedByAtMostOneSecond) {
  // The extremes of the jitter, alternately (the fast waits take none):
  // 1 s +-0.5 s, 2 s +-1 s, then 4 s and 8 s +-1 s.
  double sign = -1;
  Client client(
      &transport_, &clock_, [this] { return ++xid_; }, kMac, kNic,
      [&sign] { return sign = -sign; });
  EXPECT_EQ(client.Acquire(seconds(30)).status().code(), Code::kTimeout);
  const std::vector<milliseconds> expected = {
      milliseconds(0),    milliseconds(10),   milliseconds(40),
      milliseconds(110),  milliseconds(260),  milliseconds(1760),
      milliseconds(2760), milliseconds(7760), milliseconds(14760),
      milliseconds(23760)};
  ASSERT_EQ(transport_.sent.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(SentAt(i), expected[i]) << i;
  }
  // Real jitter stays in [-1, 1] and varies.
  std::set<double> seen;
  for (int i = 0; i < 100; ++i) {
    const double j = RandomJitter();
    ASSERT_GE(j, -1.0);
    ASSERT_LE(j, 1.0);
    seen.insert(j);
  }
  EXPECT_GT(seen.size(), 50u);
}

TEST_F(ClientTest, BackoffIsCappedAndTheDeadlineHoldsMidWait) {
  Client client = MakeClient();
  EXPECT_EQ(client.Acquire(milliseconds(40500)).status().code(),
            Code::kTimeout);
  const std::vector<milliseconds> expected = {
      milliseconds(0),     milliseconds(10),    milliseconds(40),
      milliseconds(110),   milliseconds(260),   milliseconds(1260),
      milliseconds(3260),  milliseconds(7260),  milliseconds(15260),
      milliseconds(23260), milliseconds(31260), milliseconds(39260)};
  ASSERT_EQ(transport_.sent.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(SentAt(i), expected[i]);
  EXPECT_EQ(clock_.Monotonic() - start_, milliseconds(40500));
}

TEST_F(ClientTest, UnansweredRequestsStartOverWithinTheTimeout) {
  transport_.server = [](const Bytes& sent) {
    std::vector<FakeTransport::Reply> replies;
    if (TypeOf(sent) == MessageType::kDiscover) {
      replies.push_back(
          {milliseconds(0), Reply(MessageType::kOffer, Xid(sent), kOffered)});
    }
    return replies;
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(30));
  ASSERT_EQ(ack.status().code(), Code::kTimeout);
  // REQUEST at 0, 0.01, 0.04, 0.11, 0.26, 1.26, 3.26, 7.26; DISCOVER again
  // at 15.26 (new xid), 8 REQUESTs from there; DISCOVER at 30.52 is past
  // the deadline.
  EXPECT_EQ(ack.status().message(),
            std::string("no DHCP answer for NIC ") + kNic +
                " within 30 s (sent 2 DHCPDISCOVER and 16 DHCPREQUEST, "
                "ignored 0 replies)");
  EXPECT_NE(Xid(transport_.sent[9].second), Xid(transport_.sent[0].second));
  EXPECT_EQ(TypeOf(transport_.sent[9].second), MessageType::kDiscover);
  EXPECT_EQ(SentAt(9), milliseconds(15260));
}

TEST_F(ClientTest, IgnoresWrongXidChaddrServerAndGarbage) {
  transport_.server = [](const Bytes& sent) {
    const uint32_t xid = Xid(sent);
    if (TypeOf(sent) == MessageType::kDiscover) {
      return std::vector<FakeTransport::Reply>{
          {milliseconds(1), Reply(MessageType::kOffer, xid + 1, kOffered)},
          {milliseconds(2),
           Reply(MessageType::kOffer, xid, kOffered, kOtherMac)},
          {milliseconds(3), Bytes(300, 0xee)},
          {milliseconds(4), Reply(MessageType::kAck, xid, kOffered)},
          {milliseconds(5), Reply(MessageType::kOffer, xid, kOffered)}};
    }
    return std::vector<FakeTransport::Reply>{
        {milliseconds(1),
         Reply(MessageType::kAck, xid, kOffered, kMac, kServer + 1)},
        {milliseconds(2), Reply(MessageType::kAck, xid, kOffered)}};
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(10));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->server_id, kServer);
  EXPECT_EQ(transport_.sent.size(), 2u);  // Nothing was retransmitted.
}

TEST_F(ClientTest, IgnoredRepliesAreCountedInTheTimeout) {
  transport_.server = [](const Bytes& sent) {
    return std::vector<FakeTransport::Reply>{
        {milliseconds(1), Reply(MessageType::kOffer, Xid(sent) ^ 1, kOffered)}};
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(2));
  ASSERT_EQ(ack.status().code(), Code::kTimeout);
  EXPECT_NE(ack.status().message().find("sent 6 DHCPDISCOVER and 0 "
                                        "DHCPREQUEST, ignored 6 replies"),
            std::string::npos)
      << ack.status().message();
}

TEST_F(ClientTest, NakRestartsFromDiscoverWithANewXid) {
  int requests = 0;
  transport_.server = [&](const Bytes& sent) {
    if (TypeOf(sent) == MessageType::kRequest && ++requests == 1) {
      return std::vector<FakeTransport::Reply>{
          {milliseconds(5), Reply(MessageType::kNak, Xid(sent), 0)}};
    }
    return GoodServer(sent);
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(10));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  ASSERT_EQ(transport_.sent.size(), 4u);
  EXPECT_EQ(TypeOf(transport_.sent[2].second), MessageType::kDiscover);
  EXPECT_NE(Xid(transport_.sent[2].second), Xid(transport_.sent[0].second));
  EXPECT_EQ(ack->xid, Xid(transport_.sent[2].second));
}

TEST_F(ClientTest, RepeatedNaksGiveUp) {
  transport_.server = [](const Bytes& sent) {
    if (TypeOf(sent) == MessageType::kDiscover) return GoodServer(sent);
    return std::vector<FakeTransport::Reply>{
        {milliseconds(5), Reply(MessageType::kNak, Xid(sent), 0)}};
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Acquire(seconds(10));
  ASSERT_EQ(ack.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(ack.status().message().find("refused NIC " + std::string(kNic)),
            std::string::npos)
      << ack.status().message();
  EXPECT_EQ(transport_.sent.size(), 2u * (kMaxNaks + 1));
}

TEST_F(ClientTest, RenewRequestsWithCiaddrOnly) {
  transport_.server = GoodServer;
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Renew(kOffered, kServer, seconds(5));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->type, MessageType::kAck);
  ASSERT_EQ(transport_.sent.size(), 1u);
  const Bytes& request = transport_.sent[0].second;
  EXPECT_EQ(TypeOf(request), MessageType::kRequest);
  EXPECT_EQ(Ciaddr(request), kOffered);
  EXPECT_FALSE(BroadcastFlag(request));
  EXPECT_EQ(Options(request).count(50), 0u);
  EXPECT_EQ(Options(request).count(54), 0u);
}

TEST_F(ClientTest, RenewReturnsANakOrAChangedAddress) {
  transport_.server = [](const Bytes& sent) {
    return std::vector<FakeTransport::Reply>{
        {milliseconds(1), Reply(MessageType::kNak, Xid(sent), 0)}};
  };
  Client client = MakeClient();
  Result<ServerMessage> nak = client.Renew(kOffered, kServer, seconds(5));
  ASSERT_TRUE(nak.ok()) << nak.status().message();
  EXPECT_EQ(nak->type, MessageType::kNak);

  transport_.server = [](const Bytes& sent) {
    return std::vector<FakeTransport::Reply>{
        {milliseconds(1), Reply(MessageType::kAck, Xid(sent), kOffered + 1)}};
  };
  Result<ServerMessage> ack = client.Renew(kOffered, kServer, seconds(5));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(LeaseFromAck(*ack, kMac, 0).address, "192.168.61.12/24");
}

TEST_F(ClientTest, RenewingHearsOnlyTheLeasesServer) {
  // Another host on the link (a container with CAP_NET_RAW sees the xid)
  // answers first: its NAK and its ACK are ignored while renewing.
  transport_.server = [](const Bytes& sent) {
    return std::vector<FakeTransport::Reply>{
        {milliseconds(1),
         Reply(MessageType::kNak, Xid(sent), 0, kMac, kServer + 9)},
        {milliseconds(2),
         Reply(MessageType::kAck, Xid(sent), kOffered, kMac, kServer + 9)},
        {milliseconds(3), Reply(MessageType::kAck, Xid(sent), kOffered)}};
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Renew(kOffered, kServer, seconds(5));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->type, MessageType::kAck);
  EXPECT_EQ(ack->server_id, kServer);
  // The control: rebinding (no server named) takes the first answer.
  Result<ServerMessage> any = client.Renew(kOffered, 0, seconds(5));
  ASSERT_TRUE(any.ok()) << any.status().message();
  EXPECT_EQ(any->type, MessageType::kNak);
  EXPECT_EQ(any->server_id, kServer + 9);
}

TEST_F(ClientTest, AckWithoutLeaseTimeIsRefused) {
  transport_.server = [](const Bytes& sent) {
    Bytes ack = Reply(MessageType::kAck, Xid(sent), kOffered);
    // Drop option 51 (code, length and 4 bytes of value).
    for (size_t at = 240; at + 1 < ack.size();) {
      if (ack[at] == 51) {
        ack.erase(ack.begin() + at, ack.begin() + at + 6);
        break;
      }
      at += ack[at] == 0 ? 1 : 2 + ack[at + 1];
    }
    return std::vector<FakeTransport::Reply>{{milliseconds(1), ack}};
  };
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Renew(kOffered, kServer, seconds(3));
  ASSERT_EQ(ack.status().code(), Code::kTimeout);
  EXPECT_NE(ack.status().message().find("ignored 6 replies"), std::string::npos)
      << ack.status().message();
}

TEST_F(ClientTest, RenewedLeaseWithoutSubnetMaskKeepsItsPrefix) {
  ServerMessage ack;
  ack.type = MessageType::kAck;
  ack.yiaddr = kOffered;
  ack.server_id = kServer;
  ack.lease_time = 120;
  Lease had;
  had.mac = kMac;
  had.network_id = "net1";
  had.address = "192.168.61.11/24";
  Lease renewed = RenewedLease(ack, had, 5);
  EXPECT_EQ(renewed.address, "192.168.61.11/24");
  EXPECT_EQ(renewed.network_id, "net1");
  EXPECT_EQ(renewed.acquired, 5);
  // Another address without a mask is read as LeaseFromAck reads it.
  ack.yiaddr = kOffered + 1;
  EXPECT_EQ(RenewedLease(ack, had, 5).address, "192.168.61.12/32");
  // A mask given wins.
  ack.yiaddr = kOffered;
  ack.subnet_mask = 0xffff0000;
  EXPECT_EQ(RenewedLease(ack, had, 5).address, "192.168.61.11/16");
}

TEST_F(ClientTest, RebootAsksForTheSameAddressByBroadcast) {
  transport_.server = GoodServer;
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Reboot(kOffered, seconds(5));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->yiaddr, kOffered);
  ASSERT_EQ(transport_.sent.size(), 1u);
  const Bytes& request = transport_.sent[0].second;
  EXPECT_EQ(TypeOf(request), MessageType::kRequest);
  EXPECT_EQ(Ciaddr(request), 0u);
  EXPECT_TRUE(BroadcastFlag(request));
  EXPECT_EQ(Options(request).at(50), IpBytes(kOffered));
  EXPECT_EQ(Options(request).count(54), 0u);
}

TEST_F(ClientTest, RebootIgnoresAnAckForAnotherAddressAndReturnsANak) {
  transport_.server = [](const Bytes& sent) {
    return std::vector<FakeTransport::Reply>{
        {milliseconds(1), Reply(MessageType::kAck, Xid(sent), kOffered + 1)},
        {milliseconds(2), Reply(MessageType::kNak, Xid(sent), 0)}};
  };
  Client client = MakeClient();
  Result<ServerMessage> nak = client.Reboot(kOffered, seconds(5));
  ASSERT_TRUE(nak.ok()) << nak.status().message();
  EXPECT_EQ(nak->type, MessageType::kNak);
}

TEST_F(ClientTest, RebootGivesUpAfterItsRequests) {
  Client client = MakeClient();
  Result<ServerMessage> none = client.Reboot(kOffered, seconds(60));
  ASSERT_EQ(none.status().code(), Code::kTimeout);
  EXPECT_EQ(transport_.sent.size(), static_cast<size_t>(kMaxRequestSends));
  EXPECT_NE(none.status().message().find("to a request for 192.168.61.11"),
            std::string::npos)
      << none.status().message();
}

TEST_F(ClientTest, RenewTimesOutNamingTheAddress) {
  Client client = MakeClient();
  Result<ServerMessage> ack = client.Renew(kOffered, kServer, seconds(3));
  ASSERT_EQ(ack.status().code(), Code::kTimeout);
  EXPECT_EQ(ack.status().message(),
            std::string("no DHCP answer for NIC ") + kNic +
                " to a renewal of 192.168.61.11 within 3 s (sent 0 "
                "DHCPDISCOVER and 6 DHCPREQUEST, ignored 0 replies)");
}

TEST_F(ClientTest, ReleaseSendsCiaddrAndServer) {
  Client client = MakeClient();
  const MonoTime start = clock_.Monotonic();
  ASSERT_TRUE(client.Release(kOffered, kServer).ok());
  // Three copies, 250 ms and 1 s after the first: no answer would say one
  // was lost.
  ASSERT_EQ(transport_.sent.size(), 3u);
  EXPECT_EQ(transport_.sent[1].first - start, milliseconds(250));
  EXPECT_EQ(transport_.sent[2].first - start, milliseconds(1000));
  for (const auto& [at, release] : transport_.sent) {
    EXPECT_EQ(TypeOf(release), MessageType::kRelease);
    EXPECT_EQ(Ciaddr(release), kOffered);
    EXPECT_EQ(Options(release).at(54), IpBytes(kServer));
  }
}

}  // namespace
}  // namespace hostnic::dhcp
