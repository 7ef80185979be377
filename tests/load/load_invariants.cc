// hostnic_load's invariants (see load_test.cc): the daemon's memory, its
// state dir and the kernel agree with what the client believes.
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "http/unix_http_client.h"
#include "load/load.h"

namespace hostnic_load {

namespace {

namespace fs = std::filesystem;
using hostnic::http::UnixHttpClient;

struct KernelLink {
  std::string name;
  int mtu = 0;
  bool up = false;
};

// The test NICs as the kernel sees them, by MAC.
std::map<std::string, KernelLink> KernelLinks() {
  std::map<std::string, KernelLink> out;
  json links = json::parse(Sh("ip -j link show"), nullptr, false);
  if (!links.is_array()) {
    Problem("ip -j link show did not print a JSON array");
    return out;
  }
  for (const json& l : links) {
    const std::string mac = l.value("address", "");
    if (!nic_by_mac.count(mac)) continue;
    KernelLink k;
    k.name = l.value("ifname", "");
    k.mtu = l.value("mtu", 0);
    for (const json& f : l.value("flags", json::array())) {
      if (f == "UP") k.up = true;
    }
    if (out.count(mac)) Problem("two kernel devices have MAC " + mac);
    out[mac] = k;
  }
  return out;
}

std::optional<json> ReadJson(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

struct Held {
  std::string network, mac, sandbox;
};

}  // namespace

void Check(const std::string& when, bool final_check) {
  const size_t before = problems.size();
  auto P = [&](const std::string& s) { Problem(when + ": " + s); };

  // The daemon's memory.
  UnixHttpClient client(sock_path, std::chrono::seconds(10));
  auto r = client.Get("/status");
  if (!r.ok() || r->status != 200) {
    P("GET /status failed: " +
      (r.ok() ? std::to_string(r->status) : r.status().message()));
    return;
  }
  json status = json::parse(r->body, nullptr, false);
  if (status.is_discarded() || !status.contains("nics")) {
    P("GET /status is not a status document: " + r->body.substr(0, 200));
    return;
  }
  std::map<std::string, Held> mem;                    // endpoint -> held
  std::map<std::string, std::string> mem_mac_holder;  // mac -> endpoint
  std::map<std::string, json> row_by_mac;
  for (const json& row : status["nics"]) {
    const std::string mac = row.value("mac", "");
    const std::string ep = row.value("endpoint", "");
    if (nic_by_mac.count(mac)) {
      if (row_by_mac.count(mac)) P("/status lists NIC " + mac + " twice");
      row_by_mac[mac] = row;
    }
    if (ep.empty()) continue;
    if (mem.count(ep)) P("/status lists endpoint " + ep + " on two NICs");
    if (mem_mac_holder.count(mac)) {
      P("NIC " + mac + " held by two endpoints in /status: " +
        mem_mac_holder[mac] + " and " + ep);
    }
    mem_mac_holder[mac] = ep;
    mem[ep] = {row.value("network", ""), mac, row.value("sandbox", "")};
    if (row.value("state", "") != "held") {
      P("NIC " + mac + " of endpoint " + ep + " is '" + row.value("state", "") +
        "', expected 'held' (it never leaves)");
    }
  }

  // The state files.
  std::map<std::string, Held> disk;
  std::map<std::string, std::string> disk_mac_holder;
  for (const char* sub : {"networks", "endpoints", "orphans"}) {
    for (const auto& entry :
         fs::directory_iterator(fs::path(state_dir) / sub)) {
      const std::string file = entry.path().filename().string();
      if (file.size() < 5 || file.substr(file.size() - 5) != ".json") {
        P(std::string("stray file ") + sub + "/" + file);
      }
    }
  }
  for (const auto& entry :
       fs::directory_iterator(fs::path(state_dir) / "endpoints")) {
    const std::string file = entry.path().filename().string();
    if (file.size() < 5 || file.substr(file.size() - 5) != ".json") continue;
    auto j = ReadJson(entry.path());
    if (!j) {
      P("endpoints/" + file + " is not JSON");
      continue;
    }
    const std::string id = j->value("id", "");
    if (id + ".json" != file) P("endpoints/" + file + " has id " + id);
    const std::string mac = j->value("mac", "");
    if (disk_mac_holder.count(mac)) {
      P("NIC " + mac + " held by two endpoint files: " + disk_mac_holder[mac] +
        " and " + id);
    }
    disk_mac_holder[mac] = id;
    disk[id] = {j->value("network_id", ""), mac, j->value("sandbox_key", "")};
    if (j->value("joined", false) != !disk[id].sandbox.empty()) {
      P("endpoints/" + file + ": joined and sandbox_key disagree");
    }
    const json orig = j->value("original", json::object());
    if (nic_by_mac.count(mac)) {
      const Nic& n = nics[nic_by_mac[mac]];
      if (orig.value("name", "") != n.name || orig.value("mtu", 0) != n.mtu ||
          orig.value("up", !n.up) != n.up) {
        P("endpoints/" + file + " records the NIC's original state as " +
          orig.dump() + ", but it was " + n.name + " mtu " +
          std::to_string(n.mtu) + (n.up ? " up" : " down"));
      }
    }
  }
  std::set<std::string> disk_nets;
  for (const auto& entry :
       fs::directory_iterator(fs::path(state_dir) / "networks")) {
    std::string f = entry.path().filename().string();
    if (f.size() > 5) disk_nets.insert(f.substr(0, f.size() - 5));
  }
  std::set<std::string> want_nets;
  if (!final_check) {
    for (const Network& n : networks) want_nets.insert(n.id);
  }
  if (disk_nets != want_nets) {
    std::string got;
    for (const auto& n : disk_nets) got += n + " ";
    P("STATE/networks holds {" + got + "}");
  }
  if (!fs::is_empty(fs::path(state_dir) / "orphans")) {
    P("STATE/orphans is not empty (no NIC ever left the host)");
  }

  // Client belief vs memory vs disk.
  std::map<std::string, Belief> believed;
  {
    std::lock_guard<std::mutex> lock(belief_mu);
    believed = belief;
  }
  auto same = [](const Held& a, const Held& b) {
    return a.network == b.network && a.mac == b.mac && a.sandbox == b.sandbox;
  };
  for (const auto& [ep, b] : believed) {
    auto m = mem.find(ep);
    if (m == mem.end()) {
      P("endpoint " + ep + " (NIC " + b.mac + ") is lost: not in /status");
    } else if (m->second.network != b.network || m->second.mac != b.mac ||
               m->second.sandbox.empty() == b.joined) {
      P("endpoint " + ep + ": /status says network " + m->second.network +
        " NIC " + m->second.mac + " sandbox '" + m->second.sandbox +
        "', the client knows network " + b.network + " NIC " + b.mac +
        (b.joined ? " joined" : " not joined"));
    }
    if (!disk.count(ep)) {
      P("endpoint " + ep + " (NIC " + b.mac + ") is lost: no state file");
    }
  }
  for (const auto& [ep, h] : mem) {
    if (!believed.count(ep)) {
      P("/status lists endpoint " + ep + " (NIC " + h.mac +
        ") that the client deleted or never got");
    }
    auto d = disk.find(ep);
    if (d == disk.end()) {
      P("endpoint " + ep + " is in /status but has no state file");
    } else if (!same(d->second, h)) {
      P("endpoint " + ep + ": state file (network " + d->second.network +
        ", NIC " + d->second.mac + ", sandbox '" + d->second.sandbox +
        "') differs from /status (network " + h.network + ", NIC " + h.mac +
        ", sandbox '" + h.sandbox + "')");
    }
  }
  for (const auto& [ep, h] : disk) {
    if (!mem.count(ep)) {
      P("state file endpoints/" + ep + ".json (NIC " + h.mac +
        ") is not in /status");
    }
  }

  // The NICs themselves.
  const auto kernel = KernelLinks();
  std::map<std::string, int> net_mtu;
  for (const Network& n : networks) net_mtu[n.id] = n.mtu;
  for (const Nic& n : nics) {
    auto k = kernel.find(n.mac);
    if (k == kernel.end()) {
      P("NIC " + n.name + " (" + n.mac + ") is gone from the namespace");
      continue;
    }
    auto row = row_by_mac.find(n.mac);
    if (row == row_by_mac.end()) {
      P("/status does not list NIC " + n.name + " (" + n.mac + ")");
      continue;
    }
    const std::string state = row->second.value("state", "");
    int want_mtu = n.mtu;
    bool check_up = true;
    if (auto h = mem_mac_holder.find(n.mac); h != mem_mac_holder.end()) {
      const int m = net_mtu[mem[h->second].network];
      if (m != 0) want_mtu = m;
    } else if (state != "free") {
      P("NIC " + n.name + " is '" + state + "' (" +
        row->second.value("reason", "") + "), expected free");
    }
    if (k->second.name != n.name) {
      P("NIC " + n.mac + " is called " + k->second.name + ", expected " +
        n.name);
    }
    if (row->second.value("name", "") != k->second.name ||
        row->second.value("mtu", 0) != k->second.mtu) {
      P("/status says NIC " + n.mac + " is " + row->second.value("name", "") +
        " mtu " + std::to_string(row->second.value("mtu", 0)) +
        ", the kernel says " + k->second.name + " mtu " +
        std::to_string(k->second.mtu));
    }
    if (k->second.mtu != want_mtu) {
      P("NIC " + n.name + " has MTU " + std::to_string(k->second.mtu) +
        ", expected " + std::to_string(want_mtu));
    }
    if (check_up && k->second.up != n.up) {
      P("NIC " + n.name + " is " + (k->second.up ? "up" : "down") +
        ", it was " + (n.up ? "up" : "down"));
    }
  }
  if (final_check) {
    for (const char* sub : {"networks", "endpoints", "orphans"}) {
      if (!fs::is_empty(fs::path(state_dir) / sub)) {
        P(std::string("STATE/") + sub + " is not empty after deleting all");
      }
    }
  }
  std::printf("check %-34s %3zu endpoints held, %s\n", (when + ":").c_str(),
              mem.size(),
              problems.size() == before ? "OK" : "VIOLATIONS (see above)");
}

}  // namespace hostnic_load
