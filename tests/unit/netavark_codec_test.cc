// The netavark front end's pure parts: the stdin decoders (fed the documents
// netavark 1.14 sent in tests/fuzz/netavark_corpus/), create's rules and
// answer, the static address plan and the daemon network ID.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "netavark/codec.h"
#include "netavark/network.h"

namespace hostnic::netavark {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

// A seed of tests/fuzz/netavark_corpus/ without its first byte (the fuzz
// target's selector).
std::string Seed(const std::string& name) {
  std::ifstream in(std::string(HOSTNIC_SOURCE_DIR) +
                   "/tests/fuzz/netavark_corpus/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str().substr(1);
}

// Setup's stdin of the captured static case with `edit` applied.
std::string EditedSetup(const std::function<void(json&)>& edit) {
  json j = json::parse(Seed("setup_static"));
  edit(j);
  return j.dump();
}

TEST(NetavarkCodecTest, DecodesWhatNetavarkSentForADhcpNetwork) {
  Result<Attachment> a = DecodeAttachment(Seed("setup_dhcp"));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->container_name, "web2");
  EXPECT_EQ(a->interface_name, "eth0");
  EXPECT_TRUE(a->static_ips.empty());
  EXPECT_EQ(a->static_mac, "");
  EXPECT_EQ(a->network.name, "cloud");
  EXPECT_EQ(a->network.options.at("nics"), "eth2,eth3");
  Result<Settings> s = ReadSettings(a->network);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->address, AddressSource::kDhcp);
  EXPECT_EQ(s->daemon_options.at("hostnic.nics"), "eth2,eth3");
  EXPECT_EQ(s->daemon_options.at("hostnic.mtu"), "1400");
  EXPECT_EQ(s->daemon_options.at("hostnic.block-metadata"), "true");
  EXPECT_EQ(s->daemon_options.at("hostnic.address"), "dhcp");
}

TEST(NetavarkCodecTest, DecodesWhatNetavarkSentForAStaticNetwork) {
  Result<Attachment> a = DecodeAttachment(Seed("setup_static"));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->static_mac, "52:54:0e:e6:10:01");
  ASSERT_EQ(a->static_ips.size(), 1u);
  ASSERT_EQ(a->network.subnets.size(), 1u);
  EXPECT_EQ(a->network.subnets[0].gateway, "192.168.61.1");
  ASSERT_EQ(a->network.routes.size(), 1u);
  EXPECT_EQ(a->network.routes[0].next_hop, "192.168.61.254");
  Result<Settings> s = ReadSettings(a->network);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->address, AddressSource::kStatic);
  EXPECT_EQ(s->nic, "52:54:0e:e6:10:01");
  EXPECT_EQ(s->daemon_options.at("hostnic.address"), "docker");

  Result<StaticPlan> plan = PlanStatic(*a);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->addresses.size(), 1u);
  EXPECT_EQ(plan->addresses[0].ipnet, "192.168.61.11/24");
  EXPECT_EQ(plan->addresses[0].gateway, "192.168.61.1");
  EXPECT_THAT(plan->routes,
              ::testing::ElementsAre(Route{"0.0.0.0/0", "192.168.61.1"},
                                     Route{"10.61.0.0/16", "192.168.61.254"}));
}

// What hostnic cannot honour for one container is refused by name, never
// dropped: the captured document published 8080->80 (podman's -p).
TEST(NetavarkCodecTest, PublishedPortsAndPerContainerOptionsAreRefused) {
  Result<Attachment> a = DecodeAttachment(Seed("setup_static"));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_THAT(a->port_mappings, ::testing::ElementsAre("8080->80/tcp"));
  Status s = CheckPerContainer(*a);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("hostnic cannot publish host ports (8080->80/tcp): "
                        "run the container without -p/--publish"));

  a = DecodeAttachment(EditedSetup([](json& j) {
    j["port_mappings"] = {{{"host_ip", "10.0.0.1"},
                           {"host_port", 53},
                           {"container_port", 5353},
                           {"protocol", "udp"}}};
  }));
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->port_mappings,
              ::testing::ElementsAre("10.0.0.1:53->5353/udp"));

  a = DecodeAttachment(EditedSetup([](json& j) {
    j.erase("port_mappings");
    j["network_options"]["options"] = {{"host_interface_name", "veth7"},
                                       {"isolate", "true"}};
  }));
  ASSERT_TRUE(a.ok());
  s = CheckPerContainer(*a);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("takes no per-container options, but got "
                                     "host_interface_name, isolate"));

  // Aliases are podman's DNS's business (the plugin API says to ignore
  // them), and nothing else is left to refuse.
  a = DecodeAttachment(EditedSetup([](json& j) { j.erase("port_mappings"); }));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(CheckPerContainer(*a).ok());

  EXPECT_FALSE(DecodeAttachment(EditedSetup([](json& j) {
                 j["port_mappings"] = {7};
               })).ok());
}

// podman network create --dns: the servers reach the status block.
TEST(NetavarkCodecTest, NetworkDnsServers) {
  Result<Attachment> a = DecodeAttachment(EditedSetup([](json& j) {
    j["network"]["network_dns_servers"] = {"192.168.61.2", "fd00:61::2"};
  }));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_THAT(a->network.dns_servers,
              ::testing::ElementsAre("192.168.61.2", "fd00:61::2"));
  a = DecodeAttachment(EditedSetup(
      [](json& j) { j["network"]["network_dns_servers"] = {"dns.example"}; }));
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(),
              HasSubstr("each of \"network.network_dns_servers\" must be an "
                        "IP address, not 'dns.example'"));
}

TEST(NetavarkCodecTest, InternalNetworkGetsNoDefaultRoute) {
  Result<Attachment> a = DecodeAttachment(
      EditedSetup([](json& j) { j["network"]["internal"] = true; }));
  ASSERT_TRUE(a.ok());
  Result<StaticPlan> plan = PlanStatic(*a);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->routes,
              ::testing::ElementsAre(Route{"10.61.0.0/16", "192.168.61.254"}));
}

TEST(NetavarkCodecTest, StaticIpOutsideEverySubnetIsRefused) {
  Result<Attachment> a = DecodeAttachment(EditedSetup(
      [](json& j) { j["network_options"]["static_ips"] = {"10.9.9.9"}; }));
  ASSERT_TRUE(a.ok());
  Result<StaticPlan> plan = PlanStatic(*a);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(),
              HasSubstr("10.9.9.9 is in none of the subnets of network nic "
                        "(192.168.61.0/24)"));
}

TEST(NetavarkCodecTest, BadAttachmentsSayWhichFieldAndValue) {
  struct Case {
    std::function<void(json&)> edit;
    std::string message;
  };
  const Case cases[] = {
      {[](json& j) { j.erase("container_id"); }, "\"container_id\" is missing"},
      {[](json& j) { j["container_id"] = 7; },
       "\"container_id\" must be a string"},
      {[](json& j) { j["network_options"]["interface_name"] = "eth0/x"; },
       "'eth0/x' is not a device name"},
      {[](json& j) {
         j["network_options"]["interface_name"] = "a-very-long-ifname";
       },
       "is not a device name"},
      {[](json& j) { j["network_options"]["static_mac"] = "52:54"; },
       "\"network_options.static_mac\" '52:54' is not a MAC address"},
      {[](json& j) { j["network_options"]["static_ips"] = {"300.1.1.1"}; },
       "'300.1.1.1'"},
      {[](json& j) { j["network"]["subnets"][0]["subnet"] = "10.0.0.0"; },
       "\"network.subnets[].subnet\" '10.0.0.0' is not a CIDR"},
      {[](json& j) { j["network"]["routes"][0]["gateway"] = "x"; },
       "\"network.routes[].gateway\" 'x' is not an IP address"},
      {[](json& j) { j["network"]["options"]["mtu"] = 1400; },
       "\"network.options.mtu\" must be a string"},
      {[](json& j) { j.erase("network"); }, "\"network\" is missing"},
      {[](json& j) { j["network_options"] = json::array(); },
       "\"network_options\" must be an object"},
      {[](json& j) {
         j["network_options"]["static_ips"] = json::array();
         for (int i = 0; i < 65; ++i) {
           j["network_options"]["static_ips"].push_back("10.0.0.1");
         }
       },
       "has more than 64 entries"},
  };
  for (const Case& c : cases) {
    Result<Attachment> a = DecodeAttachment(EditedSetup(c.edit));
    ASSERT_FALSE(a.ok()) << c.message;
    EXPECT_THAT(a.status().message(), HasSubstr(c.message));
  }
}

TEST(NetavarkCodecTest, StdinThatIsNoObjectOrTooLargeIsRefused) {
  for (const std::string& text :
       std::vector<std::string>{"", "[]", "{", "\"x\"", "null"}) {
    Result<Attachment> a = DecodeAttachment(text);
    ASSERT_FALSE(a.ok()) << text;
    EXPECT_THAT(a.status().message(), HasSubstr("is not a JSON object"));
  }
  Result<Network> n = DecodeNetwork(std::string(kMaxInput + 1, ' '));
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), HasSubstr("too large"));
}

TEST(NetavarkCodecTest, CreateFillsTheIpamDriverAndKeepsEverythingElse) {
  Result<Network> n = DecodeNetwork(Seed("create_dhcp"));
  ASSERT_TRUE(n.ok()) << n.status().message();
  Result<Network> created = Create(*n);
  ASSERT_TRUE(created.ok()) << created.status().message();
  json out = json::parse(EncodeNetwork(*created));
  EXPECT_EQ(out["ipam_options"]["driver"], "dhcp");
  EXPECT_EQ(out["labels"]["team"], "web");
  EXPECT_EQ(out["created"], "2026-12-06T23:30:00.000000000Z");
  EXPECT_EQ(out["options"]["nics"], "eth2,eth3");
  EXPECT_FALSE(out.contains("subnets"));

  n = DecodeNetwork(Seed("create_static"));
  ASSERT_TRUE(n.ok()) << n.status().message();
  created = Create(*n);
  ASSERT_TRUE(created.ok()) << created.status().message();
  out = json::parse(EncodeNetwork(*created));
  EXPECT_EQ(out["ipam_options"]["driver"], "host-local");
  EXPECT_EQ(out["subnets"][0]["lease_range"]["start_ip"], "192.168.61.100");
  EXPECT_EQ(out["routes"][0]["gateway"], "192.168.61.254");
}

TEST(NetavarkCodecTest, CreateRefusesWhatHostnicCannotServe) {
  struct Case {
    std::map<std::string, std::string> options;
    std::map<std::string, std::string> ipam;
    bool subnet;
    std::string message;
  };
  const Case cases[] = {
      {{{"mtu", "9"}}, {}, false, "option mtu=9: not an MTU from 68 to 65535"},
      {{{"mtu", "1400.5"}}, {}, false, "option mtu=1400.5: not a whole number"},
      {{{"wait", "-1"}}, {}, false, "option wait=-1"},
      {{{"mac", "zz"}}, {}, false, "option mac=zz: not a MAC address"},
      {{{"mac", "52:54:0e:e6:10:01"}, {"device", "eth2"}},
       {},
       false,
       "mac and device both name a NIC"},
      {{{"nics", ","}}, {}, false, "names no NIC"},
      {{{"address", "ipam"}}, {}, false, "option address=ipam: not dhcp"},
      {{{"colour", "red"}},
       {},
       false,
       "unknown option 'colour'; hostnic knows"},
      {{{"block-metadata", "yes"}}, {}, false, "not true or false"},
      {{{"socket", "hostnic.sock"}}, {}, false, "not the absolute path"},
      {{{"dhcp-timeout", "5"}, {"address", "hook"}},
       {},
       false,
       "dhcp-timeout applies only to address=dhcp"},
      {{}, {}, true, ""},  // A subnet alone: static, fine.
      {{{"address", "dhcp"}}, {}, true, "which a --subnet would override"},
      {{{"address", "static"}}, {}, false, "address=static needs a subnet"},
      {{},
       {{"driver", "none"}},
       false,
       "address=dhcp needs --ipam-driver dhcp"},
      {{}, {{"driver", "dhcp"}}, true, "not --ipam-driver dhcp"},
  };
  for (const Case& c : cases) {
    Network n;
    n.name = "cloud";
    n.id = "5f0c2b7e9a1d";
    n.driver = "hostnic";
    n.options = c.options;
    n.ipam_options = c.ipam;
    if (c.subnet) n.subnets.push_back({"192.168.61.0/24", "192.168.61.1"});
    Result<Network> created = Create(n);
    if (c.message.empty()) {
      EXPECT_TRUE(created.ok()) << created.status().message();
      continue;
    }
    ASSERT_FALSE(created.ok()) << c.message;
    EXPECT_THAT(created.status().message(), HasSubstr(c.message));
  }
}

TEST(NetavarkCodecTest, CreateRefusesASubnetWithHostBitsOrAGatewayOutside) {
  Network n;
  n.name = "fixed";
  n.id = "a1";
  n.driver = "hostnic";
  n.subnets.push_back({"192.168.61.5/24", ""});
  EXPECT_THAT(Create(n).status().message(), HasSubstr("has host bits set"));
  n.subnets[0] = {"192.168.61.0/24", "192.168.62.1"};
  EXPECT_THAT(Create(n).status().message(),
              HasSubstr("gateway 192.168.62.1 is outside subnet"));
}

TEST(NetavarkCodecTest, NetworkIdsAreWhatTheDaemonCanName) {
  EXPECT_TRUE(IsNetworkId(std::string(64, 'a')));
  for (const std::string& bad :
       std::vector<std::string>{"", "../x", std::string(65, 'a'), "a b"}) {
    EXPECT_FALSE(IsNetworkId(bad)) << bad;
  }
  Result<Attachment> a = DecodeAttachment(
      EditedSetup([](json& j) { j["network"]["id"] = "../../etc"; }));
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(),
              HasSubstr("\"network.id\" '../../etc' is not 1 to 64"));
}

TEST(NetavarkCodecTest, Encoders) {
  StatusBlock status;
  status.interface_name = "eth0";
  status.mac = "52:54:0e:e6:10:01";
  status.addresses.push_back({"192.168.61.11/24", "192.168.61.1"});
  status.dns_servers = {"192.168.61.2", "fd00:61::2"};
  status.dns_search = {"corp.example"};
  EXPECT_EQ(json::parse(EncodeStatus(status)),
            json::parse(R"({"dns_search_domains":["corp.example"],
              "dns_server_ips":["192.168.61.2","fd00:61::2"],
              "interfaces":{"eth0":{"mac_address":"52:54:0e:e6:10:01",
              "subnets":[{"ipnet":"192.168.61.11/24",
                          "gateway":"192.168.61.1"}]}}})"));
  EXPECT_EQ(json::parse(EncodeInfo("1.2.3"))["api_version"], "1.0.0");
  EXPECT_EQ(json::parse(EncodeError("no \xff NIC"))["error"],
            "no \xef\xbf\xbd NIC");
}

}  // namespace
}  // namespace hostnic::netavark
