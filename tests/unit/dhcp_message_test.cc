#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "dhcp/message.h"
#include "fakes/param_name.h"
#include "fakes/status_matchers.h"
#include "unit/decode_case.h"
#include "unit/dhcp_replies.h"

namespace hostnic::dhcp {
namespace {

using replies::DecodeVector;
using replies::Ip;
using replies::kClientMac;
using replies::Offer;
using replies::Reply;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// Server answers captured from dnsmasq 2.90 (Debian bookworm's dnsmasq-base)
// on a veth pair between two network namespaces. dnsmasq ran with
//   --port=0 --interface=hncap0 --bind-interfaces
//   --dhcp-range=10.77.0.100,10.77.0.200,255.255.255.0,2m
//   --dhcp-host=52:54:0e:77:00:11,10.77.0.11
//   --dhcp-option=option:router,10.77.0.1
//   --dhcp-option=121,0.0.0.0/0,10.77.0.1,10.0.0.0/8,10.77.0.254,192.168.5.0/24,0.0.0.0
//   --dhcp-option=26,1400
// on 10.77.0.1/24. The client sent Encode()'s DISCOVER and REQUEST (xid
// 0x1a2b3c4d, broadcast flag, chaddr 52:54:0e:77:00:11, requesting
// 10.77.0.11 from server 10.77.0.1), then a REQUEST for 10.77.0.99 (xid
// 0x5e6f7081), in raw Ethernet frames; the UDP payloads of the answers were
// read from an AF_PACKET socket. They are kept once, as seeds of the fuzzer:
// tests/fuzz/dhcp_corpus/dnsmasq-2.90-NAME.
std::vector<uint8_t> Captured(const std::string& name) {
  std::ifstream in(std::string(HOSTNIC_SOURCE_DIR) +
                       "/tests/fuzz/dhcp_corpus/dnsmasq-2.90-" + name,
                   std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                              std::istreambuf_iterator<char>());
}

const std::vector<uint8_t> kDnsmasqOffer = Captured("offer");
const std::vector<uint8_t> kDnsmasqAck = Captured("ack");
const std::vector<uint8_t> kDnsmasqNak = Captured("nak");

// `m` is a `type` answering kClientMac's `xid` that gives it 10.77.0.11
// from server 10.77.0.1.
void ExpectGivesTheClient(const Result<ServerMessage>& m, MessageType type,
                          uint32_t xid) {
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->type, type);
  EXPECT_EQ(m->xid, xid);
  EXPECT_EQ(m->chaddr, kClientMac);
  EXPECT_EQ(m->yiaddr, Ip("10.77.0.11"));
  EXPECT_EQ(m->server_id, Ip("10.77.0.1"));
}

// A client message of `type` from kClientMac.
ClientMessage FromClient(MessageType type) {
  ClientMessage m;
  m.type = type;
  m.chaddr = kClientMac;
  return m;
}

// The value of the first option `code` in an encoded message, or nullopt.
std::optional<std::vector<uint8_t>> FindOption(const std::vector<uint8_t>& m,
                                               uint8_t code) {
  for (size_t at = 240; at < m.size() && m[at] != 255;) {
    if (m[at] == 0) {
      ++at;
      continue;
    }
    if (m[at] == code) {
      return std::vector<uint8_t>(m.begin() + at + 2,
                                  m.begin() + at + 2 + m[at + 1]);
    }
    at += 2 + m[at + 1];
  }
  return std::nullopt;
}

TEST(DhcpIpv4Test, FormatsAndParsesDottedQuads) {
  EXPECT_EQ(Ipv4ToString(0xc0a80101), "192.168.1.1");
  EXPECT_EQ(Ipv4ToString(0), "0.0.0.0");
  EXPECT_EQ(Ipv4ToString(0xffffffff), "255.255.255.255");
  for (Ipv4 ip : {0u, 1u, 0x0a4d000bu, 0x7f000001u, 0xffffffffu}) {
    EXPECT_EQ(ParseIpv4(Ipv4ToString(ip)), ip);
  }
  EXPECT_EQ(ParseIpv4("10.77.0.11"), 0x0a4d000bu);
}

TEST(DhcpIpv4Test, RefusesAnythingButAStrictDottedQuad) {
  for (const char* bad :
       {"",           "1.2.3",     "1.2.3.4.5",  "256.1.1.1",
        "1.2.3.256",  "01.2.3.4",  "1.2.3.00",   " 1.2.3.4",
        "1.2.3.4 ",   "1..3.4",    "+1.2.3.4",   "-1.2.3.4",
        "1.2.3.4/24", "0x1.2.3.4", "1111.2.3.4", "1.2.3.",
        ".1.2.3",     "a.b.c.d",   "1.2.3.4\n",  "99999999999.1.1.1"}) {
    EXPECT_EQ(ParseIpv4(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(DhcpMessageTest, NamesMessageTypes) {
  EXPECT_STREQ(MessageTypeName(MessageType::kDiscover), "DISCOVER");
  EXPECT_STREQ(MessageTypeName(MessageType::kOffer), "OFFER");
  EXPECT_STREQ(MessageTypeName(MessageType::kRequest), "REQUEST");
  EXPECT_STREQ(MessageTypeName(MessageType::kDecline), "DECLINE");
  EXPECT_STREQ(MessageTypeName(MessageType::kAck), "ACK");
  EXPECT_STREQ(MessageTypeName(MessageType::kNak), "NAK");
  EXPECT_STREQ(MessageTypeName(MessageType::kRelease), "RELEASE");
  EXPECT_STREQ(MessageTypeName(MessageType::kInform), "INFORM");
  EXPECT_STREQ(MessageTypeName(static_cast<MessageType>(0)), "unknown");
}

TEST(DhcpMessageTest, EncodesADiscoverLikeARealClient) {
  ClientMessage discover = FromClient(MessageType::kDiscover);
  discover.xid = 0x1a2b3c4d;
  discover.secs = 3;
  discover.broadcast_flag = true;
  const std::vector<uint8_t> m = Encode(discover);

  ASSERT_EQ(m.size(), 300u);
  EXPECT_THAT(std::vector<uint8_t>(m.begin(), m.begin() + 12),
              ElementsAre(1, 1, 6, 0, 0x1a, 0x2b, 0x3c, 0x4d, 0, 3, 0x80, 0));
  EXPECT_THAT(std::vector<uint8_t>(m.begin() + 12, m.begin() + 28),
              ElementsAreArray(std::vector<uint8_t>(16, 0)));  // No addresses.
  EXPECT_THAT(std::vector<uint8_t>(m.begin() + 28, m.begin() + 44),
              ElementsAre(0x52, 0x54, 0x0e, 0x77, 0x00, 0x11, 0, 0, 0, 0, 0, 0,
                          0, 0, 0, 0));
  EXPECT_THAT(std::vector<uint8_t>(m.begin() + 236, m.begin() + 240),
              ElementsAre(99, 130, 83, 99));
  EXPECT_THAT(std::vector<uint8_t>(m.begin() + 240, m.begin() + 243),
              ElementsAre(53, 1, 1));  // Message type first.
  EXPECT_THAT(FindOption(m, 61), ::testing::Optional(ElementsAre(
                                     1, 0x52, 0x54, 0x0e, 0x77, 0x00, 0x11)));
  EXPECT_THAT(FindOption(m, 57), ::testing::Optional(ElementsAre(0x05, 0xdc)));
  EXPECT_THAT(FindOption(m, 55),
              ::testing::Optional(
                  ElementsAre(1, 3, 6, 15, 26, 51, 54, 58, 59, 119, 121)));
  EXPECT_EQ(FindOption(m, 50), std::nullopt);
  EXPECT_EQ(FindOption(m, 54), std::nullopt);
}

TEST(DhcpMessageTest, EncodesARequestWithRequestedAddressAndServer) {
  ClientMessage request = FromClient(MessageType::kRequest);
  request.requested_ip = Ip("10.77.0.11");
  request.server_id = Ip("10.77.0.1");
  const std::vector<uint8_t> m = Encode(request);

  EXPECT_EQ(m[10], 0);  // No broadcast flag.
  EXPECT_THAT(FindOption(m, 53), ::testing::Optional(ElementsAre(3)));
  EXPECT_THAT(FindOption(m, 50),
              ::testing::Optional(ElementsAre(10, 77, 0, 11)));
  EXPECT_THAT(FindOption(m, 54),
              ::testing::Optional(ElementsAre(10, 77, 0, 1)));
  EXPECT_TRUE(FindOption(m, 55).has_value());
}

TEST(DhcpMessageTest, EncodesAReleaseWithoutParameterRequests) {
  ClientMessage release = FromClient(MessageType::kRelease);
  release.ciaddr = Ip("10.77.0.11");
  release.server_id = Ip("10.77.0.1");
  const std::vector<uint8_t> m = Encode(release);

  EXPECT_EQ(m.size(), 300u);
  EXPECT_THAT(std::vector<uint8_t>(m.begin() + 12, m.begin() + 16),
              ElementsAre(10, 77, 0, 11));
  EXPECT_THAT(FindOption(m, 53), ::testing::Optional(ElementsAre(7)));
  EXPECT_TRUE(FindOption(m, 61).has_value());
  EXPECT_EQ(FindOption(m, 55), std::nullopt);
  EXPECT_EQ(FindOption(m, 57), std::nullopt);
  EXPECT_EQ(FindOption(m, 50), std::nullopt);
  EXPECT_THAT(FindOption(m, 54),
              ::testing::Optional(ElementsAre(10, 77, 0, 1)));
}

// What a server echoes (xid, chaddr) and what the client named (the server)
// survive Encode, a server's rewrite of op, type and yiaddr, and Decode.
TEST(DhcpMessageTest, RoundTripsTheFieldsAServerEchoes) {
  ClientMessage request = FromClient(MessageType::kRequest);
  request.xid = 0xdeadbeef;
  request.server_id = Ip("10.77.0.1");
  std::vector<uint8_t> m = Encode(request);
  ASSERT_EQ(m[240], 53);
  m[0] = 2;
  m[242] = static_cast<uint8_t>(MessageType::kAck);
  m[16] = 10, m[17] = 77, m[18] = 0, m[19] = 11;

  ExpectGivesTheClient(DecodeVector(m), MessageType::kAck, 0xdeadbeef);
}

TEST(DhcpMessageTest, DecodesDnsmasqOffer) {
  const Result<ServerMessage> offer = DecodeVector(kDnsmasqOffer);
  ASSERT_NO_FATAL_FAILURE(
      ExpectGivesTheClient(offer, MessageType::kOffer, 0x1a2b3c4d));
  EXPECT_EQ(offer->subnet_mask, Ip("255.255.255.0"));
  EXPECT_EQ(offer->router, Ip("10.77.0.1"));
  EXPECT_EQ(offer->mtu, 1400);
  EXPECT_EQ(offer->lease_time, 120u);
  EXPECT_EQ(offer->t1, 60u);
  EXPECT_EQ(offer->t2, 105u);
  ASSERT_TRUE(offer->classless_routes.has_value());
  EXPECT_THAT(*offer->classless_routes,
              ElementsAre(Route{"0.0.0.0/0", "10.77.0.1"},
                          Route{"10.0.0.0/8", "10.77.0.254"},
                          Route{"192.168.5.0/24", ""}));
  EXPECT_EQ(offer->message, "");
}

TEST(DhcpMessageTest, DecodesDnsmasqAck) {
  const Result<ServerMessage> ack = DecodeVector(kDnsmasqAck);
  ASSERT_NO_FATAL_FAILURE(
      ExpectGivesTheClient(ack, MessageType::kAck, 0x1a2b3c4d));
  EXPECT_EQ(ack->lease_time, 120u);
  ASSERT_TRUE(ack->classless_routes.has_value());
  EXPECT_EQ(ack->classless_routes->size(), 3u);
}

TEST(DhcpMessageTest, DecodesDnsmasqNak) {
  const Result<ServerMessage> nak = DecodeVector(kDnsmasqNak);
  ASSERT_TRUE(nak.ok()) << nak.status().message();
  EXPECT_EQ(nak->type, MessageType::kNak);
  EXPECT_EQ(nak->xid, 0x5e6f7081u);
  EXPECT_EQ(nak->chaddr, kClientMac);
  EXPECT_EQ(nak->yiaddr, 0u);
  EXPECT_EQ(nak->server_id, Ip("10.77.0.1"));
  EXPECT_EQ(nak->message, "address not available");
  EXPECT_EQ(nak->lease_time, std::nullopt);
  EXPECT_EQ(nak->classless_routes, std::nullopt);
}

TEST(DhcpMessageTest, IgnoresSnameFileUnknownOptionsPadsAndWhatFollowsEnd) {
  std::vector<uint8_t> m =
      Reply({0,   0,                         // Pads,
             53,  1,  2,  0,                 // an OFFER, a pad,
             54,  4,  10, 77, 0,    1,   0,  // from 10.77.0.1, a pad,
             43,  3,  1,  2,  3,             // vendor-specific,
             200, 0,                         // unassigned and empty,
             6,   4,  1,  2,  3,    4,       // DNS servers,
             255, 53, 1,  3,  0xde, 0xad});  // then the end and garbage.
  std::fill(m.begin() + 44, m.begin() + 236, 0xee);  // sname and file.
  const Result<ServerMessage> offer = DecodeVector(m);
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_EQ(offer->type, MessageType::kOffer);
  EXPECT_EQ(offer->server_id, Ip("10.77.0.1"));
  EXPECT_EQ(offer->classless_routes, std::nullopt);
}

TEST(DhcpMessageTest, AcceptsOptionsThatEndWithTheMessage) {
  EXPECT_TRUE(DecodeVector(Offer({})).ok());
  std::vector<uint8_t> longest = Offer({});
  longest.resize(kMaxMessageSize, 0);
  EXPECT_TRUE(DecodeVector(longest).ok());
}

TEST(DhcpMessageTest, DecodesEdgeValues) {
  const Result<ServerMessage> ack = DecodeVector(Reply(
      {53,  1,  5,   54,  4,   10,  77, 0,  1,       // An ACK from 10.77.0.1:
       1,   4,  255, 255, 255, 255,                  // a /32,
       3,   8,  10,  77,  0,   254, 10, 77, 0, 253,  // two routers,
       26,  2,  0,   68,                             // the least MTU,
       51,  4,  255, 255, 255, 255,                  // an infinite lease,
       121, 14, 32,  10,  1,   2,   3,  0,  0, 0,   0,  // an on-link host route
       0,   10, 77,  0,   254,                          // and a default route.
       255}));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->subnet_mask, 0xffffffffu);
  EXPECT_EQ(ack->router, Ip("10.77.0.254"));
  EXPECT_EQ(ack->mtu, 68);
  EXPECT_EQ(ack->lease_time, 0xffffffffu);
  EXPECT_THAT(
      *ack->classless_routes,
      ElementsAre(Route{"10.1.2.3/32", ""}, Route{"0.0.0.0/0", "10.77.0.254"}));
}

TEST(DhcpMessageTest, KeepsOnlyPrintableAsciiOfTheServerMessage) {
  const Result<ServerMessage> nak =
      DecodeVector(Reply({53, 1, 6, 56, 12, 'n', 'o', 0, '\n', 0x1b, '[', 'x',
                          0x7f, 0xc3, 0xa9, '!', ' ', 255}));
  ASSERT_TRUE(nak.ok()) << nak.status().message();
  EXPECT_EQ(nak->message, "no[x! ");
}

// The captured OFFER with `bytes` written at `offset`.
std::vector<uint8_t> Mutated(size_t offset,
                             std::initializer_list<uint8_t> bytes) {
  std::vector<uint8_t> m = kDnsmasqOffer;
  std::copy(bytes.begin(), bytes.end(), m.begin() + offset);
  return m;
}

std::vector<DecodeCase> Rejections() {
  std::vector<uint8_t> too_long = Offer({});
  too_long.resize(kMaxMessageSize + 1, 0);
  return {
      {"TooShort",
       std::vector<uint8_t>(kDnsmasqOffer.begin(), kDnsmasqOffer.begin() + 239),
       "DHCP message is 239 bytes, expected 240 to 1472"},
      {"TooLong", too_long, "DHCP message is 1473 bytes, expected 240 to 1472"},
      {"Request", Mutated(0, {1}),
       "DHCP message has op 1, expected 2 at offset 0"},
      {"NotEthernet", Mutated(1, {6}),
       "DHCP message has htype 6, expected 1 at offset 1"},
      {"LongHardwareAddress", Mutated(2, {16}),
       "DHCP message has hlen 16, expected 6 at offset 2"},
      {"NoMagicCookie", Mutated(239, {0}),
       "DHCP message has no magic cookie at offset 236"},
      {"NoMessageType", Reply({54, 4, 10, 77, 0, 1, 255}),
       "DHCP message has no message type (option 53)"},
      {"ClientMessageType", Reply({53, 1, 3, 255}),
       "DHCP message type REQUEST is a client's, not a server's, at offset "
       "240"},
      {"UnknownMessageType", Reply({53, 1, 9, 255}),
       "DHCP message type 9 is unknown at offset 240"},
      {"MessageTypeLength", Reply({53, 2, 2, 0, 255}),
       "DHCP option 53 (message type) has length 2, expected 1 at offset 240"},
      {"DuplicateMessageType", Reply({53, 1, 2, 53, 1, 2, 255}),
       "DHCP option 53 (message type) has length 2, expected 1 at offset 240"},
      {"TruncatedMessageType", Reply({54, 4, 10, 77, 0, 1, 53, 1}),
       "DHCP message has no message type (option 53)"},
      {"OfferWithoutAddress", Mutated(16, {0, 0, 0, 0}),
       "DHCP OFFER has no address (yiaddr is 0.0.0.0) at offset 16"},
      {"AckWithoutServerId", Reply({53, 1, 5, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP ACK has no server identifier (option 54)"},
      {"ServerIdLength", Reply({53, 1, 2, 54, 3, 10, 77, 0, 255}),
       "DHCP OFFER has no server identifier (option 54); DHCP option 54 "
       "(server identifier) has length 3, expected 4 at offset 243; ignored"},
      {"ZeroServerId", Reply({53, 1, 2, 54, 4, 0, 0, 0, 0, 255}),
       "DHCP OFFER has no server identifier (option 54); DHCP option 54 "
       "(server identifier) is 0.0.0.0 at offset 243; ignored"},
  };
}

class DecodeRejectsTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeRejectsTest, SaysWhatIsWrongAndWhere) {
  EXPECT_THAT(
      DecodeVector(GetParam().input),
      FailsWith(Code::kInvalidArgument, ::testing::StrEq(GetParam().says)));
}

INSTANTIATE_TEST_SUITE_P(DhcpHostile, DecodeRejectsTest,
                         ::testing::ValuesIn(Rejections()), ParamName());

}  // namespace
}  // namespace hostnic::dhcp
