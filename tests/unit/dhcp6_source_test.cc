// Dhcp6Source leaves a host NIC as it found it whatever fails on the way
// (src/dhcp6/dhcp6_source.h): the link through FakeLinkControl, the per-NIC
// IPv6 settings in a scratch directory standing in for
// /proc/sys/net/ipv6/conf. The exchange itself is tested against fakes in
// dhcp6_client_test and against dnsmasq in the integration tests.
#include "dhcp6/dhcp6_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "driver/inventory.h"
#include "fakes/fake_link_control.h"

namespace hostnic::dhcp6 {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// No such device in the kernel: the source's socket cannot bind to it.
constexpr char kName[] = "hn6nosuch0";
const Mac kMac = *Mac::Parse("52:54:0e:66:99:01");
const std::map<std::string, std::string> kFound = {
    {"accept_ra", "1"},
    {"autoconf", "1"},
    {"router_solicitations", "3"},
    {"accept_dad", "1"}};

class Dhcp6SourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("hostnic-dhcp6-source-" + std::to_string(getpid()));
    std::filesystem::create_directories(root_ / kName);
    for (const auto& [name, value] : kFound) Write(name, value);
    link_.ifindex = 9;
    link_.name = kName;
    link_.mac = kMac;
    inventory_.Reset({link_}, {});
    ASSERT_TRUE(links_.SetIpv6Disabled(link_, true).ok());
    links_.ClearCalls();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Write(const std::string& name, const std::string& value) {
    std::ofstream(root_ / kName / name) << value << "\n";
  }
  std::map<std::string, std::string> Settings() const {
    std::map<std::string, std::string> settings;
    for (const auto& entry :
         std::filesystem::directory_iterator(root_ / kName)) {
      std::ifstream in(entry.path());
      in >> settings[entry.path().filename()];
    }
    return settings;
  }

  std::filesystem::path root_;
  Inventory inventory_;
  FakeLinkControl links_{&inventory_};
  Link link_;
  Dhcp6Source Source() {
    return Dhcp6Source(&links_, SystemClock(), nullptr, root_);
  }
};

TEST_F(Dhcp6SourceTest, RefusesANicThatIsUpAndTouchesNothing) {
  ASSERT_TRUE(links_.SetUp(link_, true).ok());
  links_.ClearCalls();
  Dhcp6Source source = Source();
  const Result<Lease> lease = source.Acquire(link_, seconds(1));
  EXPECT_EQ(lease.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(links_.calls(), IsEmpty());
  EXPECT_EQ(Settings(), kFound);
}

TEST_F(Dhcp6SourceTest, PutsEverythingBackWhenTheSocketCannotBeMade) {
  Dhcp6Source source = Source();
  const Result<Lease> lease = source.Acquire(link_, seconds(1));
  ASSERT_FALSE(lease.ok());
  EXPECT_NE(lease.status().message().find(kName), std::string::npos)
      << lease.status().message();
  const std::string mac = kMac.ToString();
  EXPECT_THAT(links_.calls(), ElementsAre(mac + " ipv6 on", mac + " up",
                                          mac + " down", mac + " ipv6 off"));
  EXPECT_EQ(Settings(), kFound);
}

TEST_F(Dhcp6SourceTest, PutsTheSettingsBackWhenIpv6CannotBeTurnedOn) {
  Dhcp6Source source = Source();
  links_.FailNext(Status::IoError("no"));  // IPv6 on.
  EXPECT_FALSE(source.Acquire(link_, seconds(1)).ok());
  EXPECT_THAT(links_.calls(), IsEmpty());
  EXPECT_EQ(Settings(), kFound);
}

TEST_F(Dhcp6SourceTest, PutsBackTheSettingsChangedBeforeOneIsMissing) {
  std::filesystem::remove(root_ / kName / "accept_dad");
  Dhcp6Source source = Source();
  const Result<Lease> lease = source.Acquire(link_, seconds(1));
  EXPECT_EQ(lease.status().code(), Code::kIoError);
  EXPECT_NE(lease.status().message().find("accept_dad"), std::string::npos);
  EXPECT_THAT(links_.calls(), IsEmpty());
  std::map<std::string, std::string> found = kFound;
  found.erase("accept_dad");
  EXPECT_EQ(Settings(), found);
}

}  // namespace
}  // namespace hostnic::dhcp6
