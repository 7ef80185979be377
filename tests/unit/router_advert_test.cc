// The RA decoder reads a router's flags, lifetime, prefixes and MTU, ignores
// one bad option with a warning, and refuses what RFC 4861 discards whole;
// the solicitation and the SLAAC address are built as the RFCs say.
#include "dhcp6/router_advert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace hostnic::dhcp6 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const Mac kMac({0x52, 0x54, 0x0e, 0x66, 0x00, 0x11});

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The RA's fixed part: M and O flags, router lifetime 1800 s.
std::vector<uint8_t> Header(uint8_t flags = 0xc0, uint16_t lifetime = 1800) {
  return {134,
          0,
          0,
          0,
          64,
          flags,
          static_cast<uint8_t>(lifetime >> 8),
          static_cast<uint8_t>(lifetime),
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0};
}

// A prefix information option for 2001:db8:61::/len.
std::vector<uint8_t> Prefix(uint8_t len, uint8_t flags, uint32_t valid = 86400,
                            uint32_t preferred = 14400) {
  std::vector<uint8_t> o = {3, 4, len, flags};
  for (uint32_t v : {valid, preferred, 0u}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      o.push_back(static_cast<uint8_t>(v >> shift));
    }
  }
  const std::vector<uint8_t> prefix = {0x20, 0x01, 0x0d, 0xb8, 0, 0x61, 0, 0,
                                       0,    0,    0,    0,    0, 0,    0, 1};
  o.insert(o.end(), prefix.begin(), prefix.end());
  return o;
}

std::vector<uint8_t> Mtu(uint32_t mtu) {
  return {5,
          1,
          0,
          0,
          static_cast<uint8_t>(mtu >> 24),
          static_cast<uint8_t>(mtu >> 16),
          static_cast<uint8_t>(mtu >> 8),
          static_cast<uint8_t>(mtu)};
}

Result<RouterAdvert> Decode(const std::vector<uint8_t>& bytes) {
  return DecodeRouterAdvert(bytes.data(), bytes.size());
}

TEST(RouterAdvertTest, ReadsFlagsLifetimePrefixesAndMtu) {
  auto ra = Decode(Cat({Header(),
                        Prefix(64, 0xc0),
                        Mtu(1500),
                        {24, 1, 0, 0, 0, 0, 0, 0}}));  // A route: skipped.
  ASSERT_TRUE(ra.ok()) << ra.status().message();
  EXPECT_TRUE(ra->managed);
  EXPECT_TRUE(ra->other);
  EXPECT_EQ(ra->router_lifetime, 1800);
  EXPECT_EQ(ra->mtu, 1500u);
  ASSERT_EQ(ra->prefixes.size(), 1u);
  const RaPrefix& p = ra->prefixes[0];
  EXPECT_EQ(p.length, 64);
  EXPECT_TRUE(p.on_link);
  EXPECT_TRUE(p.autonomous);
  EXPECT_EQ(p.valid, 86400u);
  EXPECT_EQ(p.preferred, 14400u);
  EXPECT_EQ(Ipv6ToString(p.prefix), "2001:db8:61::");  // Host bits cleared.
  EXPECT_THAT(ra->warnings, IsEmpty());
}

TEST(RouterAdvertTest, IgnoresOneBadOptionWithAWarning) {
  auto ra = Decode(Cat({Header(0, 0), Prefix(64, 0x80, 100, 200),
                        Prefix(129, 0x40), Mtu(1000), Prefix(48, 0x80)}));
  ASSERT_TRUE(ra.ok()) << ra.status().message();
  EXPECT_FALSE(ra->managed);
  EXPECT_EQ(ra->router_lifetime, 0);  // Not a default router.
  EXPECT_EQ(ra->mtu, 0u);
  ASSERT_EQ(ra->prefixes.size(), 1u);
  EXPECT_EQ(ra->prefixes[0].length, 48);
  ASSERT_EQ(ra->warnings.size(), 3u);
  EXPECT_THAT(ra->warnings[0], HasSubstr("preferred lifetime over valid"));
  EXPECT_THAT(ra->warnings[1], HasSubstr("prefix length 129"));
  EXPECT_THAT(ra->warnings[2], HasSubstr("MTU 1000"));
  for (const std::string& w : ra->warnings)
    EXPECT_THAT(w, HasSubstr("; ignored"));
}

TEST(RouterAdvertTest, RefusesWhatTheRfcDiscardsWhole) {
  EXPECT_THAT(Decode({134, 0, 0}).status().message(), HasSubstr("3 bytes"));
  std::vector<uint8_t> rs = Header();
  rs[0] = 133;
  EXPECT_THAT(Decode(rs).status().message(),
              HasSubstr("not a router advertisement"));
  EXPECT_THAT(
      Decode(Cat({Header(), {3, 0, 0, 0, 0, 0, 0, 0}})).status().message(),
      HasSubstr("length 0 at offset 16"));
  EXPECT_THAT(Decode(Cat({Header(), {3, 4, 64, 0xc0}})).status().message(),
              HasSubstr("runs past the end at offset 16"));
  EXPECT_FALSE(Decode(std::vector<uint8_t>(kMaxRouterAdvertSize + 1)).ok());
}

TEST(RouterAdvertTest, KeepsAtMostSixteenPrefixes) {
  std::vector<uint8_t> ra = Header();
  for (int i = 0; i < 20; ++i) ra = Cat({ra, Prefix(64, 0xc0)});
  auto decoded = Decode(ra);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->prefixes.size(), kMaxRaPrefixes);
  EXPECT_EQ(decoded->warnings.size(), 4u);
}

TEST(RouterAdvertTest, SolicitCarriesTheMac) {
  EXPECT_THAT(EncodeRouterSolicit(kMac),
              ElementsAre(133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x52, 0x54, 0x0e,
                          0x66, 0x00, 0x11));
}

TEST(RouterAdvertTest, SlaacAddressIsThePrefixAndTheModifiedEui64) {
  auto ra = Decode(
      Cat({Header(), Prefix(64, 0xc0), Prefix(64, 0x80), Prefix(56, 0xc0)}));
  ASSERT_TRUE(ra.ok());
  auto address = SlaacAddress(ra->prefixes[0], kMac);
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(Ipv6ToString(*address), "2001:db8:61:0:5054:eff:fe66:11");
  EXPECT_TRUE(InPrefix(*address, ra->prefixes[0]));
  EXPECT_EQ(SlaacAddress(ra->prefixes[1], kMac), std::nullopt);  // Not A.
  EXPECT_EQ(SlaacAddress(ra->prefixes[2], kMac), std::nullopt);  // Not /64.
  Ipv6 other = *address;
  other[5] ^= 1;
  EXPECT_FALSE(InPrefix(other, ra->prefixes[0]));
}

}  // namespace
}  // namespace hostnic::dhcp6
