// The DHCP decoder read as leniently as real clients read servers: split
// options (RFC 3396), option overload (52), one malformed option ignored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dhcp/message.h"
#include "fakes/param_name.h"
#include "unit/dhcp_replies.h"

namespace hostnic::dhcp {
namespace {

using replies::DecodeVector;
using replies::Ip;
using replies::Offer;
using replies::Reply;
using ::testing::ElementsAre;

// An OFFER whose option `bad` does not decode: decoded all the same, the
// option ignored with `warning`, and `kept` holds for what follows it.
struct Ignored {
  const char* name;
  std::vector<uint8_t> message;
  const char* warning;
  std::function<bool(const ServerMessage&)> kept;
};

bool HasMtu1500(const ServerMessage& m) { return m.mtu == 1500; }
bool HasLease120(const ServerMessage& m) { return m.lease_time == 120u; }

std::vector<Ignored> IgnoredOptions() {
  return {
      {"LeaseTimeLength", Offer({51, 3, 0, 0, 120, 26, 2, 5, 220, 255}),
       "DHCP option 51 (lease time) has length 3, expected 4 at offset 249; "
       "ignored",
       [](const ServerMessage& m) { return HasMtu1500(m) && !m.lease_time; }},
      {"RenewalTimeLength", Offer({58, 2, 0, 60, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 58 (renewal time) has length 2, expected 4 at offset 249; "
       "ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.t1; }},
      {"RebindingTimeLength",
       Offer({59, 5, 0, 0, 0, 0, 1, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 59 (rebinding time) has length 5, expected 4 at offset "
       "249; ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.t2; }},
      {"MaskLength", Offer({1, 3, 255, 255, 0, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 1 (subnet mask) has length 3, expected 4 at offset 249; "
       "ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.subnet_mask; }},
      {"NonContiguousMask",
       Offer({1, 4, 255, 0, 255, 0, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 1 (subnet mask) 255.0.255.0 is not contiguous at offset "
       "249; ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.subnet_mask; }},
      {"RouterLength",
       Offer({3, 6, 10, 77, 0, 1, 0, 0, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 3 (router) has length 6, expected a multiple of 4 at "
       "offset 249; ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.router; }},
      {"EmptyRouter", Offer({3, 0, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 3 (router) has length 0, expected a multiple of 4 at "
       "offset 249; ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.router; }},
      {"MtuLength", Offer({26, 4, 0, 0, 5, 220, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 26 (interface MTU) has length 4, expected 2 at offset "
       "249; ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.mtu; }},
      {"TinyMtu", Offer({26, 2, 0, 67, 51, 4, 0, 0, 0, 120, 255}),
       "DHCP option 26 (interface MTU) is 67, below 68 at offset 249; ignored",
       [](const ServerMessage& m) { return HasLease120(m) && !m.mtu; }},
      {"ShortRoutes", Offer({121, 4, 0, 10, 77, 0, 26, 2, 5, 220, 255}),
       "DHCP option 121 (classless static routes) has length 4, expected at "
       "least 5 at offset 249; ignored",
       [](const ServerMessage& m) {
         return HasMtu1500(m) && !m.classless_routes;
       }},
      {"RoutePrefixOver32",
       Offer({121, 10, 33, 10, 0, 0, 0, 0, 10, 77, 0, 1, 26, 2, 5, 220, 255}),
       "DHCP option 121 (classless static routes) has a route with prefix "
       "length 33, over 32, at byte 0 of the option at offset 249; ignored",
       [](const ServerMessage& m) {
         return HasMtu1500(m) && !m.classless_routes;
       }},
      {"RouteBitsBeyondPrefix",
       Offer(
           {121, 11, 0, 10, 77, 0, 1, 7, 11, 10, 77, 0, 1, 26, 2, 5, 220, 255}),
       "DHCP option 121 (classless static routes) has destination 11.0.0.0 "
       "with bits beyond its prefix length 7 at byte 5 of the option at "
       "offset 249; ignored",
       [](const ServerMessage& m) {
         return HasMtu1500(m) && !m.classless_routes;
       }},
      {"TruncatedRoute",
       Offer({121, 7, 24, 192, 168, 5, 10, 77, 0, 26, 2, 5, 220, 255}),
       "DHCP option 121 (classless static routes) has a truncated route "
       "(prefix length 24) at byte 0 of the option at offset 249; ignored",
       [](const ServerMessage& m) {
         return HasMtu1500(m) && !m.classless_routes;
       }},
      {"OptionPastTheEnd", Offer({26, 2, 5, 220, 51, 4, 0, 0}),
       "DHCP option 51 (lease time) has length 4, which runs past the end of "
       "the message, at offset 253; ignored it and what follows",
       [](const ServerMessage& m) { return HasMtu1500(m) && !m.lease_time; }},
      {"NoLengthByte", Offer({26, 2, 5, 220, 200}),
       "DHCP option 200 has no length byte at offset 253; ignored", HasMtu1500},
      {"OverloadLength", Offer({52, 2, 1, 1, 26, 2, 5, 220, 255}),
       "DHCP option 52 (option overload) has length 2, expected 1 at offset "
       "249; ignored",
       HasMtu1500},
      {"OverloadValue", Offer({52, 1, 4, 26, 2, 5, 220, 255}),
       "DHCP option 52 (option overload) is 4, expected 1, 2 or 3 at offset "
       "249; ignored",
       HasMtu1500},
  };
}

class DecodeIgnoresTest : public ::testing::TestWithParam<Ignored> {};

TEST_P(DecodeIgnoresTest, DecodesTheRestAndSaysWhatWasIgnored) {
  const Result<ServerMessage> offer = DecodeVector(GetParam().message);
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_EQ(offer->type, MessageType::kOffer);
  EXPECT_EQ(offer->server_id, Ip("10.77.0.1"));
  EXPECT_THAT(offer->warnings, ElementsAre(GetParam().warning));
  EXPECT_TRUE(GetParam().kept(*offer));
}

INSTANTIATE_TEST_SUITE_P(DhcpLenient, DecodeIgnoresTest,
                         ::testing::ValuesIn(IgnoredOptions()), ParamName());

// RFC 3396: a long option 121 split over instances, with others between
// and a route cut in the middle, reads as the concatenation.
TEST(DhcpMessageTest, ConcatenatesSplitOptions) {
  const Result<ServerMessage> ack = DecodeVector(
      Reply({121, 3, 0,  10,  77,              // 0.0.0.0/0 via 10.77.0.1,
             53,  1, 5,                        // (an ACK)
             121, 6, 0,  1,   8,  10, 10, 77,  // 10.0.0.0/8 via 10.77.0.254,
             54,  4, 10, 77,  0,  1,           // (from 10.77.0.1)
             121, 2, 0,  254,                  //
             3,   4, 10, 77,  0,  1,           // (routers, split too)
             3,   4, 10, 77,  0,  2,           //
             200, 1, 7,  200, 0,               // (an unknown one, twice)
             51,  2, 0,  0,   51, 2,  0,  120, 255}));  // (lease 120 s, split)
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_TRUE(ack->warnings.empty());
  EXPECT_EQ(ack->type, MessageType::kAck);
  EXPECT_EQ(ack->router, Ip("10.77.0.1"));
  EXPECT_EQ(ack->lease_time, 120u);
  ASSERT_TRUE(ack->classless_routes.has_value());
  EXPECT_THAT(*ack->classless_routes,
              ElementsAre(Route{"0.0.0.0/0", "10.77.0.1"},
                          Route{"10.0.0.0/8", "10.77.0.254"}));
}

// Reply() with `file` written into the file field (offset 108) and `sname`
// into sname (offset 44).
std::vector<uint8_t> WithFields(std::vector<uint8_t> m,
                                std::initializer_list<uint8_t> file,
                                std::initializer_list<uint8_t> sname) {
  std::copy(file.begin(), file.end(), m.begin() + 108);
  std::copy(sname.begin(), sname.end(), m.begin() + 44);
  return m;
}

TEST(DhcpMessageTest, ReadsOptionsFromFileThenSnameWhenOverloaded) {
  // Option 56 split over the three areas shows the order: options, file,
  // sname (RFC 3396 7).
  const std::vector<uint8_t> both = WithFields(
      Offer({52, 1, 3, 56, 1, 'a', 255}),
      {56, 1, 'b', 26, 2, 5, 220, 255, 56, 1, 'x'}, {0, 56, 1, 'c', 255});
  Result<ServerMessage> offer = DecodeVector(both);
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_EQ(offer->message, "abc");
  EXPECT_EQ(offer->mtu, 1500);
  EXPECT_TRUE(offer->warnings.empty());

  offer = DecodeVector(WithFields(Offer({52, 1, 1, 255}),
                                  {51, 4, 0, 0, 0, 120, 255}, {26, 2, 5, 220}));
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_EQ(offer->lease_time, 120u);
  EXPECT_EQ(offer->mtu, std::nullopt);  // sname not overloaded.

  offer = DecodeVector(WithFields(Offer({52, 1, 2, 255}),
                                  {51, 4, 0, 0, 0, 120, 255}, {26, 2, 5, 220}));
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_EQ(offer->lease_time, std::nullopt);  // file not overloaded.
  EXPECT_EQ(offer->mtu, 1500);  // sname's options end with the field.
}

TEST(DhcpMessageTest, FindsTheServerIdentifierInAnOverloadedFile) {
  const Result<ServerMessage> ack = DecodeVector(
      WithFields(Reply({53, 1, 5, 52, 1, 1, 51, 4, 0, 0, 0, 120, 255}),
                 {54, 4, 10, 77, 0, 1}, {}));
  ASSERT_TRUE(ack.ok()) << ack.status().message();
  EXPECT_EQ(ack->server_id, Ip("10.77.0.1"));
}

TEST(DhcpMessageTest, HonoursOverloadOnlyFromTheOptionsField) {
  const Result<ServerMessage> offer = DecodeVector(WithFields(
      Offer({52, 1, 1, 255}), {52, 1, 2, 255}, {26, 2, 5, 220, 255}));
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_EQ(offer->mtu, std::nullopt);
}

TEST(DhcpMessageTest, WarnsAboutATruncatedOptionInAnOverloadedField) {
  const Result<ServerMessage> offer =
      DecodeVector(WithFields(Offer({52, 1, 2, 255}), {}, {0, 0, 56, 80, 'x'}));
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_THAT(offer->warnings,
              ElementsAre("DHCP option 56 (message) has length 80, which runs "
                          "past the end of the sname field, at offset 46; "
                          "ignored it and what follows"));
  EXPECT_EQ(offer->message, "");
}

TEST(DhcpMessageTest, KeepsAtMost255CharactersOfASplitServerMessage) {
  std::vector<uint8_t> m = Reply({53, 1, 6});
  for (int part = 0; part < 2; ++part) {
    m.push_back(56);
    m.push_back(200);
    m.insert(m.end(), 200, 'n');
  }
  m.push_back(255);
  const Result<ServerMessage> nak = DecodeVector(m);
  ASSERT_TRUE(nak.ok()) << nak.status().message();
  EXPECT_EQ(nak->message, std::string(255, 'n'));
}

TEST(DhcpMessageTest, WarnsOncePerBadOption) {
  const Result<ServerMessage> offer =
      DecodeVector(Offer({26, 1, 0, 1, 1, 0, 26, 1, 0, 1, 1, 0, 255}));
  ASSERT_TRUE(offer.ok()) << offer.status().message();
  EXPECT_THAT(offer->warnings,
              ElementsAre("DHCP option 1 (subnet mask) has length 2, expected "
                          "4 at offset 252; ignored",
                          "DHCP option 26 (interface MTU) is 0, below 68 at "
                          "offset 249; ignored"));
}

}  // namespace
}  // namespace hostnic::dhcp
