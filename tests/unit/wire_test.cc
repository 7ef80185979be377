#include "docker/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hostnic::docker {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Bodies as Docker 20.10 sends them (docker-20.10-wire.md), full-length IDs.
constexpr char kNetworkId[] =
    "4390d6fbb0e4a2d3c1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8";
constexpr char kEndpointId[] =
    "2b34e6f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3";

std::string DockerCreateNetwork() {
  return std::string(R"({"NetworkID": ")") + kNetworkId +
         R"(", "Options": {"com.docker.network.enable_ipv6": false,
         "com.docker.network.generic": {"foo": "bar"}},
         "IPv4Data": [{"AddressSpace": "LocalDefault",
                       "Gateway": "192.168.1.1/24", "Pool": "192.168.1.0/24"}],
         "IPv6Data": []})";
}

std::string DockerCreateEndpoint() {
  return std::string(R"({"NetworkID": ")") + kNetworkId +
         R"(", "EndpointID": ")" + kEndpointId + R"(",
         "Interface": {"Address": "192.168.1.5/24", "AddressIPv6": "",
                       "MacAddress": "52:54:0e:e5:00:f7"},
         "Options": {"com.docker.network.endpoint.exposedports": [],
                     "com.docker.network.endpoint.macaddress": "UlQO5QD3",
                     "com.docker.network.portmap": []}})";
}

std::string DockerJoin() {
  return std::string(R"({"NetworkID": ")") + kNetworkId +
         R"(", "EndpointID": ")" + kEndpointId +
         R"(", "SandboxKey": "/var/run/docker/netns/061211930da6",
         "Options": {"com.docker.network.endpoint.exposedports": [],
                     "com.docker.network.portmap": []}})";
}

std::string DockerEndpointRef() {
  return std::string(R"({"NetworkID": ")") + kNetworkId +
         R"(", "EndpointID": ")" + kEndpointId + R"("})";
}

// Expects a kInvalidArgument whose message contains `text`.
template <typename T>
void ExpectInvalid(const Result<T>& result, const std::string& text) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << text;
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(text));
}

json Parsed(const std::string& body) { return json::parse(body); }

// ---- CreateNetwork ----

TEST(WireTest, DecodesDockersCreateNetwork) {
  Result<CreateNetworkRequest> r = DecodeCreateNetwork(DockerCreateNetwork());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->network_id, kNetworkId);
  ASSERT_EQ(r->ipv4.size(), 1u);
  EXPECT_EQ(r->ipv4[0].pool, "192.168.1.0/24");
  EXPECT_EQ(r->ipv4[0].gateway, "192.168.1.1/24");
  EXPECT_THAT(r->ipv6, IsEmpty());
  // Only the generic (-o) options; enable_ipv6 is Docker's own.
  EXPECT_THAT(r->options, ElementsAre(Pair("foo", "bar")));
}

TEST(WireTest, DecodesIpv6AndIpamWithoutGateway) {
  Result<CreateNetworkRequest> r = DecodeCreateNetwork(R"({"NetworkID": "n",
      "IPv4Data": [{"Pool": "10.0.0.0/8"}],
      "IPv6Data": [{"AddressSpace": "LocalDefault", "Pool": "fd00::/64",
                    "Gateway": "fd00::1/64"}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->ipv4.size(), 1u);
  EXPECT_EQ(r->ipv4[0].pool, "10.0.0.0/8");
  EXPECT_EQ(r->ipv4[0].gateway, "");
  ASSERT_EQ(r->ipv6.size(), 1u);
  EXPECT_EQ(r->ipv6[0].pool, "fd00::/64");
  EXPECT_EQ(r->ipv6[0].gateway, "fd00::1/64");
}

TEST(WireTest, CreateNetworkWithNullsAndNothingOptional) {
  for (
      const char* body :
      {R"({"NetworkID": "n"})",
       R"({"NetworkID": "n", "Options": null, "IPv4Data": null,
            "IPv6Data": null})",
       R"({"NetworkID": "n", "Options": {"com.docker.network.generic": null}})"}) {
    Result<CreateNetworkRequest> r = DecodeCreateNetwork(body);
    ASSERT_TRUE(r.ok()) << body << ": " << r.status().message();
    EXPECT_EQ(r->network_id, "n");
    EXPECT_THAT(r->ipv4, IsEmpty());
    EXPECT_THAT(r->ipv6, IsEmpty());
    EXPECT_THAT(r->options, IsEmpty());
  }
}

TEST(WireTest, GenericOptionNumbersAndBooleansBecomeText) {
  Result<CreateNetworkRequest> r = DecodeCreateNetwork(R"({"NetworkID": "n",
      "Options": {"com.docker.network.generic": {
        "hostnic.mtu": 9000, "hostnic.wait": -1, "ratio": 1.5,
        "flag": true, "off": false, "hostnic.nics": "eth2,eth3"}}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_THAT(r->options,
              UnorderedElementsAre(
                  Pair("hostnic.mtu", "9000"), Pair("hostnic.wait", "-1"),
                  Pair("ratio", "1.5"), Pair("flag", "true"),
                  Pair("off", "false"), Pair("hostnic.nics", "eth2,eth3")));
}

TEST(WireTest, GenericOptionsOfOtherTypesAreRefused) {
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "Options":
      {"com.docker.network.generic": {"hostnic.nics": ["eth2"]}}})"),
                "network option \"hostnic.nics\" must be a string, number or "
                "boolean, not an array");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "Options":
      {"com.docker.network.generic": {"x": {"y": 1}}}})"),
                "network option \"x\" must be a string, number or boolean, "
                "not an object");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "Options":
      {"com.docker.network.generic": {"x": null}}})"),
                "network option \"x\"");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "Options":
      {"com.docker.network.generic": "foo=bar"}})"),
                "\"Options.com.docker.network.generic\" must be an object, "
                "not a string");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "Options": []})"),
                "\"Options\" must be an object, not an array");
}

TEST(WireTest, MalformedIpamIsRefused) {
  ExpectInvalid(
      DecodeCreateNetwork(R"({"NetworkID": "n", "IPv4Data": {"Pool": "x"}})"),
      "\"IPv4Data\" must be an array, not an object");
  ExpectInvalid(
      DecodeCreateNetwork(R"({"NetworkID": "n", "IPv6Data": ["fd00::/64"]})"),
      "\"IPv6Data[0]\" must be an object, not a string");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "IPv4Data":
      [{"Pool": "10.0.0.0/8"}, {"Gateway": "10.0.0.1/8"}]})"),
                "\"IPv4Data[1].Pool\" is missing");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": "n", "IPv4Data":
      [{"Pool": "10.0.0.0/8", "Gateway": 1}]})"),
                "\"IPv4Data[0].Gateway\" must be a string, not a number");
}

// ---- IDs, shared by every method ----

TEST(WireTest, MissingOrBadIdsAreNamed) {
  ExpectInvalid(DecodeCreateNetwork("{}"), "\"NetworkID\" is missing");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": ""})"),
                "\"NetworkID\" is missing");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": null})"),
                "\"NetworkID\" is missing");
  ExpectInvalid(DecodeCreateNetwork(R"({"NetworkID": 42})"),
                "\"NetworkID\" must be a string, not a number");
  ExpectInvalid(DecodeNetworkId(R"({"networkid": "n"})"),
                "\"NetworkID\" is missing");
  ExpectInvalid(DecodeCreateEndpoint(R"({"NetworkID": "n"})"),
                "\"EndpointID\" is missing");
  ExpectInvalid(DecodeCreateEndpoint(R"({"EndpointID": "e"})"),
                "\"NetworkID\" is missing");
  ExpectInvalid(DecodeEndpointRef(R"({"NetworkID": "n", "EndpointID": []})"),
                "\"EndpointID\" must be a string, not an array");
  ExpectInvalid(DecodeJoin(R"({"NetworkID": "n"})"),
                "\"EndpointID\" is missing");
}

TEST(WireTest, MalformedBodiesAreRefusedByEveryDecoder) {
  struct Case {
    const char* body;
    const char* error;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "request body is empty"},
           {"  \n", "request body is empty"},
           {"{", "request body is not valid JSON"},
           {"{\"NetworkID\": \"n\",}", "request body is not valid JSON"},
           {"\"\xff\"", "request body is not valid JSON"},
           {"[]", "request body is an array, not a JSON object"},
           {"null", "request body is null, not a JSON object"},
           {"42", "request body is a number, not a JSON object"},
           {"\"text\"", "request body is a string, not a JSON object"},
       }) {
    SCOPED_TRACE(c.body);
    ExpectInvalid(DecodeCreateNetwork(c.body), c.error);
    ExpectInvalid(DecodeNetworkId(c.body), c.error);
    ExpectInvalid(DecodeCreateEndpoint(c.body), c.error);
    ExpectInvalid(DecodeEndpointRef(c.body), c.error);
    ExpectInvalid(DecodeJoin(c.body), c.error);
  }
}

// ---- Other requests ----

TEST(WireTest, DecodesNetworkId) {
  Result<std::string> id =
      DecodeNetworkId(std::string(R"({"NetworkID": ")") + kNetworkId + "\"}");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, kNetworkId);
}

TEST(WireTest, DecodesDockersCreateEndpoint) {
  Result<CreateEndpointRequest> r =
      DecodeCreateEndpoint(DockerCreateEndpoint());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->network_id, kNetworkId);
  EXPECT_EQ(r->endpoint_id, kEndpointId);
  EXPECT_EQ(r->address, "192.168.1.5/24");
  EXPECT_EQ(r->address6, "");
  EXPECT_EQ(r->mac, "52:54:0e:e5:00:f7");
  // The string entries only; Docker's lists are dropped.
  EXPECT_THAT(
      r->options,
      ElementsAre(Pair("com.docker.network.endpoint.macaddress", "UlQO5QD3")));
}

TEST(WireTest, CreateEndpointPassesDriverOpts) {
  Result<CreateEndpointRequest> r = DecodeCreateEndpoint(
      R"({"NetworkID": "n", "EndpointID": "e",
          "Interface": {"Address": "10.0.0.2/8", "AddressIPv6": "fd00::2/64"},
          "Options": {"hostnic.nic": "eth3", "com.docker.network.portmap": null,
                      "number": 5}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->address6, "fd00::2/64");
  EXPECT_EQ(r->mac, "");
  EXPECT_THAT(r->options, ElementsAre(Pair("hostnic.nic", "eth3")));
}

TEST(WireTest, CreateEndpointWithoutInterface) {
  for (const char* body :
       {R"({"NetworkID": "n", "EndpointID": "e"})",
        R"({"NetworkID": "n", "EndpointID": "e", "Interface": null,
            "Options": null})",
        R"({"NetworkID": "n", "EndpointID": "e", "Interface": {}})",
        R"({"NetworkID": "n", "EndpointID": "e", "Interface":
            {"Address": null, "AddressIPv6": null, "MacAddress": null}})"}) {
    Result<CreateEndpointRequest> r = DecodeCreateEndpoint(body);
    ASSERT_TRUE(r.ok()) << body << ": " << r.status().message();
    EXPECT_EQ(r->address, "");
    EXPECT_EQ(r->address6, "");
    EXPECT_EQ(r->mac, "");
    EXPECT_THAT(r->options, IsEmpty());
  }
}

TEST(WireTest, CreateEndpointWithBadInterfaceIsRefused) {
  ExpectInvalid(DecodeCreateEndpoint(
                    R"({"NetworkID": "n", "EndpointID": "e", "Interface": 1})"),
                "\"Interface\" must be an object, not a number");
  ExpectInvalid(DecodeCreateEndpoint(R"({"NetworkID": "n", "EndpointID": "e",
                    "Interface": {"MacAddress": ["52:54:0e:e5:00:f7"]}})"),
                "\"Interface.MacAddress\" must be a string, not an array");
  ExpectInvalid(DecodeCreateEndpoint(R"({"NetworkID": "n", "EndpointID": "e",
                    "Interface": {"Address": true}})"),
                "\"Interface.Address\" must be a string, not a boolean");
  ExpectInvalid(DecodeCreateEndpoint(R"({"NetworkID": "n", "EndpointID": "e",
                    "Options": "hostnic.nic=eth2"})"),
                "\"Options\" must be an object, not a string");
}

TEST(WireTest, DecodesDockersJoin) {
  Result<JoinRequest> r = DecodeJoin(DockerJoin());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->network_id, kNetworkId);
  EXPECT_EQ(r->endpoint_id, kEndpointId);
  EXPECT_EQ(r->sandbox_key, "/var/run/docker/netns/061211930da6");

  Result<JoinRequest> no_key =
      DecodeJoin(R"({"NetworkID": "n", "EndpointID": "e"})");
  ASSERT_TRUE(no_key.ok());
  EXPECT_EQ(no_key->sandbox_key, "");
  ExpectInvalid(
      DecodeJoin(R"({"NetworkID": "n", "EndpointID": "e", "SandboxKey": 7})"),
      "\"SandboxKey\" must be a string, not a number");
}

TEST(WireTest, DecodesEndpointRefs) {
  // EndpointOperInfo, DeleteEndpoint, Leave, RevokeExternalConnectivity send
  // just the IDs; ProgramExternalConnectivity adds Options.
  for (const std::string& body :
       {DockerEndpointRef(),
        std::string(R"({"NetworkID": ")") + kNetworkId +
            R"(", "EndpointID": ")" + kEndpointId +
            R"(", "Options": {"com.docker.network.portmap": []}})"}) {
    Result<EndpointRef> r = DecodeEndpointRef(body);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->network_id, kNetworkId);
    EXPECT_EQ(r->endpoint_id, kEndpointId);
  }
}

// ---- Replies ----

TEST(WireTest, EncodesHandshake) {
  EXPECT_EQ(Parsed(EncodeActivate()),
            json::parse(R"({"Implements": ["NetworkDriver"]})"));
  EXPECT_EQ(Parsed(EncodeCapabilities()),
            json::parse(R"({"Scope": "local", "ConnectivityScope": "local"})"));
  EXPECT_EQ(EncodeOk(), "{}");
}

TEST(WireTest, EncodesErrors) {
  EXPECT_EQ(Parsed(EncodeError("NIC \"eth2\" is busy")),
            json::parse(R"({"Err": "NIC \"eth2\" is busy"})"));
  // Invalid UTF-8 (a device name, say) is replaced, never thrown.
  json j = Parsed(EncodeError("bad \xff name"));
  EXPECT_THAT(j["Err"].get<std::string>(), HasSubstr("bad "));
}

TEST(WireTest, EncodesCreateEndpoint) {
  EXPECT_EQ(EncodeCreateEndpoint({}), "{}");
  EXPECT_EQ(
      Parsed(EncodeCreateEndpoint({"52:54:0e:e5:00:f7", "", ""})),
      json::parse(R"({"Interface": {"MacAddress": "52:54:0e:e5:00:f7"}})"));
  // Null IPAM: the NIC's own address.
  EXPECT_EQ(Parsed(EncodeCreateEndpoint({"", "192.168.61.11/24", ""})),
            json::parse(R"({"Interface": {"Address": "192.168.61.11/24"}})"));
  // hostnic.address6: its own IPv6 address too.
  EXPECT_EQ(Parsed(EncodeCreateEndpoint(
                {"", "192.168.61.11/24", "2001:db8:61::21/64"})),
            json::parse(R"({"Interface": {"Address": "192.168.61.11/24",
                                          "AddressIPv6": "2001:db8:61::21/64"}})"));
}

TEST(WireTest, DecodesNullIpamAddressSpace) {
  auto request = DecodeCreateNetwork(
      R"({"NetworkID":"n1","IPv4Data":[{"AddressSpace":"null",)"
      R"("Pool":"0.0.0.0/0"}],"IPv6Data":[]})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  ASSERT_EQ(request->ipv4.size(), 1u);
  EXPECT_EQ(request->ipv4[0].address_space, "null");
  EXPECT_EQ(request->ipv4[0].pool, "0.0.0.0/0");
}

TEST(WireTest, EncodesJoinThatDisablesTheGatewayService) {
  JoinReply reply;
  reply.src_name = "eth2";
  reply.gateway = "192.168.61.1";
  reply.disable_gateway_service = true;
  EXPECT_EQ(Parsed(EncodeJoin(reply)),
            json::parse(R"({"InterfaceName":{"SrcName":"eth2",)"
                        R"("DstPrefix":"eth"},"Gateway":"192.168.61.1",)"
                        R"("DisableGatewayService":true})"));
}

TEST(WireTest, EncodesEndpointInfo) {
  EXPECT_EQ(Parsed(EncodeEndpointInfo({})), json::parse(R"({"Value": {}})"));
  EXPECT_EQ(Parsed(EncodeEndpointInfo({{"nic", "eth2"}, {"mac", "m"}})),
            json::parse(R"({"Value": {"nic": "eth2", "mac": "m"}})"));
}

TEST(WireTest, EncodesDockersJoinReply) {
  JoinReply reply;
  reply.src_name = "eth2";
  reply.gateway = "192.168.1.1";
  EXPECT_EQ(Parsed(EncodeJoin(reply)), json::parse(R"(
      {"InterfaceName": {"SrcName": "eth2", "DstPrefix": "eth"},
       "Gateway": "192.168.1.1"})"));
}

TEST(WireTest, EncodesJoinWithoutGatewaysOrRoutes) {
  JoinReply reply;
  reply.src_name = "ens5";
  EXPECT_EQ(Parsed(EncodeJoin(reply)), json::parse(R"(
      {"InterfaceName": {"SrcName": "ens5", "DstPrefix": "eth"}})"));
}

TEST(WireTest, EncodesJoinWithEverything) {
  JoinReply reply;
  reply.src_name = "eth2";
  reply.gateway = "192.168.1.1";
  reply.gateway6 = "fd00::1";
  reply.static_routes = {{"10.0.0.0/8", "192.168.1.254"},
                         {"172.16.0.0/12", ""}};
  EXPECT_EQ(Parsed(EncodeJoin(reply)), json::parse(R"(
      {"InterfaceName": {"SrcName": "eth2", "DstPrefix": "eth"},
       "Gateway": "192.168.1.1", "GatewayIPv6": "fd00::1",
       "StaticRoutes": [
         {"Destination": "10.0.0.0/8", "RouteType": 0,
          "NextHop": "192.168.1.254"},
         {"Destination": "172.16.0.0/12", "RouteType": 1}]})"));
}

TEST(WireTest, EncodesJoinWithoutTheRouterOfAnIpv6Lease) {
  JoinReply reply;
  reply.src_name = "eth2";
  reply.gateway6 = "fe80::1";
  reply.gateway6_from_router = true;
  EXPECT_EQ(Parsed(EncodeJoin(reply)), json::parse(R"(
      {"InterfaceName": {"SrcName": "eth2", "DstPrefix": "eth"}})"));
}

}  // namespace
}  // namespace hostnic::docker
