// The NIC's own IPv6 address on a podman network (-o address6=dhcp6|slaac):
// what create accepts and passes to the daemon, and what setup configures
// in the container and prints from the daemon's attachment.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cni/own_address.h"
#include "netavark/network.h"

namespace hostnic::netavark {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Network Cloud(std::map<std::string, std::string> options) {
  Network n;
  n.name = "cloud";
  n.id = "5f0c2b7e9a1d";
  n.driver = "hostnic";
  n.options = std::move(options);
  return n;
}

// What the daemon answers for a NIC with a DHCPv4 and a DHCPv6 lease: the
// IPv6 gateway is the router's link-local address (from its RA).
cni::wire::Attachment DualStack() {
  cni::wire::Attachment held;
  held.mac = "52:54:0e:e6:10:01";
  held.address = "192.168.61.11/24";
  held.gateway = "192.168.61.1";
  held.address6 = "fd00:61::11/64";
  held.gateway6 = "fe80::1";
  held.dns.servers = {"192.168.61.1", "fd00:61::1"};
  held.dns.domain = "cloud.internal";
  return held;
}

TEST(NetavarkAddress6Test, Address6GoesToTheDaemon) {
  for (const char* source : {"dhcp6", "slaac"}) {
    Result<Settings> s = ReadSettings(Cloud({{"address6", source}}));
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->address, AddressSource::kDhcp);
    EXPECT_EQ(s->daemon_options.at("hostnic.address"), "dhcp");
    EXPECT_EQ(s->daemon_options.at("hostnic.address6"), source);
  }
  Result<Settings> hook =
      ReadSettings(Cloud({{"address", "hook"}, {"address6", "dhcp6"}}));
  ASSERT_TRUE(hook.ok()) << hook.status().message();
  EXPECT_EQ(hook->daemon_options.at("hostnic.address"), "hook");
  EXPECT_EQ(hook->daemon_options.at("hostnic.address6"), "dhcp6");
  Result<Settings> plain = ReadSettings(Cloud({}));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->daemon_options.count("hostnic.address6"), 0u);
}

TEST(NetavarkAddress6Test, CreateKeepsPodmansIpamOutOfIt) {
  Result<Network> created = Create(Cloud({{"address6", "dhcp6"}}));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->ipam_options.at("driver"), "dhcp");
  created = Create(Cloud({{"address", "hook"}, {"address6", "slaac"}}));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->ipam_options.at("driver"), "none");
}

TEST(NetavarkAddress6Test, WhatCreateRefuses) {
  EXPECT_THAT(ReadSettings(Cloud({{"address6", "dhcp"}})).status().message(),
              HasSubstr("option address6=dhcp: not dhcp6"));
  Network fixed = Cloud({{"address6", "dhcp6"}});
  fixed.subnets.push_back({"192.168.61.0/24", "192.168.61.1"});
  EXPECT_THAT(Create(fixed).status().message(),
              HasSubstr("which address=static (podman's --subnet and --ip) "
                        "would override"));
  EXPECT_THAT(ReadSettings(Cloud({{"address", "hook"}, {"dhcp-timeout", "5"}}))
                  .status()
                  .message(),
              HasSubstr("dhcp-timeout applies only to address=dhcp and "
                        "address6"));
  EXPECT_THAT(ReadSettings(Cloud({{"colour", "red"}})).status().message(),
              HasSubstr("address6"));
}

TEST(NetavarkAddress6Test, DhcpTimeoutAppliesToAddress6) {
  Result<Settings> s = ReadSettings(Cloud(
      {{"address", "hook"}, {"address6", "dhcp6"}, {"dhcp-timeout", "5"}}));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->daemon_options.at("hostnic.dhcp-timeout"), "5");
}

TEST(NetavarkAddress6Test, SetupPrintsBothAddressesAndTheLeasesDns) {
  StatusBlock status;
  AddOwnAddresses(DualStack(), &status);
  ASSERT_EQ(status.addresses.size(), 2u);
  EXPECT_EQ(status.addresses[0].ipnet, "192.168.61.11/24");
  EXPECT_EQ(status.addresses[0].gateway, "192.168.61.1");
  EXPECT_EQ(status.addresses[1].ipnet, "fd00:61::11/64");
  EXPECT_EQ(status.addresses[1].gateway, "fe80::1");
  EXPECT_THAT(status.dns_servers, ElementsAre("192.168.61.1", "fd00:61::1"));
  EXPECT_THAT(status.dns_search, ElementsAre("cloud.internal"));
}

TEST(NetavarkAddress6Test, AnIpv6OnlyLeaseIsPrinted) {
  cni::wire::Attachment held = DualStack();
  held.address.clear();
  held.gateway.clear();
  held.dns = {};
  held.dns.servers = {"fd00:61::1"};
  held.dns.search = {"a.example", "b.example"};
  StatusBlock status;
  status.dns_servers = {"10.0.0.53"};  // podman network create --dns
  AddOwnAddresses(held, &status);
  ASSERT_EQ(status.addresses.size(), 1u);
  EXPECT_EQ(status.addresses[0].ipnet, "fd00:61::11/64");
  EXPECT_THAT(status.dns_servers, ElementsAre("10.0.0.53"));
  EXPECT_THAT(status.dns_search, ElementsAre("a.example", "b.example"));
}

// The container's eth0: both addresses, a default route per family, IPv6's
// through the router's link-local address.
TEST(NetavarkAddress6Test, SetupConfiguresBothDefaultRoutes) {
  SandboxConfig config;
  cni::AddOwnAddress(DualStack(), &config);
  EXPECT_THAT(config.addresses,
              ElementsAre("fd00:61::11/64", "192.168.61.11/24"));
  EXPECT_THAT(config.routes, ElementsAre(Route{"0.0.0.0/0", "192.168.61.1"},
                                         Route{"::/0", "fe80::1"}));
}

}  // namespace
}  // namespace hostnic::netavark
