#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "dhcp6/message.h"
#include "fakes/param_name.h"
#include "fakes/status_matchers.h"
#include "unit/decode_case.h"
#include "unit/dhcp6_replies.h"

// In the helpers' namespace: the hand-built messages need no qualifying.
namespace hostnic::dhcp6::replies6 {
namespace {

using ::testing::ElementsAre;

TEST(Dhcp6MessageTest, DerivesDuidLlAndIaidFromTheMac) {
  EXPECT_THAT(DuidFromMac(kMac),
              ElementsAre(0, 3, 0, 1, 0x52, 0x54, 0x0e, 0x66, 0x00, 0x11));
  EXPECT_EQ(IaidFromMac(kMac), 0x0e660011u);
  EXPECT_EQ(HexOf(DuidFromMac(kMac)), "0003000152540e660011");
  EXPECT_EQ(ParseHex("0003000152540e660011"), DuidFromMac(kMac));
  EXPECT_EQ(ParseHex("0g"), std::nullopt);
  EXPECT_EQ(ParseHex("abc"), std::nullopt);
}

TEST(Dhcp6MessageTest, EncodesASolicitWithRapidCommit) {
  ClientMessage solicit;
  solicit.type = MessageType::kSolicit;
  solicit.xid = 0xabcdef;
  solicit.mac = kMac;
  solicit.elapsed_centiseconds = 150;
  solicit.rapid_commit = true;
  const std::vector<uint8_t> expected =
      Cat({{1, 0xab, 0xcd, 0xef},
           Option(1, DuidFromMac(kMac)),
           Option(8, {0, 150}),
           Option(3, Cat({Be32(0x0e660011), Be32(0), Be32(0)})),
           Option(6, {0, 23, 0, 24, 0, 82}),
           Option(14, {})});
  EXPECT_EQ(Encode(solicit), expected);
}

TEST(Dhcp6MessageTest, EncodesARequestForTheAdvertisedAddress) {
  ClientMessage request;
  request.type = MessageType::kRequest;
  request.xid = 0x010203;
  request.mac = kMac;
  request.server_id = kServerDuid;
  request.address = Ip("2001:db8:66::11");
  request.rapid_commit = true;  // Only a SOLICIT carries it.
  const std::vector<uint8_t> expected =
      Cat({{3, 1, 2, 3},
           Option(1, DuidFromMac(kMac)),
           Option(2, kServerDuid),
           Option(8, {0, 0}),
           Option(3, Cat({Be32(0x0e660011), Be32(0), Be32(0),
                          Option(5, IaAddr("2001:db8:66::11", 0, 0))})),
           Option(6, {0, 23, 0, 24, 0, 82})});
  EXPECT_EQ(Encode(request), expected);
}

TEST(Dhcp6MessageTest, EncodesAReleaseWithoutAnOptionRequest) {
  ClientMessage release;
  release.type = MessageType::kRelease;
  release.mac = kMac;
  release.server_id = kServerDuid;
  release.address = Ip("2001:db8:66::11");
  const std::vector<uint8_t> m = Encode(release);
  EXPECT_EQ(m[0], 8);
  const std::vector<uint8_t> oro = Option(6, {0, 23, 0, 24, 0, 82});
  EXPECT_EQ(std::search(m.begin(), m.end(), oro.begin(), oro.end()), m.end());
}

TEST(Dhcp6MessageTest, DecodesAnAdvertise) {
  const Result<ServerMessage> advertise = DecodeVector(FromServer(
      2, Cat({Option(7, {255}),
              Option(3, Ia(Option(5, IaAddr("2001:db8:66::11", 300, 600)))),
              Option(23, Bytes(Ip("2001:db8::53")))})));
  ASSERT_TRUE(advertise.ok()) << advertise.status().message();
  EXPECT_EQ(advertise->type, MessageType::kAdvertise);
  EXPECT_EQ(advertise->xid, 0x123456u);
  EXPECT_EQ(advertise->client_id, DuidFromMac(kMac));
  EXPECT_EQ(advertise->server_id, kServerDuid);
  EXPECT_EQ(advertise->preference, 255);
  EXPECT_FALSE(advertise->rapid_commit);
  ASSERT_EQ(advertise->ia_nas.size(), 1u);
  const IaNa& ia = advertise->ia_nas[0];
  EXPECT_EQ(ia.iaid, IaidFromMac(kMac));
  EXPECT_EQ(ia.t1, 1000u);
  EXPECT_EQ(ia.t2, 1600u);
  EXPECT_EQ(ia.status, StatusCode::kSuccess);
  EXPECT_THAT(ia.addresses,
              ElementsAre(IaAddress{Ip("2001:db8:66::11"), 300, 600}));
  EXPECT_THAT(advertise->dns_servers, ElementsAre(Ip("2001:db8::53")));
  EXPECT_TRUE(advertise->warnings.empty());
}

TEST(Dhcp6MessageTest, KeepsTheFirstEightDnsServers) {
  std::vector<uint8_t> servers;
  for (int i = 1; i <= 20; ++i) {
    const std::string text = "2001:db8::" + std::to_string(i);
    const std::vector<uint8_t> server = Bytes(Ip(text.c_str()));
    servers.insert(servers.end(), server.begin(), server.end());
  }
  const Result<ServerMessage> advertise =
      DecodeVector(FromServer(2, Option(23, servers)));
  ASSERT_TRUE(advertise.ok()) << advertise.status().message();
  ASSERT_EQ(advertise->dns_servers.size(), 8u);
  EXPECT_EQ(advertise->dns_servers.front(), Ip("2001:db8::1"));
  EXPECT_EQ(advertise->dns_servers.back(), Ip("2001:db8::8"));
  EXPECT_THAT(advertise->warnings, ::testing::IsEmpty());
}

TEST(Dhcp6MessageTest, DecodesARapidCommitReplyAndStatusCodes) {
  const Result<ServerMessage> reply = DecodeVector(FromServer(
      7, Cat({Option(14, {}), Option(13, {0, 0, 'o', 'k', 0x07}),
              Option(3, Ia(Option(13, {0, 2, 'n', 'o', 'n', 'e'})))})));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->type, MessageType::kReply);
  EXPECT_TRUE(reply->rapid_commit);
  EXPECT_EQ(reply->status, StatusCode::kSuccess);
  EXPECT_EQ(reply->status_message, "ok");
  ASSERT_EQ(reply->ia_nas.size(), 1u);
  EXPECT_EQ(reply->ia_nas[0].status, StatusCode::kNoAddrsAvail);
  EXPECT_EQ(reply->ia_nas[0].status_message, "none");
  EXPECT_TRUE(reply->ia_nas[0].addresses.empty());
}

std::vector<DecodeCase> IgnoredOptions() {
  // Offsets: the header (4), client id (4 + 10), server id (4 + 14), so the
  // first of `rest` is at 36; an IA_NA's first inner option at 52, an IA
  // address's first inner option at 80.
  return {
      {"PreferenceLength", FromServer(2, Option(7, {1, 2})),
       "DHCPv6 option 7 (preference) has length 2, expected 1 at offset 36; "
       "ignored"},
      {"RapidCommitLength", FromServer(7, Option(14, {1})),
       "DHCPv6 option 14 (rapid commit) has length 1, expected 0 at offset "
       "36; ignored"},
      {"DnsLength", FromServer(7, Option(23, {1, 2, 3})),
       "DHCPv6 option 23 (DNS servers) has length 3, expected a multiple of "
       "16 at offset 36; ignored"},
      {"ShortIaNa", FromServer(7, Option(3, {0, 0, 0, 1})),
       "DHCPv6 option 3 (IA_NA) has length 4, expected at least 12 at offset "
       "36; ignored"},
      {"IaNaT1OverT2",
       FromServer(7, Option(3, Cat({Be32(1), Be32(900), Be32(800)}))),
       "DHCPv6 option 3 (IA_NA) has T1 900 over T2 800 at offset 36; "
       "ignored"},
      {"ShortIaAddress", FromServer(7, Option(3, Ia(Option(5, {1, 2})))),
       "DHCPv6 option 5 (IA address) has length 2, expected at least 24 at "
       "offset 52; ignored"},
      {"ZeroValidLifetime",
       FromServer(7, Option(3, Ia(Option(5, IaAddr("2001:db8::1", 0, 0))))),
       "DHCPv6 option 5 (IA address) 2001:db8::1 has preferred lifetime 0 "
       "and valid lifetime 0 at offset 52; ignored"},
      {"PreferredOverValid",
       FromServer(7, Option(3, Ia(Option(5, IaAddr("2001:db8::1", 700, 600))))),
       "DHCPv6 option 5 (IA address) 2001:db8::1 has preferred lifetime 700 "
       "and valid lifetime 600 at offset 52; ignored"},
      {"LinkLocalAddress",
       FromServer(7, Option(3, Ia(Option(5, IaAddr("fe80::1", 1, 2))))),
       "DHCPv6 option 5 (IA address) fe80::1 is not a global unicast address "
       "at offset 52; ignored"},
      {"MulticastAddress",
       FromServer(7, Option(3, Ia(Option(5, IaAddr("ff02::1", 1, 2))))),
       "DHCPv6 option 5 (IA address) ff02::1 is not a global unicast address "
       "at offset 52; ignored"},
      {"AddressWithFailureStatus",
       FromServer(7, Option(3, Ia(Option(5, IaAddr("2001:db8::1", 1, 2,
                                                   Option(13, {0, 4})))))),
       "DHCPv6 option 5 (IA address) 2001:db8::1 has status 4 () at offset "
       "52; ignored"},
      {"TruncatedTail", FromServer(7, {0, 23, 0, 32, 1, 2}),
       "DHCPv6 option 23 (DNS servers) has length 32, which runs past the end "
       "of its list, at offset 36; ignored it and what follows"},
      {"StrayBytes", FromServer(7, {0, 1}),
       "DHCPv6 option list has 2 stray bytes at offset 36; ignored"},
      {"ShortStatus", FromServer(7, Option(13, {1})),
       "DHCPv6 option 13 (status code) has length 1, expected at least 2 at "
       "offset 36; ignored"},
      // DHCPv6 allows no compression (RFC 8415 10).
      {"DomainListPointer",
       FromServer(7, Option(24, {1, 'a', 0, 1, 'b', 0xc0, 0})),
       "DHCPv6 option 24 (domain search list) has a compression pointer, "
       "which it may not carry, at byte 5 of the option at offset 36; "
       "ignored"},
      {"DomainListTruncated", FromServer(7, Option(24, {3, 'a', 'b'})),
       "DHCPv6 option 24 (domain search list) has a truncated label at byte 0 "
       "of the option at offset 36; ignored"},
      {"DomainListSpace", FromServer(7, Option(24, {3, 'a', ' ', 'b', 0})),
       "DHCPv6 option 24 (domain search list) has character 32 in a name, not "
       "a letter, digit, '-' or '_', at byte 2 of the option at offset 36; "
       "ignored"},
  };
}

class Dhcp6IgnoresTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(Dhcp6IgnoresTest, DecodesTheRestAndSaysWhatWasIgnored) {
  const Result<ServerMessage> m = DecodeVector(GetParam().input);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->server_id, kServerDuid);
  EXPECT_THAT(m->warnings, ElementsAre(GetParam().says));
  for (const IaNa& ia : m->ia_nas) EXPECT_TRUE(ia.addresses.empty());
}

INSTANTIATE_TEST_SUITE_P(Dhcp6Lenient, Dhcp6IgnoresTest,
                         ::testing::ValuesIn(IgnoredOptions()), ParamName());

std::vector<DecodeCase> Rejections() {
  std::vector<uint8_t> too_long = FromServer(7, {});
  too_long.resize(kMaxMessageSize + 1, 0);
  return {
      {"TooShort", {7, 0, 0}, "DHCPv6 message is 3 bytes, expected 4 to 1452"},
      {"TooLong", too_long, "DHCPv6 message is 1453 bytes, expected 4 to 1452"},
      {"ClientType", FromServer(1, {}),
       "DHCPv6 message type SOLICIT is not an ADVERTISE or REPLY at offset 0"},
      {"Reconfigure", FromServer(10, {}),
       "DHCPv6 message type RECONFIGURE is not an ADVERTISE or REPLY at "
       "offset 0"},
      {"UnknownType", FromServer(99, {}),
       "DHCPv6 message type 99 is not an ADVERTISE or REPLY at offset 0"},
      {"NoServerId", FromServer(7, {}, false),
       "DHCPv6 REPLY has no server identifier (option 2)"},
      {"EmptyServerId", FromServer(2, Option(2, {}), false),
       "DHCPv6 option 2 (server identifier) has length 0, expected 1 to 130 "
       "at offset 18"},
      {"LongServerId",
       FromServer(2, Option(2, std::vector<uint8_t>(131, 1)), false),
       "DHCPv6 option 2 (server identifier) has length 131, expected 1 to "
       "130 at offset 18"},
      {"TwoServerIds", FromServer(2, Option(2, {1})),
       "DHCPv6 option 2 (server identifier) appears twice at offset 36"},
  };
}

class Dhcp6RejectsTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(Dhcp6RejectsTest, SaysWhatIsWrongAndWhere) {
  EXPECT_THAT(
      DecodeVector(GetParam().input),
      FailsWith(Code::kInvalidArgument, ::testing::StrEq(GetParam().says)));
}

INSTANTIATE_TEST_SUITE_P(Dhcp6Hostile, Dhcp6RejectsTest,
                         ::testing::ValuesIn(Rejections()), ParamName());

}  // namespace
}  // namespace hostnic::dhcp6::replies6
