// --metrics-address: /metrics and /health over TCP, in the private netns.
#include <gtest/gtest.h>
#include <httplib.h>

#include "http/tcp_metrics_server.h"
#include "integration/netns_env.h"

namespace hostnic::http {
namespace {

const int kPort = 19127;

TcpMetricsServer::Page Page(int status, std::string body) {
  return [=] { return Reply{status, body, "text/plain"}; };
}

TEST(TcpMetricsServer, ServesBothPagesOnLoopback) {
  HOSTNIC_REQUIRE_PRIVATE_NETNS();
  ASSERT_EQ(itest::Sh("ip link set lo up"), 0);
  TcpMetricsServer server;
  ASSERT_TRUE(server
                  .Start(":" + std::to_string(kPort),
                         Page(200, "hostnic_x 1\n"), Page(503, "starting"))
                  .ok());
  httplib::Client client("127.0.0.1", kPort);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "hostnic_x 1\n");
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  server.Stop();
}

TEST(TcpMetricsServer, RefusesBadAddressesAndPortsInUse) {
  HOSTNIC_REQUIRE_PRIVATE_NETNS();
  ASSERT_EQ(itest::Sh("ip link set lo up"), 0);
  for (const char* bad : {"9127", ":", ":0", ":70000", ":91x"}) {
    TcpMetricsServer server;
    Status s = server.Start(bad, Page(200, ""), Page(200, ""));
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
  }
  TcpMetricsServer first, second;
  ASSERT_TRUE(
      first.Start(":" + std::to_string(kPort + 1), Page(200, ""), Page(200, ""))
          .ok());
  Status s = second.Start("127.0.0.1:" + std::to_string(kPort + 1),
                          Page(200, ""), Page(200, ""));
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("cannot listen on 127.0.0.1:19128"),
            std::string::npos);
}

}  // namespace
}  // namespace hostnic::http
