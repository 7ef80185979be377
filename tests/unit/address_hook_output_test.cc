// ParseAddressHookOutput: what an address hook may print, and the message
// for each way of getting it wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "hooks/address_hook.h"

namespace hostnic {
namespace {

using ::testing::HasSubstr;

TEST(AddressHookOutputTest, FullOutput) {
  auto lease = ParseAddressHookOutput(R"(
    {"address": "10.0.1.23/24", "gateway": "10.0.1.1",
     "routes": [{"destination": "10.1.0.0/16", "next_hop": "10.0.1.254"},
                {"destination": "192.168.5.0/24"}],
     "mtu": 9001}
  )");
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  EXPECT_EQ(lease->source, "hook");
  EXPECT_EQ(lease->address, "10.0.1.23/24");
  EXPECT_EQ(lease->gateway, "10.0.1.1");
  ASSERT_EQ(lease->routes.size(), 2u);
  EXPECT_EQ(lease->routes[0], (Route{"10.1.0.0/16", "10.0.1.254"}));
  EXPECT_EQ(lease->routes[1], (Route{"192.168.5.0/24", ""}));
  EXPECT_EQ(lease->mtu, 9001u);
  EXPECT_FALSE(lease->Expires());
  EXPECT_EQ(lease->acquired, 0);
  EXPECT_TRUE(lease->mac.IsZero());
  EXPECT_EQ(lease->network_id, "");
}

TEST(AddressHookOutputTest, AddressAloneIsEnough) {
  auto lease = ParseAddressHookOutput("{\"address\":\"172.31.5.9/20\"}\n");
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  EXPECT_EQ(lease->address, "172.31.5.9/20");
  EXPECT_EQ(lease->gateway, "");
  EXPECT_TRUE(lease->routes.empty());
  EXPECT_EQ(lease->mtu, 0u);
}

TEST(AddressHookOutputTest, EdgesThatAreFine) {
  for (
      const char* ok : {
          R"({"address": "10.0.0.1/32"})",
          R"({"address": "10.0.0.0/31", "gateway": "10.0.0.1"})",
          R"({"address": "10.0.0.2/30", "gateway": "10.0.0.1"})",
          R"({"address": "10.0.0.2/8", "mtu": 68})",
          R"({"address": "10.0.0.2/8", "mtu": 65535})",
          R"({"address": "10.0.0.2/8", "routes": []})",
          R"({"address": "10.0.0.2/8", "routes": [{"destination": "1.2.3.4/32"}]})",
      }) {
    auto lease = ParseAddressHookOutput(ok);
    EXPECT_TRUE(lease.ok()) << ok << ": " << lease.status().message();
  }
}

struct BadCase {
  const char* output;
  const char* message;  // Part of the expected message.
};

class AddressHookBadOutputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(AddressHookBadOutputTest, IsRefusedWithAReason) {
  auto lease = ParseAddressHookOutput(GetParam().output);
  ASSERT_FALSE(lease.ok()) << GetParam().output;
  EXPECT_EQ(lease.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(lease.status().message(), HasSubstr(GetParam().message))
      << GetParam().output;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AddressHookBadOutputTest,
    ::testing::Values(
        BadCase{"", "printed nothing on stdout"},
        BadCase{" \n", "printed nothing on stdout"},
        BadCase{"10.0.1.23/24", "is not JSON"},
        BadCase{"{\"address\": \"10.0.1.23/24\"", "is not JSON"},
        BadCase{R"({"address": "10.0.1.23/24"} {})", "is not JSON"},
        BadCase{R"(["10.0.1.23/24"])", "is not a JSON object"},
        BadCase{"{}", "\"address\" is missing"},
        BadCase{R"({"gateway": "10.0.1.1"})", "\"address\" is missing"},
        BadCase{R"({"address": null})", "\"address\" null is not a string"},
        BadCase{R"({"address": 167772161})", "is not a string"},
        BadCase{R"({"address": "10.0.1.23"})",
                "\"address\" \"10.0.1.23\" is not an IPv4 address with its "
                "prefix length"},
        BadCase{R"({"address": "10.0.1.23/33"})", "is not an IPv4 address"},
        BadCase{R"({"address": "10.0.1.23/0"})", "is not an IPv4 address"},
        BadCase{R"({"address": "10.0.1.23/024"})", "is not an IPv4 address"},
        BadCase{R"({"address": "010.0.1.23/24"})", "is not an IPv4 address"},
        BadCase{R"({"address": "10.0.1/24"})", "is not an IPv4 address"},
        BadCase{R"({"address": " 10.0.1.23/24"})", "is not an IPv4 address"},
        BadCase{R"({"address": "fd00::5/64"})", "is not an IPv4 address"},
        BadCase{R"({"address": "10.0.1.0/24"})",
                "is the network or broadcast address"},
        BadCase{R"({"address": "10.0.1.255/24"})",
                "is the network or broadcast address"},
        BadCase{R"({"address": "127.0.0.5/8"})", "is not a unicast host"},
        BadCase{R"({"address": "224.0.0.5/24"})", "is not a unicast host"},
        BadCase{R"({"address": "0.1.2.3/8"})", "is not a unicast host"},
        BadCase{R"({"address": "10.0.1.23/24", "gatway": "10.0.1.1"})",
                "unknown key \"gatway\""},
        BadCase{R"({"address": "10.0.1.23/24", "address": "10.0.1.24/24"})",
                "key \"address\" is repeated"},
        BadCase{R"({"address": "10.0.1.23/24", "gateway": ""})",
                "\"gateway\" \"\" is not an IPv4 address"},
        BadCase{R"({"address": "10.0.1.23/24", "gateway": null})",
                "\"gateway\" null is not a string"},
        BadCase{R"({"address": "10.0.1.23/24", "gateway": "10.0.1.1/24"})",
                "is not an IPv4 address such as"},
        BadCase{R"({"address": "10.0.1.23/24", "gateway": "10.0.2.1"})",
                "\"gateway\" \"10.0.2.1\" is not a host of 10.0.1.0/24"},
        BadCase{R"({"address": "10.0.1.23/24", "gateway": "10.0.1.255"})",
                "is not a host of 10.0.1.0/24"},
        BadCase{R"({"address": "10.0.1.23/24", "gateway": "10.0.1.23"})",
                "is the address itself"},
        BadCase{R"({"address": "10.0.1.23/32", "gateway": "10.0.1.1"})",
                "is not a host of 10.0.1.23/32"},
        BadCase{R"({"address": "10.0.1.23/24", "routes": {}})",
                "\"routes\" {} is not an array"},
        BadCase{R"({"address": "10.0.1.23/24", "routes": ["10.1.0.0/16"]})",
                "routes[0] \"10.1.0.0/16\" is not an object"},
        BadCase{R"({"address": "10.0.1.23/24", "routes": [{}]})",
                "routes[0] has no destination"},
        BadCase{R"({"address": "10.0.1.23/24",
                    "routes": [{"destination": "10.1.0.0/16", "via": "x"}]})",
                "routes[0] has an unknown key \"via\""},
        BadCase{R"({"address": "10.0.1.23/24",
                    "routes": [{"destination": "10.1.0.5/16"}]})",
                "routes[0].destination \"10.1.0.5/16\" is not an IPv4 network"},
        BadCase{R"({"address": "10.0.1.23/24",
                    "routes": [{"destination": "0.0.0.0/0"}]})",
                "is the default route: give it as \"gateway\""},
        BadCase{R"({"address": "10.0.1.23/24",
                    "routes": [{"destination": "10.1.0.0/16"},
                               {"destination": "10.1.0.0/16"}]})",
                "routes[1].destination \"10.1.0.0/16\" is there twice"},
        BadCase{R"({"address": "10.0.1.23/24",
                    "routes": [{"destination": "10.1.0.0/16",
                                "next_hop": "10.9.9.9"}]})",
                "routes[0].next_hop \"10.9.9.9\" is not a host of"},
        BadCase{R"({"address": "10.0.1.23/24",
                    "routes": [{"destination": "10.1.0.0/16",
                                "next_hop": ""}]})",
                "routes[0].next_hop \"\" is not an IPv4 address"},
        BadCase{R"({"address": "10.0.1.23/24", "mtu": "9001"})",
                "\"mtu\" \"9001\" is not an integer"},
        BadCase{R"({"address": "10.0.1.23/24", "mtu": 1500.5})",
                "is not an integer"},
        BadCase{R"({"address": "10.0.1.23/24", "mtu": 67})",
                "\"mtu\" 67 is not within 68..65535"},
        BadCase{R"({"address": "10.0.1.23/24", "mtu": 65536})",
                "is not within"},
        BadCase{R"({"address": "10.0.1.23/24", "mtu": -1500})",
                "is not within"}));

}  // namespace
}  // namespace hostnic
