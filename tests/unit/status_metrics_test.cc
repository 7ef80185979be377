// What `hostnic status` and /metrics show for a given driver state.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "observability/metrics.h"
#include "observability/status_json.h"

namespace hostnic::observability {
namespace {

using ::testing::HasSubstr;

std::vector<NicReport> SampleReport() {
  NicReport free_nic;
  free_nic.link.name = "eth3";
  free_nic.link.mac = *Mac::Parse("52:54:0e:e5:00:f8");
  NicReport held;
  held.link.name = "eth2";
  held.link.mac = *Mac::Parse("52:54:0e:e5:00:f7");
  held.network_id = "4390aabbccddeeff";
  held.endpoint_id = "2b34aabbccddeeff";
  NicReport away = held;
  away.link.name = "eth4";
  away.present = false;
  away.joined = true;
  away.sandbox_key = "/var/run/docker/netns/061211930da6";
  away.lease = Lease();
  away.lease->address = "192.168.61.11/24";
  away.lease->source = "dhcp";
  away.lease->dns.servers = {"10.0.0.2", "10.0.0.3"};
  away.lease->dns.search = {"corp.example", "example"};
  away.lease_state = "bound";
  away.guard = GuardInfo{"native", 12};
  held.lease_state = "lost: DHCP server 192.168.61.1 refused to renew it (NAK)";
  NicReport refused;
  refused.link.name = "eth0";
  refused.refused =
      "it carries a default route of the host's main routing table";
  return {free_nic, held, away, refused};
}

TEST(StatusJson, TableListsEachNicWithItsStateHolderAndReason) {
  auto table =
      StatusJsonToTable(StatusToJson(SampleReport(), "0.1.0", nullptr));
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(
      *table,
      "NIC   MAC                STATE         ADDRESS           DNS" +
          std::string(44, ' ') + "NETWORK       ENDPOINT      NOTE\n" +
          "eth4  52:54:0e:e5:00:f7  in-container  192.168.61.11/24  "
          "10.0.0.2,10.0.0.3 search corp.example,example  4390aabbccdd  "
          "2b34aabbccdd  guarded (native, 12 frames dropped); "
          "/var/run/docker/netns/061211930da6\n"
          "eth2  52:54:0e:e5:00:f7  held" +
          std::string(75, ' ') +
          "4390aabbccdd  "
          "2b34aabbccdd  lease lost: DHCP server 192.168.61.1 refused to renew "
          "it (NAK)\n"
          "eth3  52:54:0e:e5:00:f8  free\n"
          "eth0  00:00:00:00:00:00  refused" +
          std::string(100, ' ') +
          "it carries a default route of the host's main routing table\n");
}

TEST(StatusJson, ALeaseShowsItsDns) {
  const nlohmann::json doc =
      nlohmann::json::parse(StatusToJson(SampleReport(), "0.1.0", nullptr));
  for (const nlohmann::json& nic : doc["nics"]) {
    if (nic["name"] != "eth4") continue;
    EXPECT_EQ(nic["lease"]["dns"],
              nlohmann::json::parse(R"({"nameservers":["10.0.0.2","10.0.0.3"],
                "domain":"","search":["corp.example","example"]})"));
    return;
  }
  ADD_FAILURE() << "no eth4 in " << doc.dump();
}

TEST(NicState, OneDefinitionForStatusAndMetrics) {
  using State = NicReport::State;
  const std::vector<NicReport> rows = SampleReport();
  EXPECT_EQ(rows[0].state(), State::kFree);
  EXPECT_EQ(rows[1].state(), State::kHeld);
  EXPECT_EQ(rows[2].state(), State::kInContainer);
  EXPECT_EQ(rows[3].state(), State::kRefused);
  NicReport away = rows[2];
  away.joined = false;  // Left, its NIC not back yet (or detached).
  EXPECT_EQ(away.state(), State::kAway);
  EXPECT_STREQ(NicStateName(State::kInContainer), "in-container");
  EXPECT_STREQ(NicStateName(State::kAway), "away");

  // Status shows each row's state by that name; metrics count a NIC in its
  // container as away.
  const std::string json = StatusToJson({away, rows[2]}, "0.1.0", nullptr);
  EXPECT_THAT(json, HasSubstr("\"state\": \"away\""));
  EXPECT_THAT(json, HasSubstr("\"state\": \"in-container\""));
  Metrics metrics;
  const std::string text = metrics.Render({away, rows[2]}, DriverCounters());
  EXPECT_THAT(text, HasSubstr("hostnic_nics{state=\"away\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_nics{state=\"held\"} 0\n"));
}

TEST(StatusJson, RejectsWhatIsNotAStatusDocument) {
  EXPECT_FALSE(StatusJsonToTable("{\"Err\":\"x\"}").ok());
  EXPECT_FALSE(StatusJsonToTable("not json").ok());
}

TEST(Metrics, CountsErrorsHistogramsAndNicStates) {
  Metrics metrics;
  metrics.Observe("NetworkDriver.Join", 0.0002, true);
  metrics.Observe("NetworkDriver.Join", 0.3, false);
  DriverCounters counters;
  counters.hook_runs = 2;
  const std::string text = metrics.Render(SampleReport(), counters);
  EXPECT_THAT(
      text,
      HasSubstr("hostnic_requests_total{method=\"NetworkDriver.Join\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "hostnic_request_errors_total{method=\"NetworkDriver.Join\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_request_duration_seconds_bucket{method="
                              "\"NetworkDriver.Join\",le=\"0.00025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_request_duration_seconds_bucket{method="
                              "\"NetworkDriver.Join\",le=\"0.5\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_request_duration_seconds_bucket{method="
                              "\"NetworkDriver.Join\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_nics{state=\"free\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_nics{state=\"held\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_nics{state=\"away\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_nics{state=\"refused\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_hook_runs_total 2\n"));
  EXPECT_THAT(text, HasSubstr("hostnic_guard_dropped_frames_total{nic=\"eth4\","
                              "mac=\"52:54:0e:e5:00:f7\",mode=\"native\"} "
                              "12\n"));
}

TEST(StatusJson, ShowsTheIpv6LeaseAndItsDnsBesideTheIpv4Ones) {
  NicReport row = SampleReport()[2];
  row.lease6 = Lease();
  row.lease6->address = "2001:db8:61::21/64";
  row.lease6->source = "dhcp6";
  row.lease6->gateway = "fe80::1";
  row.lease6_state = "lost: it expired without a renewal";
  row.lease6->dns.servers = {"2001:db8:61::53"};
  row.lease6->dns.search = {"example", "lab.example"};
  const std::string json = StatusToJson({row}, "0.1.0", nullptr);
  EXPECT_THAT(json, HasSubstr("\"lease6\": {"));
  EXPECT_THAT(json, HasSubstr("\"address\": \"2001:db8:61::21/64\""));
  EXPECT_THAT(json, HasSubstr("\"gateway\": \"fe80::1\""));
  auto table = StatusJsonToTable(json);
  ASSERT_TRUE(table.ok());
  EXPECT_THAT(*table, HasSubstr("192.168.61.11/24 2001:db8:61::21/64"));
  // Its DNS after the IPv4 lease's, each once, as the container gets it.
  EXPECT_THAT(*table, HasSubstr("  10.0.0.2,10.0.0.3,2001:db8:61::53 search "
                                "corp.example,example,lab.example  "));
  EXPECT_THAT(*table,
              HasSubstr("IPv6 lease lost: it expired without a renewal"));
  const std::string text = Metrics().Render({row}, DriverCounters());
  EXPECT_THAT(text,
              HasSubstr("hostnic_leases{family=\"ipv4\",state=\"bound\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("hostnic_leases{family=\"ipv6\",state=\"lost\"} 1\n"));
}

}  // namespace
}  // namespace hostnic::observability
