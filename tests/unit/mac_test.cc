#include "hostnic/mac.h"

#include <gtest/gtest.h>

namespace hostnic {
namespace {

TEST(Mac, TextIsLowercaseColonSeparatedAndZeroPadded) {
  EXPECT_EQ(Mac::Parse("52-54-0E-E5-00-F7")->ToString(), "52:54:0e:e5:00:f7");
  EXPECT_EQ(Mac().ToString(), "00:00:00:00:00:00");
  EXPECT_EQ(Mac::Parse("ff:ff:ff:ff:ff:ff")->ToString(), "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(Mac::Parse("0a:1b:2c:3d:4e:5f")->ToString(), "0a:1b:2c:3d:4e:5f");
}

TEST(Mac, ParseRefusesWhatIsNotAMac) {
  for (const char* text : {"", "52:54:0e:e5:00", "52:54:0e:e5:00:f7:01",
                           "52:54-0e:e5:00:f7", "52:54:0e:e5:00:fg"}) {
    EXPECT_FALSE(Mac::Parse(text)) << text;
  }
}

TEST(Mac, MessagesNameANicByItsNameAndMac) {
  EXPECT_EQ(NicLabel("eth2", *Mac::Parse("52:54:0e:e5:00:f7")),
            "eth2 (52:54:0e:e5:00:f7)");
}

}  // namespace
}  // namespace hostnic
