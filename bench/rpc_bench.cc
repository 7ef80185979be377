// rpc_bench: drives a running hostnic daemon through full endpoint cycles
// (CreateEndpoint, Join, Leave, DeleteEndpoint) over its socket and prints
// per-method latency percentiles. bench/control_plane.sh sets up the NICs.
//
//   rpc_bench SOCKET MAC_PREFIX NICS CYCLES [ip|dhcp]
//
// NICs are expected to have MACs MAC_PREFIX:XX:YY for 0 <= i < NICS (two
// trailing bytes: i / 256, i % 256); cycles pick NICs round robin.
// `ip` (the default) gives each endpoint Docker's address (--ip); `dhcp`
// creates a null-IPAM network, so each NIC's first CreateEndpoint asks its
// DHCP server ("CreateEndpoint/dhcp") and later ones reuse the stored lease
// ("CreateEndpoint/lease").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "http/unix_http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string MacOf(const std::string& prefix, int i) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), ":%02x:%02x", (i >> 8) & 0xff, i & 0xff);
  return prefix + buf;
}

// Times one call under `label` (default: the method's name).
bool Call(const hostnic::http::UnixHttpClient& client, const std::string& path,
          const std::string& body,
          std::map<std::string, std::vector<double>>* us,
          const std::string& label = "") {
  const auto start = Clock::now();
  auto reply = client.Post(path, body);
  const double elapsed =
      std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  if (!reply.ok() || reply->status != 200 ||
      reply->body.find("\"Err\"") != std::string::npos) {
    std::fprintf(
        stderr, "%s failed: %s\n", path.c_str(),
        reply.ok() ? reply->body.c_str() : reply.status().message().c_str());
    return false;
  }
  (*us)[label.empty() ? path.substr(path.find('.') + 1) : label].push_back(
      elapsed);
  return true;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 6 ? argv[5] : "ip";
  if ((argc != 5 && argc != 6) || (mode != "ip" && mode != "dhcp")) {
    std::fprintf(stderr, "usage: %s SOCKET MAC_PREFIX NICS CYCLES [ip|dhcp]\n",
                 argv[0]);
    return 2;
  }
  const bool dhcp = mode == "dhcp";
  const hostnic::http::UnixHttpClient client(argv[1]);
  const std::string prefix = argv[2];
  const int nics = std::atoi(argv[3]);
  const int cycles = std::atoi(argv[4]);
  const std::string net = "benchnet";

  std::map<std::string, std::vector<double>> us;
  if (!Call(
          client, "/NetworkDriver.CreateNetwork",
          R"({"NetworkID":")" + net + R"(","Options":{},"IPv4Data":[)" +
              (dhcp
                   ? R"({"AddressSpace":"null","Pool":"0.0.0.0/0"})"
                   : R"({"Pool":"192.168.0.0/16","Gateway":"192.168.0.1/16"})") +
              R"(],"IPv6Data":[]})",
          &us)) {
    return 1;
  }
  for (int c = 0; c < cycles; ++c) {
    const std::string ep = "ep" + std::to_string(c);
    const std::string ids =
        R"({"NetworkID":")" + net + R"(","EndpointID":")" + ep + R"(")";
    const std::string create =
        ids + R"(,"Interface":{"Address":")" + (dhcp ? "" : "192.168.1.5/16") +
        R"(","MacAddress":")" + MacOf(prefix, c % nics) + R"("},"Options":{}})";
    const std::string label =
        dhcp ? (c < nics ? "CreateEndpoint/dhcp" : "CreateEndpoint/lease") : "";
    if (!Call(client, "/NetworkDriver.CreateEndpoint", create, &us, label) ||
        !Call(
            client, "/NetworkDriver.Join",
            ids +
                R"(,"SandboxKey":"/var/run/docker/netns/bench","Options":{}})",
            &us) ||
        !Call(client, "/NetworkDriver.Leave", ids + "}", &us) ||
        !Call(client, "/NetworkDriver.DeleteEndpoint", ids + "}", &us)) {
      return 1;
    }
  }
  if (!Call(client, "/NetworkDriver.DeleteNetwork",
            R"({"NetworkID":")" + net + R"("})", &us)) {
    return 1;
  }
  std::printf("%-16s %8s %10s %10s\n", "method", "calls", "p50_us", "p99_us");
  for (const char* m :
       {"CreateEndpoint", "CreateEndpoint/dhcp", "CreateEndpoint/lease", "Join",
        "Leave", "DeleteEndpoint"}) {
    const auto& v = us[m];
    if (v.empty()) continue;
    std::printf("%-16s %8zu %10.1f %10.1f\n", m, v.size(), Percentile(v, 0.5),
                Percentile(v, 0.99));
  }
  return 0;
}
