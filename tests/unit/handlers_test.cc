#include "docker/handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fakes/driver_fixture.h"

namespace hostnic::docker {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

const char kNet[] = "4390aa";
const char kEp[] = "2b34bb";
const char kMac2[] = "52:54:0e:e5:00:f7";
const char kMac3[] = "52:54:0e:e5:00:f8";

std::string Ids(const std::string& extra = "") {
  return std::string(R"({"NetworkID": ")") + kNet + R"(", "EndpointID": ")" +
         kEp + "\"" + extra + "}";
}

class HandlersTest : public DriverFixture {
 protected:
  HandlersTest() : handlers_(StartDriver()) {
    inventory_.Reset({MakeLink(3, "eth2", kMac2), MakeLink(4, "eth3", kMac3)},
                     {});
  }

  // Posts `body` to `path`, expects 200 and returns the parsed reply.
  json Call(const std::string& path, const std::string& body) {
    Handlers::Reply reply = handlers_.Handle(path, body);
    EXPECT_EQ(reply.http_status, 200) << path;
    EXPECT_FALSE(reply.body.empty()) << path;
    json j = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << path << ": " << reply.body;
    return j;
  }
  void CreateNetwork() {
    ASSERT_EQ(Call("/NetworkDriver.CreateNetwork",
                   std::string(R"({"NetworkID": ")") + kNet + R"(",
                   "Options": {"com.docker.network.enable_ipv6": false,
                               "com.docker.network.generic": {}},
                   "IPv4Data": [{"AddressSpace": "LocalDefault",
                                 "Gateway": "192.168.1.1/24",
                                 "Pool": "192.168.1.0/24"}],
                   "IPv6Data": []})"),
              json::object());
  }

  // Failures are expected here; their warnings would only be noise.
  ScopedLogLevel quiet_{spdlog::level::err};
  Handlers handlers_;
};

TEST_F(HandlersTest, DockerJourney) {
  // The calls and bodies of docker-20.10-wire.md, in order.
  EXPECT_EQ(Call("/Plugin.Activate", "{}"),
            json::parse(R"({"Implements": ["NetworkDriver"]})"));
  EXPECT_EQ(Call("/NetworkDriver.GetCapabilities", "{}"),
            json::parse(R"({"Scope": "local", "ConnectivityScope": "local"})"));
  CreateNetwork();
  EXPECT_EQ(Call("/NetworkDriver.CreateEndpoint",
                 Ids(R"(, "Interface": {"Address": "192.168.1.5/24",
                     "AddressIPv6": "", "MacAddress": "52:54:0e:e5:00:f7"},
                     "Options": {"com.docker.network.endpoint.exposedports": [],
                     "com.docker.network.endpoint.macaddress": "UlQO5QD3",
                     "com.docker.network.portmap": []})")),
            json::object());  // Docker chose the MAC; nothing to add.
  EXPECT_EQ(Call("/NetworkDriver.Join",
                 Ids(R"(, "SandboxKey": "/var/run/docker/netns/061211930da6",
                     "Options": {})")),
            json::parse(R"({"InterfaceName": {"SrcName": "eth2",
                            "DstPrefix": "eth"}, "Gateway": "192.168.1.1"})"));
  EXPECT_EQ(Call("/NetworkDriver.ProgramExternalConnectivity",
                 Ids(R"(, "Options": {})")),
            json::object());
  json info = Call("/NetworkDriver.EndpointOperInfo", Ids());
  ASSERT_TRUE(info.contains("Value")) << info;
  EXPECT_TRUE(info["Value"].is_object());
  EXPECT_EQ(Call("/NetworkDriver.RevokeExternalConnectivity", Ids()),
            json::object());
  EXPECT_EQ(Call("/NetworkDriver.Leave", Ids()), json::object());
  EXPECT_EQ(Call("/NetworkDriver.DeleteEndpoint", Ids()), json::object());
  EXPECT_EQ(Call("/NetworkDriver.DiscoverNew",
                 R"({"DiscoveryType": 1, "DiscoveryData": {"Address":
                     "127.0.0.1", "BindAddress": "127.0.0.1", "Self": true}})"),
            json::object());
  EXPECT_EQ(Call("/NetworkDriver.DeleteNetwork",
                 std::string(R"({"NetworkID": ")") + kNet + "\"}"),
            json::object());
  EXPECT_EQ(store_.network_count(), 0u);
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(HandlersTest, CreateEndpointAnswersTheMacItChose) {
  CreateNetwork();
  json reply = Call("/NetworkDriver.CreateEndpoint",
                    Ids(R"(, "Interface": {"Address": "192.168.1.5/24"},
                        "Options": {"hostnic.nic": "eth3"})"));
  EXPECT_EQ(reply, json::parse(R"({"Interface": {"MacAddress": ")" +
                               std::string(kMac3) + "\"}}"));
}

TEST_F(HandlersTest, DriverErrorsAreErrReplies) {
  json reply =
      Call("/NetworkDriver.CreateEndpoint",
           Ids(R"(, "Interface": {"MacAddress": "52:54:0e:e5:00:f7"})"));
  ASSERT_TRUE(reply["Err"].is_string()) << reply;
  EXPECT_THAT(reply["Err"].get<std::string>(), HasSubstr(kNet));
  EXPECT_EQ(reply.size(), 1u);
}

TEST_F(HandlersTest, DecodeErrorsAreErrReplies) {
  json reply = Call("/NetworkDriver.Join", R"({"NetworkID": "n"})");
  EXPECT_THAT(reply["Err"].get<std::string>(), HasSubstr("EndpointID"));
}

TEST_F(HandlersTest, EveryMethodAnswersMalformedBodiesWithErr) {
  for (const char* path :
       {"/NetworkDriver.CreateNetwork", "/NetworkDriver.DeleteNetwork",
        "/NetworkDriver.AllocateNetwork", "/NetworkDriver.FreeNetwork",
        "/NetworkDriver.CreateEndpoint", "/NetworkDriver.EndpointOperInfo",
        "/NetworkDriver.DeleteEndpoint", "/NetworkDriver.Join",
        "/NetworkDriver.Leave", "/NetworkDriver.ProgramExternalConnectivity",
        "/NetworkDriver.RevokeExternalConnectivity"}) {
    for (const char* body : {"", "{", "[1]", "{\"NetworkID\": {}}"}) {
      json reply = Call(path, body);
      EXPECT_TRUE(reply["Err"].is_string()) << path << " " << body;
    }
  }
}

TEST_F(HandlersTest, SwarmAndDiscoveryCallsAreAcknowledged) {
  EXPECT_EQ(Call("/NetworkDriver.AllocateNetwork",
                 R"({"NetworkID": "n", "Options": {}})"),
            json::object());
  EXPECT_EQ(Call("/NetworkDriver.FreeNetwork", R"({"NetworkID": "n"})"),
            json::object());
  EXPECT_EQ(Call("/NetworkDriver.DiscoverDelete", ""), json::object());
  // Docker's DeleteEndpoint/Leave replays after a crash are fine.
  EXPECT_EQ(Call("/NetworkDriver.Leave", Ids()), json::object());
}

TEST_F(HandlersTest, UnknownPathsAre404) {
  for (const char* path : {"/NetworkDriver.Nope", "/", "/Plugin.Activate/x",
                           "/IpamDriver.RequestPool"}) {
    Handlers::Reply reply = handlers_.Handle(path, "{}");
    EXPECT_EQ(reply.http_status, 404) << path;
    EXPECT_THAT(json::parse(reply.body)["Err"].get<std::string>(),
                HasSubstr(path));
  }
}

}  // namespace
}  // namespace hostnic::docker
