// The CNI front end's pure parts: the environment and configuration parser,
// result conversion between versions, and the daemon-side IDs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cni/request.h"
#include "cni/result.h"
#include "cni/service.h"

namespace hostnic::cni {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

std::map<std::string, std::string> AddEnv() {
  return {{"CNI_COMMAND", "ADD"},
          {"CNI_CONTAINERID", "abc.1"},
          {"CNI_NETNS", "/run/netns/x"},
          {"CNI_IFNAME", "net1"},
          {"CNI_PATH", "/opt/cni/bin:/usr/lib/cni"}};
}

std::optional<Error> Parse(const std::string& conf, Request* out,
                           std::map<std::string, std::string> env = AddEnv()) {
  return ParseRequest(env, conf, out);
}

TEST(CniRequestTest, ReadsEnvironmentAndHostnicOptions) {
  Request r;
  auto error =
      Parse(R"({"cniVersion":"1.1.0","name":"pods","type":"hostnic",
      "nics":["eth2","52:54:0e:e5:00:f8"],"mtu":1400,"wait":2.5,
      "dhcpTimeout":5,"blockMetadata":true,"address6":"dhcp6",
      "metadataAddresses":["169.254.169.254","fd00:ec2::254"],
      "runtimeConfig":{"mac":"52:54:0e:e5:00:f8"}})",
            &r, [] {
              auto env = AddEnv();
              env["CNI_ARGS"] =
                  "IgnoreUnknown=1;K8S_POD_NAME=p;MAC=52:54:0e:e5:00:f7";
              return env;
            }());
  ASSERT_FALSE(error) << error->msg << ": " << error->details;
  EXPECT_EQ(r.command, Command::kAdd);
  EXPECT_EQ(r.container_id, "abc.1");
  EXPECT_EQ(r.ifname, "net1");
  EXPECT_EQ(r.path, (std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"}));
  EXPECT_EQ(r.args_mac, "52:54:0e:e5:00:f7");
  EXPECT_EQ(r.conf.runtime_mac, "52:54:0e:e5:00:f8");
  EXPECT_EQ(r.conf.options,
            (std::map<std::string, std::string>{
                {"hostnic.nics", "eth2,52:54:0e:e5:00:f8"},
                {"hostnic.mtu", "1400"},
                {"hostnic.wait", "2.5"},
                {"hostnic.dhcp-timeout", "5"},
                {"hostnic.block-metadata", "true"},
                {"hostnic.metadata-addresses", "169.254.169.254,fd00:ec2::254"},
                {"hostnic.address", "dhcp"},
                {"hostnic.address6", "dhcp6"}}));
}

TEST(CniRequestTest, IpamMeansTheDaemonGivesNoAddress) {
  Request r;
  ASSERT_FALSE(Parse(R"({"cniVersion":"1.0.0","name":"n","type":"hostnic",
      "ipam":{"type":"host-local","subnet":"10.1.0.0/24"}})",
                     &r));
  EXPECT_EQ(r.conf.ipam_type, "host-local");
  EXPECT_EQ(r.conf.options.at("hostnic.address"), "docker");
  auto error = Parse(R"({"cniVersion":"1.0.0","name":"n","type":"hostnic",
      "address":"hook","ipam":{"type":"static"}})",
                     &r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, kInvalidConfig);
}

TEST(CniRequestTest, DelNeedsNoNetnsAndVersionNoConfig) {
  Request r;
  auto env = AddEnv();
  env["CNI_COMMAND"] = "DEL";
  env.erase("CNI_NETNS");
  EXPECT_FALSE(
      Parse(R"({"cniVersion":"0.4.0","name":"n","type":"hostnic"})", &r, env));
  EXPECT_EQ(r.netns, "");
  Request v;
  EXPECT_FALSE(ParseRequest({{"CNI_COMMAND", "VERSION"}}, "", &v));
  EXPECT_EQ(v.command, Command::kVersion);
}

TEST(CniRequestTest, GcReadsValidAttachments) {
  Request r;
  auto error =
      ParseRequest({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/usr/lib/cni"}},
                   R"({"cniVersion":"1.1.0","name":"n","type":"hostnic",
          "cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]})",
                   &r);
  ASSERT_FALSE(error) << error->details;
  ASSERT_EQ(r.conf.valid_attachments.size(), 1u);
  EXPECT_EQ(r.conf.valid_attachments[0].container_id, "a");
}

TEST(CniRequestTest, EveryBadInputHasItsCode) {
  const std::pair<std::string, int> cases[] = {
      {R"({"cniVersion":"9.9.9","name":"n"})", kIncompatibleVersion},
      {R"({"cniVersion":"1.1.0","name":"n","bridge":"x"})", kUnsupportedField},
      {R"({"cniVersion":"1.1.0","name":"n","mtu":"1500"})", kInvalidConfig},
      {R"({"cniVersion":"1.1.0","name":"n","nics":[]})", kInvalidConfig},
      {R"({"cniVersion":"1.1.0","name":"n","nics":["a,b"]})", kInvalidConfig},
      {R"({"cniVersion":"1.1.0","name":"n","wait":-1})", kInvalidConfig},
      {R"({"cniVersion":"1.1.0","name":"n","socket":"rel"})", kInvalidConfig},
      {R"({"cniVersion":"1.1.0","name":"n","prevResult":{"ips":1}})",
       kDecodeFailure},
      {R"({"cniVersion":"1.1.0","name":"n","address":"dhcp","dhcpTimeout":0})",
       kInvalidConfig},
      {R"({"cniVersion":"1.1.0","name":"n","address6":6})", kInvalidConfig},
      {"", kDecodeFailure},
      {std::string(kMaxStdin + 1, ' '), kDecodeFailure},
  };
  for (const auto& [conf, code] : cases) {
    SCOPED_TRACE(conf.substr(0, 80));
    Request r;
    auto error = Parse(conf, &r);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, code) << error->msg << ": " << error->details;
    EXPECT_FALSE(error->msg.empty());
  }
}

TEST(CniResultTest, ConvertsBetweenVersions) {
  Result<CniResult> r = DecodeResult(R"({"cniVersion":"0.3.1",
      "interfaces":[{"name":"eth0","mac":"02:00:00:00:00:01","sandbox":"/n"}],
      "ips":[{"version":"4","address":"10.0.0.5/24","gateway":"10.0.0.1",
              "interface":0},{"version":"6","address":"fd00::5/64"}],
      "routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.0.0.53"]}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  r->interfaces[0].mtu = 9000;
  json v110 = json::parse(EncodeResult(*r, "1.1.0"));
  EXPECT_EQ(v110["interfaces"][0]["mtu"], 9000);
  EXPECT_FALSE(v110["ips"][0].contains("version"));
  EXPECT_EQ(v110["ips"][0]["interface"], 0);
  EXPECT_FALSE(v110["ips"][1].contains("interface"));
  EXPECT_EQ(v110["dns"]["nameservers"][0], "10.0.0.53");
  json v100 = json::parse(EncodeResult(*r, "1.0.0"));
  EXPECT_FALSE(v100["interfaces"][0].contains("mtu"));
  json v040 = json::parse(EncodeResult(*r, "0.4.0"));
  EXPECT_EQ(v040["ips"][0]["version"], "4");
  EXPECT_EQ(v040["ips"][1]["version"], "6");
  EXPECT_EQ(v040["cniVersion"], "0.4.0");
}

TEST(CniResultTest, RefusesAnInterfaceIndexOutOfRange) {
  auto r = DecodeResult(R"({"ips":[{"address":"10.0.0.5/24","interface":3}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("interface"));
}

TEST(CniIdsTest, AreValidDriverIdsAndDistinct) {
  EXPECT_EQ(CniService::NetworkId("pods"), "cni-pods");
  const std::string dotted = CniService::NetworkId("a.b");
  EXPECT_TRUE(IsValidId(dotted)) << dotted;
  EXPECT_NE(dotted, CniService::NetworkId("a_b"));
  const std::string e1 = CniService::EndpointId("n", "", "c1", "eth0");
  EXPECT_TRUE(IsValidId(e1));
  EXPECT_NE(e1, CniService::EndpointId("n", "", "c1", "eth1"));
  EXPECT_NE(e1, CniService::EndpointId("m", "", "c1", "eth0"));
  // The separator keeps "ab"+"c" apart from "a"+"bc".
  EXPECT_NE(CniService::EndpointId("n", "", "ab", "c"),
            CniService::EndpointId("n", "", "a", "bc"));
  // Same-named networks of two runtimes (two identities) are two networks,
  // with two endpoints for the same container.
  const std::string a = CniService::NetworkId("pods", "runtime-a");
  const std::string b = CniService::NetworkId("pods", "runtime-b");
  EXPECT_TRUE(IsValidId(a)) << a;
  EXPECT_NE(a, b);
  EXPECT_NE(a, CniService::NetworkId("pods"));
  EXPECT_NE(CniService::EndpointId("pods", "runtime-a", "c1", "eth0"),
            CniService::EndpointId("pods", "runtime-b", "c1", "eth0"));
}

}  // namespace
}  // namespace hostnic::cni
