#include "host/network_managers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace hostnic {
namespace {

class NetworkManagersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("hostnic-nm-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "run/NetworkManager/devices");
    std::filesystem::create_directories(root_ / "run/systemd/netif/links");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel) << text;
  }
  Link At(int ifindex) {
    Link l;
    l.ifindex = ifindex;
    return l;
  }
  std::filesystem::path root_;
};

TEST_F(NetworkManagersTest, NamesTheManagerFromItsRunState) {
  Write("run/NetworkManager/devices/3", "[device]\nmanaged=true\n");
  Write("run/NetworkManager/devices/4", "[device]\nmanaged=false\n");
  Write("run/systemd/netif/links/4",
        "ADMIN_STATE=configured\nOPER_STATE=off\n");
  Write("run/systemd/netif/links/5", "ADMIN_STATE=unmanaged\n");
  NetworkManagers managers(root_.string());
  EXPECT_EQ(managers.ManagerOf(At(3)), "NetworkManager");
  EXPECT_EQ(managers.ManagerOf(At(4)), "systemd-networkd");
  EXPECT_EQ(managers.ManagerOf(At(5)), "");
  EXPECT_EQ(managers.ManagerOf(At(6)), "");  // Neither knows it.
}

}  // namespace
}  // namespace hostnic
