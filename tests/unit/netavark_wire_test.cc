// The daemon side of podman 5's networks: the CNI protocol's "runtime"
// field (cni/wire.h) and the IDs CniService gives podman networks,
// which can never be a Docker network's or a CNI one's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cni/service.h"
#include "cni/wire.h"
#include "hostnic/ids.h"

namespace hostnic::cni {
namespace {

using ::testing::HasSubstr;

TEST(NetavarkWireTest, RuntimeTravelsWithTheKey) {
  wire::AttachmentKey key;
  key.network = std::string(64, 'f');
  key.container_id = "c1";
  key.ifname = "eth0";
  key.runtime = wire::kRuntimeNetavark;
  Result<wire::AttachmentKey> back =
      wire::DecodeAttachmentKey(wire::Encode(key));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->runtime, "netavark");
  EXPECT_EQ(back->network, key.network);

  key.runtime.clear();
  back = wire::DecodeAttachmentKey(wire::Encode(key));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->runtime, "");
}

TEST(NetavarkWireTest, UnknownRuntimeOrBadPodmanIdIsRefused) {
  Result<wire::AttachmentKey> key = wire::DecodeAttachmentKey(
      R"({"network":"n","containerId":"c","ifname":"eth0","runtime":"rkt"})");
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.status().message(), HasSubstr("'rkt', not empty (CNI)"));
  for (const std::string& network :
       std::vector<std::string>{"../x", std::string(65, 'a')}) {
    key = wire::DecodeAttachmentKey(
        R"({"network":")" + network +
        R"(","containerId":"c","ifname":"eth0","runtime":"netavark"})");
    ASSERT_FALSE(key.ok()) << network;
    EXPECT_THAT(key.status().message(), HasSubstr("not a podman network ID"));
  }
}

TEST(NetavarkWireTest, PodmanIdsAreNeitherDockersNorCnis) {
  const std::string podman_id(64, 'a');
  const std::string network = CniService::PodmanNetworkId(podman_id);
  EXPECT_EQ(network, "podman-" + podman_id);
  EXPECT_TRUE(IsValidId(network));
  // A CNI network named like it gets another ID.
  EXPECT_NE(CniService::NetworkId(network), network);
  EXPECT_NE(CniService::NetworkId(podman_id), network);
  const std::string endpoint =
      CniService::PodmanEndpointId(podman_id, "c1", "eth0");
  EXPECT_TRUE(IsValidId(endpoint));
  EXPECT_EQ(endpoint.rfind("podman", 0), 0u);
  EXPECT_NE(endpoint, CniService::PodmanEndpointId(podman_id, "c1", "eth1"));
  EXPECT_NE(endpoint, CniService::PodmanEndpointId(podman_id, "c2", "eth0"));
  EXPECT_NE(endpoint, CniService::EndpointId(podman_id, "", "c1", "eth0"));
}

}  // namespace
}  // namespace hostnic::cni
