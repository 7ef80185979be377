// hostnic_load's waiting clients (see load.h).
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "http/unix_http_client.h"
#include "load/load.h"

namespace hostnic_load {

namespace {

using hostnic::http::UnixHttpClient;

constexpr char kNet[] = "load-wait";

// The daemon's hostnic_nic_waits_total, or -1.
long WaitsStarted(const UnixHttpClient& client) {
  auto r = client.Get("/metrics");
  if (!r.ok()) return -1;
  const std::string key = "\nhostnic_nic_waits_total ";
  const size_t at = r->body.find(key);
  return at == std::string::npos ? -1
                                 : std::stol(r->body.substr(at + key.size()));
}

std::string DaemonThreads() {
  std::ifstream st("/proc/" + std::to_string(daemon_pid.load()) + "/status");
  for (std::string line; std::getline(st, line);) {
    if (line.rfind("Threads:", 0) == 0) return line.substr(9);
  }
  return "?";
}

}  // namespace

void WaitingClients() {
  const int n = opt.waiting_clients;
  json generic = {{"hostnic.wait", "3"}};
  json body = {{"NetworkID", kNet},
               {"Options", {{"com.docker.network.generic", generic}}},
               {"IPv4Data", json::array({{{"AddressSpace", "LocalDefault"},
                                          {"Pool", "10.78.0.0/16"},
                                          {"Gateway", "10.78.0.1/16"}}})},
               {"IPv6Data", json::array()}};
  if (!ExpectOk("CreateNetwork", kNet,
                Call("/NetworkDriver.CreateNetwork", body))) {
    return;
  }
  const UnixHttpClient client(sock_path, std::chrono::seconds(15));
  const long before = WaitsStarted(client);
  std::atomic<int> answered{0}, timed_out{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < n; ++i) {
    clients.emplace_back([&, i] {
      char mac[18];
      std::snprintf(mac, sizeof(mac), "02:42:ee:00:%02x:%02x", i >> 8,
                    i & 0xff);
      const std::string ep = "load-wait-" + std::to_string(i);
      json create = Ids(kNet, ep);
      create["Interface"] = {{"Address", "10.78.0.5/16"}, {"MacAddress", mac}};
      create["Options"] = json::object();
      Answer a = Call("/NetworkDriver.CreateEndpoint", create);
      if (a.outcome == Outcome::kErr &&
          a.err.find("did not appear on the host") != std::string::npos) {
        timed_out++;
      } else {
        Problem(
            "waiting clients: CreateEndpoint " + ep +
            " for an absent NIC answered: " + (a.err.empty() ? a.raw : a.err));
      }
      answered++;
    });
  }
  // Once every call waits, Docker's next call is answered before any of
  // them: no request worker is held by a wait.
  while (WaitsStarted(client) < before + n && answered == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string threads = DaemonThreads();
  auto r = client.Post("/Plugin.Activate", "{}");
  if (!r.ok() || r->status != 200) {
    Problem(
        "waiting clients: Plugin.Activate failed: " +
        (r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message()));
  }
  const int answered_first = answered;
  if (answered_first > 0) {
    Problem("waiting clients: " + std::to_string(answered_first) +
            " waits ended before Plugin.Activate was answered");
  }
  for (auto& c : clients) c.join();
  if (timed_out != n) {
    Problem("waiting clients: " + std::to_string(n - timed_out) + " of " +
            std::to_string(n) + " did not end with the wait's timeout");
  }
  ExpectOk("DeleteNetwork", kNet,
           Call("/NetworkDriver.DeleteNetwork", {{"NetworkID", kNet}}));
  std::printf(
      "waiting clients: %d CreateEndpoints waiting for absent NICs at once; "
      "Plugin.Activate answered while all waited; daemon threads meanwhile: "
      "%s; %d ended with the wait's timeout\n",
      n, threads.c_str(), timed_out.load());
  std::fflush(stdout);
}

}  // namespace hostnic_load
