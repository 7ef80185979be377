// ParseCidr and ParseIpv4Address: strict, so that what hostnic accepts is
// what the kernel gets.
#include "common/cidr.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace hostnic {
namespace {

TEST(CidrTest, ParsesBothFamilies) {
  auto v4 = ParseCidr("10.0.1.23/24");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, AF_INET);
  EXPECT_EQ(v4->prefix_len, 24u);
  EXPECT_EQ(v4->v4(), 0x0a000117u);
  EXPECT_FALSE(v4->IsNetwork());
  EXPECT_TRUE(ParseCidr("10.0.1.0/24")->IsNetwork());
  EXPECT_TRUE(ParseCidr("0.0.0.0/0")->IsNetwork());

  auto v6 = ParseCidr("fd00:ec2::254/128");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, AF_INET6);
  EXPECT_EQ(v6->size(), 16u);
  EXPECT_TRUE(v6->IsNetwork());
  EXPECT_FALSE(ParseCidr("fd00::1/64")->IsNetwork());
}

TEST(CidrTest, RefusesAnythingLoose) {
  for (const char* bad :
       {"", "/24", "10.0.1.23", "10.0.1.23/", "10.0.1.23/33", "10.0.1.23/024",
        "10.0.1.23/+4", "10.0.1.23/-1", "010.0.1.23/24", "10.0.1/24",
        "10.0.1.23 /24", " 10.0.1.23/24", "10.0.1.23/24 ", "fd00::/129",
        "fd00::/1000", "10.0.1.23/24/1", "host/24"}) {
    EXPECT_FALSE(ParseCidr(bad)) << bad;
  }
}

TEST(CidrTest, PlainIpv4Address) {
  EXPECT_EQ(ParseIpv4Address("10.0.1.1"), 0x0a000101u);
  for (const char* bad :
       {"", "10.0.1.1/32", "fd00::1", "10.0.1", "10.0.1.01", "10.0.1.256"}) {
    EXPECT_FALSE(ParseIpv4Address(bad)) << bad;
  }
}

}  // namespace
}  // namespace hostnic
