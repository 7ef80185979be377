// The DNS a DHCP server gives (options 6, 15 and 119, RFC 2132 and 3397):
// decoded in the one DHCP decoder, split options joined (RFC 3396), names
// checked and bounded, a malformed one ignored with a warning, and carried
// into the lease.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dhcp/client.h"
#include "dhcp/message.h"
#include "fakes/param_name.h"
#include "unit/decode_case.h"
#include "unit/dhcp_replies.h"

namespace hostnic::dhcp {
namespace {

using replies::DecodeVector;
using replies::Ip;
using replies::Offer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// "corp.example", "example" (a pointer into the first name) and
// "eu.corp.example" (a label, then a pointer to the first name): 21 bytes.
const std::vector<uint8_t> kSearch = {4,    'c', 'o', 'r', 'p', 7,    'e',
                                      'x',  'a', 'm', 'p', 'l', 'e',  0,
                                      0xc0, 5,   2,   'e', 'u', 0xc0, 0};

std::vector<uint8_t> With(std::vector<uint8_t> message,
                          const std::vector<uint8_t>& options) {
  message.insert(message.end(), options.begin(), options.end());
  return message;
}

std::vector<uint8_t> Option(uint8_t code, const std::vector<uint8_t>& value) {
  std::vector<uint8_t> option = {code, static_cast<uint8_t>(value.size())};
  option.insert(option.end(), value.begin(), value.end());
  return option;
}

TEST(DhcpDnsTest, ReadsServersDomainAndCompressedSearchList) {
  std::vector<uint8_t> options = {6, 8, 10, 77, 0, 2, 10, 77, 0, 3};
  const std::string domain = "Corp.Example";
  options.push_back(15);
  options.push_back(static_cast<uint8_t>(domain.size()));
  options.insert(options.end(), domain.begin(), domain.end());
  options = With(options, Option(119, kSearch));
  options.push_back(255);
  Result<ServerMessage> m = DecodeVector(With(Offer({}), options));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_THAT(m->dns_servers, ElementsAre(Ip("10.77.0.2"), Ip("10.77.0.3")));
  EXPECT_EQ(m->domain_name, "corp.example");  // Lower case.
  EXPECT_THAT(m->search_domains,
              ElementsAre("corp.example", "example", "eu.corp.example"));
  EXPECT_THAT(m->warnings, IsEmpty());
}

TEST(DhcpDnsTest, JoinsSplitInstancesAndPointersCountInTheJoinedValue) {
  // Option 119 in three pieces, split inside a label and inside a pointer;
  // option 6 in two.
  const std::vector<uint8_t> first(kSearch.begin(), kSearch.begin() + 3);
  const std::vector<uint8_t> second(kSearch.begin() + 3, kSearch.begin() + 15);
  const std::vector<uint8_t> third(kSearch.begin() + 15, kSearch.end());
  std::vector<uint8_t> options = Option(119, first);
  options = With(options, Option(6, {10, 77, 0, 2}));
  options = With(options, Option(119, second));
  options = With(options, Option(6, {10, 77, 0, 3}));
  options = With(options, Option(119, third));
  options.push_back(255);
  Result<ServerMessage> m = DecodeVector(With(Offer({}), options));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_THAT(m->dns_servers, ElementsAre(Ip("10.77.0.2"), Ip("10.77.0.3")));
  EXPECT_THAT(m->search_domains,
              ElementsAre("corp.example", "example", "eu.corp.example"));
}

TEST(DhcpDnsTest, TakesADomainNameEndedByNulOrDotAndBoundsTheLists) {
  std::vector<uint8_t> servers;
  for (uint8_t i = 1; i <= 12; ++i) {
    servers.insert(servers.end(), {10, 77, 0, i});
  }
  const std::vector<uint8_t> domain = {'e', 'x', '.', 'o', 'r', 'g', '.', 0};
  std::vector<uint8_t> options = With(Option(6, servers), Option(15, domain));
  options.push_back(255);
  Result<ServerMessage> m = DecodeVector(With(Offer({}), options));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->dns_servers.size(), 8u);  // The first 8.
  EXPECT_EQ(m->dns_servers.back(), Ip("10.77.0.8"));
  EXPECT_EQ(m->domain_name, "ex.org");
}

std::vector<DecodeCase> MalformedOptions() {
  return {
      {"ServersLength", Option(6, {10, 77, 0, 2, 10, 77}),
       "DHCP option 6 (domain name servers) has length 6, expected a "
       "multiple of 4"},
      {"DomainWithNewline", Option(15, {'a', '\n', 'b'}),
       "DHCP option 15 (domain name) has character 10, not a letter, digit, "
       "'-' or '_', at byte 1"},
      {"DomainEmptyLabel", Option(15, {'a', '.', '.', 'b'}),
       "DHCP option 15 (domain name) has an empty label at byte 2"},
      {"SearchForwardPointer", Option(119, {1, 'a', 0xc0, 6, 0, 0, 1, 'b', 0}),
       "DHCP option 119 (domain search) has a pointer to byte 6, not to an "
       "earlier name, at byte 2"},
      {"SearchPointerLoop", Option(119, {1, 'a', 0xc0, 0}),
       "a pointer to byte 0, not to an earlier name, at byte 2"},
      {"SearchPointerIntoItsOwnName", Option(119, {1, 'a', 0, 1, 'b', 0xc0, 3}),
       "a pointer to byte 3, not to an earlier name, at byte 5"},
      {"SearchTruncatedLabel", Option(119, {5, 'a', 'b'}),
       "DHCP option 119 (domain search) has a truncated label at byte 0"},
      {"SearchNoEnd", Option(119, {1, 'a'}),
       "DHCP option 119 (domain search) has a truncated name at byte 0"},
      {"SearchTruncatedPointer", Option(119, {1, 'a', 0xc0}),
       "has a truncated pointer at byte 2"},
      {"SearchLabelType", Option(119, {0x41, 'a', 0}),
       "has a label of unknown type 1 at byte 0"},
      {"SearchSpace", Option(119, {3, 'a', ' ', 'b', 0}),
       "has character 32 in a name, not a letter, digit, '-' or '_', at byte "
       "2"},
  };
}

class DhcpDnsMalformedTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DhcpDnsMalformedTest, IsIgnoredWithAWarningAndTheRestKept) {
  std::vector<uint8_t> options = GetParam().input;
  options.insert(options.end(), {26, 2, 5, 220, 255});
  Result<ServerMessage> m = DecodeVector(With(Offer({}), options));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->mtu, 1500);
  EXPECT_THAT(m->dns_servers, IsEmpty());
  EXPECT_EQ(m->domain_name, "");
  EXPECT_THAT(m->search_domains, IsEmpty());
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_THAT(m->warnings[0], HasSubstr(GetParam().says));
  EXPECT_THAT(m->warnings[0], HasSubstr("at offset 249; ignored"));
}

INSTANTIATE_TEST_SUITE_P(DhcpDns, DhcpDnsMalformedTest,
                         ::testing::ValuesIn(MalformedOptions()), ParamName());

TEST(DhcpDnsTest, ANameOver253CharactersIsRefused) {
  // Five labels of 63: 319 characters, in two instances.
  std::vector<uint8_t> value;
  for (int i = 0; i < 5; ++i) {
    value.push_back(63);
    value.insert(value.end(), 63, 'a');
  }
  value.push_back(0);
  const std::vector<uint8_t> first(value.begin(), value.begin() + 200);
  const std::vector<uint8_t> second(value.begin() + 200, value.end());
  std::vector<uint8_t> options = With(Option(119, first), Option(119, second));
  options.push_back(255);
  Result<ServerMessage> m = DecodeVector(With(Offer({}), options));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_THAT(m->search_domains, IsEmpty());
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_THAT(m->warnings[0], HasSubstr("a name over 253 characters"));
}

TEST(DhcpDnsTest, TheLeaseCarriesTheDns) {
  std::vector<uint8_t> options = {51, 4,  0, 0, 0,  120, 6,   4,
                                  10, 77, 0, 2, 15, 2,   'e', 'x'};
  options = With(options, Option(119, kSearch));
  options.push_back(255);
  std::vector<uint8_t> ack =
      With(replies::Reply({53, 1, 5, 54, 4, 10, 77, 0, 1}), options);
  Result<ServerMessage> m = DecodeVector(ack);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Lease lease = LeaseFromAck(*m, replies::kClientMac, 1000);
  EXPECT_THAT(lease.dns.servers, ElementsAre("10.77.0.2"));
  EXPECT_EQ(lease.dns.domain, "ex");
  EXPECT_THAT(lease.dns.search,
              ElementsAre("corp.example", "example", "eu.corp.example"));
  // No DNS options: an empty Dns.
  m = DecodeVector(replies::Reply(
      {53, 1, 5, 54, 4, 10, 77, 0, 1, 51, 4, 0, 0, 0, 120, 255}));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(LeaseFromAck(*m, replies::kClientMac, 1000).dns.empty());
}

}  // namespace
}  // namespace hostnic::dhcp
