// Networks as the driver keeps them: their options, IDs, replays, deletion,
// and what they impose on endpoints (MTU, routes, subnet).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "unit/driver_test.h"

namespace hostnic::driver_test {
namespace {

TEST_F(DriverTest, NetworkOptionsAreValidated) {
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"hostnic.mtuu", "1400"}}, "unknown network option 'hostnic.mtuu'"},
      {{{"foo", "bar"}}, "hostnic knows hostnic.nics"},
      {{{"hostnic.mtu", "12"}}, "not an MTU between 68 and 65535"},
      {{{"hostnic.mtu", "1500x"}}, "not an MTU"},
      {{{"hostnic.routes", "10.0.0.0"}}, "is not a CIDR"},
      {{{"hostnic.routes", "10.0.0.0/33"}}, "is not a CIDR"},
      {{{"hostnic.routes", "10.0.0.0/8@fe80::1"}}, "is not an IPv4 address"},
      {{{"hostnic.routes", " , "}}, "names no route"},
      {{{"hostnic.nics", "eth/2"}}, "neither a MAC address nor an interface"},
      {{{"hostnic.wait", "-1"}}, "not a number of seconds"},
  };
  for (const auto& [options, message] : cases) {
    Status s = CreateNetwork(options);
    ASSERT_FALSE(s.ok()) << message;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr(message));
  }
  EXPECT_EQ(store_.network_count(), 0u);
  EXPECT_TRUE(
      CreateNetwork({{"com.docker.network.enable_ipv6", "false"}}).ok());
}

TEST_F(DriverTest, InvalidIdsNeverReachTheStore) {
  EXPECT_EQ(CreateNetwork({}, "../../etc").code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateNetwork({}, "").code(), Code::kInvalidArgument);
  ASSERT_TRUE(CreateNetwork().ok());
  EXPECT_EQ(CreateEndpoint(kMac2, "a/b").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(driver_->Join(kNet, "x y", "/sb").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(DriverTest, MtuIsSetBeforeHandOverAndRestoredAfter) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1400u);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
}

TEST_F(DriverTest, JoinAnswersRoutesOfTheEndpointsFamiliesAndIpv6Gateway) {
  CreateNetworkRequest r;
  r.network_id = kNet;
  r.ipv4 = {{"192.168.1.0/24", "192.168.1.1/24", ""}};
  r.ipv6 = {{"fd00:1::/64", "fd00:1::1/64", ""}};
  r.options = {
      {"hostnic.routes",
       "10.0.0.0/8@192.168.1.254, 172.16.0.0/12, fd00:2::/64@fd00:1::fe"}};
  ASSERT_TRUE(driver_->CreateNetwork(r).ok());

  CreateEndpointRequest e;
  e.network_id = kNet;
  e.endpoint_id = kEp;
  e.address = "192.168.1.5/24";
  e.mac = kMac2;
  ASSERT_TRUE(driver_->CreateEndpoint(e).ok());
  auto v4 = driver_->Join(kNet, kEp, "/sb");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->gateway6, "");
  EXPECT_EQ(v4->static_routes,
            (std::vector<Route>{{"10.0.0.0/8", "192.168.1.254"},
                                {"172.16.0.0/12", ""}}));

  e.endpoint_id = "dual";
  e.mac = kMac3;
  e.address6 = "fd00:1::5/64";
  ASSERT_TRUE(driver_->CreateEndpoint(e).ok());
  auto dual = driver_->Join(kNet, "dual", "/sb2");
  ASSERT_TRUE(dual.ok());
  EXPECT_EQ(dual->gateway6, "fd00:1::1");
  EXPECT_EQ(dual->static_routes.size(), 3u);
}

TEST_F(DriverTest, DeleteNetworkLeavesNoRecordOfAnEndpointReleasedOnAFullDisk) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  store_.SetFailing(true);
  ASSERT_FALSE(driver_->DeleteEndpoint(kNet, kEp).ok());
  store_.SetFailing(false);
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);  // Nothing to resurrect at start.
}

TEST_F(DriverTest, DeleteNetworkReleasesItsEndpoints) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(store_.network_count(), 0u);
  ASSERT_TRUE(CreateNetwork({}, "net2").ok());
  EXPECT_TRUE(CreateEndpoint(kMac2, "ep", "net2").ok());
}

TEST_F(DriverTest, CreateNetworkReplayIsOkButOtherSettingsUnderTheIdAreNot) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  EXPECT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  Status other = CreateNetwork({{"hostnic.nics", "eth3"}});
  EXPECT_EQ(other.code(), Code::kAlreadyExists);
  EXPECT_THAT(other.message(), HasSubstr("docker network rm"));
  // The endpoint keeps its network as it was.
  EXPECT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/x").ok());
}

TEST_F(DriverTest, AddressOutsideTheSubnetIsRefused) {
  ASSERT_TRUE(CreateNetwork().ok());
  CreateEndpointRequest r;
  r.network_id = kNet;
  r.endpoint_id = kEp;
  r.address = "10.9.9.9/24";
  r.mac = kMac2;
  EXPECT_THAT(driver_->CreateEndpoint(r),
              FailsWith(Code::kInvalidArgument,
                        HasSubstr("address 10.9.9.9/24 is outside the "
                                  "network's subnet 192.168.1.0/24")));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  r.address = "192.168.1.254/24";
  EXPECT_TRUE(driver_->CreateEndpoint(r).ok());
}

}  // namespace
}  // namespace hostnic::driver_test
