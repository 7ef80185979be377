// NicSpec and the endpoint's choice of NIC, parsed once where they enter.
#include "hostnic/nic_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "driver/network_config.h"

namespace hostnic {
namespace {

using ::testing::HasSubstr;

Link L(const std::string& name, const std::string& mac) {
  Link link;
  link.name = name;
  link.mac = *Mac::Parse(mac);
  return link;
}

// `text` parses to a spec of a MAC (`mac`) or a name, printed as
// `canonical`, that matches `match` and not `miss`.
void ExpectParsed(const char* text, bool mac, const char* canonical,
                  const Link& match, const Link& miss) {
  Result<NicSpec> spec = NicSpec::Parse(text);
  ASSERT_TRUE(spec.ok()) << text;
  EXPECT_EQ(static_cast<bool>(spec->mac()), mac) << text;
  EXPECT_EQ(spec->ToString(), canonical);
  EXPECT_TRUE(spec->Matches(match)) << text;
  EXPECT_FALSE(spec->Matches(miss)) << text;
}

TEST(NicSpec, AMacInAnyFormMatchesByMacOnly) {
  ExpectParsed("52-54-0E-E5-00-F7", true, "52:54:0e:e5:00:f7",
               L("eth9", "52:54:0e:e5:00:f7"),
               L("52:54:0e:e5:00:f7", "52:54:0e:e5:00:f8"));
  EXPECT_EQ(*NicSpec::Parse("52-54-0E-E5-00-F7"),
            NicSpec::OfMac(*Mac::Parse("52:54:0e:e5:00:f7")));
}

TEST(NicSpec, ANameMatchesByNameOnly) {
  ExpectParsed("eth2", false, "eth2", L("eth2", "52:54:0e:e5:00:f7"),
               L("eth3", "52:54:0e:e5:00:f7"));
}

TEST(NicSpec, WhatIsNeitherIsRefusedQuotingIt) {
  for (const char* bad : {"", "eth/2", "eth 2", "eth2:0", "a23456789012345x",
                          ".", "..", "52:54:0e:e5:00"}) {
    Result<NicSpec> spec = NicSpec::Parse(bad);
    ASSERT_FALSE(spec.ok()) << bad;
    EXPECT_EQ(spec.status().code(), Code::kInvalidArgument);
    EXPECT_THAT(spec.status().message(),
                HasSubstr("'" + std::string(bad) +
                          "' is neither a MAC address nor an interface name"));
  }
  EXPECT_TRUE(NicSpec::Parse("a23456789012345").ok());  // IFNAMSIZ - 1.
}

CreateEndpointRequest Request(const std::string& mac,
                              std::map<std::string, std::string> options) {
  CreateEndpointRequest r;
  r.mac = mac;
  r.options = std::move(options);
  return r;
}

TEST(WantedNic, FromMacAddressOrTheEndpointOption) {
  auto none = ParseWantedNic(Request("", {{"com.docker.x", "y"}}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);

  auto by_mac = ParseWantedNic(Request("52:54:0E:E5:00:F7", {}));
  ASSERT_TRUE(by_mac.ok());
  EXPECT_EQ((*by_mac)->ToString(), "52:54:0e:e5:00:f7");

  auto by_name = ParseWantedNic(Request("", {{"hostnic.nic", "eth3"}}));
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ((*by_name)->ToString(), "eth3");

  auto both = ParseWantedNic(
      Request("52:54:0e:e5:00:f7", {{"hostnic.nic", "52-54-0E-E5-00-F7"}}));
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)->ToString(), "52:54:0e:e5:00:f7");
}

TEST(WantedNic, BadInputIsRefusedSayingWhy) {
  EXPECT_THAT(ParseWantedNic(Request("52:54", {})).status().message(),
              HasSubstr("'52:54' is not a MAC address"));
  EXPECT_THAT(ParseWantedNic(Request("", {{"hostnic.nicc", "eth3"}}))
                  .status()
                  .message(),
              HasSubstr("unknown endpoint option 'hostnic.nicc'"));
  EXPECT_THAT(ParseWantedNic(Request("", {{"hostnic.nic", "eth/3"}}))
                  .status()
                  .message(),
              HasSubstr("hostnic.nic: 'eth/3' is neither"));
  EXPECT_THAT(
      ParseWantedNic(Request("52:54:0e:e5:00:f7", {{"hostnic.nic", "eth3"}}))
          .status()
          .message(),
      HasSubstr("hostnic.nic=eth3 contradicts --mac-address "
                "52:54:0e:e5:00:f7"));
}

}  // namespace
}  // namespace hostnic
