#include "observability/status_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hostnic::observability {

namespace {

// Status lists NICs in the order of NicReport::State.
int StateOrder(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(NicReport::State::kRefused); ++i) {
    if (name == NicStateName(static_cast<NicReport::State>(i))) return i;
  }
  return static_cast<int>(NicReport::State::kRefused) + 1;
}

// A NIC's lease of one family and its state, or null.
nlohmann::json LeaseJson(const std::optional<Lease>& l,
                         const std::string& state) {
  nlohmann::json lease = nullptr;
  if (l || !state.empty()) lease = {{"state", state}};
  if (l) {
    lease.update({{"source", l->source},
                  {"address", l->address},
                  {"gateway", l->gateway},
                  {"mtu", l->mtu},
                  {"dns",
                   {{"nameservers", l->dns.servers},
                    {"domain", l->dns.domain},
                    {"search", l->dns.search}}},
                  {"server", l->server},
                  {"acquired", l->acquired},
                  {"expires", l->Expires() ? nlohmann::json(l->expiry())
                                           : nlohmann::json(nullptr)}});
  }
  return lease;
}

// A lease's DNS in a few words: "10.0.0.2,10.0.0.3 search corp.example".
std::string DnsText(const nlohmann::json& lease) {
  if (!lease.contains("dns") || !lease["dns"].is_object()) return "";
  const nlohmann::json& dns = lease["dns"];
  auto joined = [&dns](const char* key) {
    std::string text;
    if (!dns.contains(key) || !dns[key].is_array()) return text;
    for (const nlohmann::json& item : dns[key]) {
      if (!item.is_string()) continue;
      text += (text.empty() ? "" : ",") + item.get<std::string>();
    }
    return text;
  };
  std::string search = joined("search");
  if (search.empty() && dns.contains("domain") && dns["domain"].is_string()) {
    search = dns["domain"].get<std::string>();
  }
  std::string text = joined("nameservers");
  if (!search.empty()) {
    text += std::string(text.empty() ? "" : " ") + "search " + search;
  }
  return text;
}

}  // namespace

std::string StatusToJson(const std::vector<NicReport>& rows,
                         const std::string& version,
                         const ManagerOf& manager_of) {
  nlohmann::json nics = nlohmann::json::array();
  for (const NicReport& row : rows) {
    const std::string manager = manager_of && row.present && row.refused.empty()
                                    ? manager_of(row.link)
                                    : "";
    nlohmann::json guard = nullptr;
    if (row.guard) {
      guard = {{"mode", row.guard->mode}, {"dropped", row.guard->dropped}};
    }
    nics.push_back({{"name", row.link.name},
                    {"mac", row.link.mac.ToString()},
                    {"ifindex", row.link.ifindex},
                    {"kind", row.link.kind},
                    {"mtu", row.link.mtu},
                    {"up", row.link.up},
                    {"state", NicStateName(row.state())},
                    {"reason", row.refused},
                    {"manager", manager},
                    {"network", row.network_id},
                    {"endpoint", row.endpoint_id},
                    {"sandbox", row.sandbox_key},
                    {"lease", LeaseJson(row.lease, row.lease_state)},
                    {"lease6", LeaseJson(row.lease6, row.lease6_state)},
                    {"guard", guard}});
  }
  std::sort(
      nics.begin(), nics.end(),
      [](const nlohmann::json& a, const nlohmann::json& b) {
        const int sa = StateOrder(a["state"]), sb = StateOrder(b["state"]);
        if (sa != sb) return sa < sb;
        return a["name"].get<std::string>() < b["name"].get<std::string>();
      });
  return nlohmann::json{{"version", version}, {"nics", nics}}.dump(2);
}

Result<std::string> StatusJsonToTable(const std::string& json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nics") || !doc["nics"].is_array()) {
    return Status::InvalidArgument(
        "the daemon's answer is not a hostnic status document");
  }
  const std::vector<std::string> header = {
      "NIC", "MAC", "STATE", "ADDRESS", "DNS", "NETWORK", "ENDPOINT", "NOTE"};
  std::vector<std::vector<std::string>> table = {header};
  for (const nlohmann::json& nic : doc["nics"]) {
    auto text_of = [](const nlohmann::json& object, const char* key) {
      return object.contains(key) && object[key].is_string()
                 ? object[key].get<std::string>()
                 : std::string();
    };
    auto text = [&](const char* key) { return text_of(nic, key); };
    std::string note = text("reason");
    if (note.empty() && !text("manager").empty()) {
      note = "managed by " + text("manager") +
             ": mark it unmanaged (README, Troubleshooting)";
    }
    if (note.empty()) note = text("sandbox");
    // The NIC's own addresses, and their leases' trouble if any.
    std::string address;
    std::string dns;
    for (const char* key : {"lease6", "lease"}) {
      if (!nic.contains(key) || !nic[key].is_object()) continue;
      const nlohmann::json& lease = nic[key];
      const std::string own = text_of(lease, "address");
      if (!own.empty()) address = own + (address.empty() ? "" : " " + address);
      if (key == std::string("lease")) dns = DnsText(lease);
      const std::string state = text_of(lease, "state");
      if (state != "bound" && !state.empty()) {
        note = std::string(key == std::string("lease6") ? "IPv6 " : "") +
               "lease " + state + (note.empty() ? "" : "; " + note);
      }
    }
    if (nic.contains("guard") && nic["guard"].is_object()) {
      const nlohmann::json& guard = nic["guard"];
      const std::string dropped =
          guard.contains("dropped") && guard["dropped"].is_number_unsigned()
              ? std::to_string(guard["dropped"].get<uint64_t>())
              : "?";
      note = "guarded (" + text_of(guard, "mode") + ", " + dropped +
             " frames dropped)" + (note.empty() ? "" : "; " + note);
    }
    table.push_back({text("name"), text("mac"), text("state"), address, dns,
                     text("network").substr(0, 12),
                     text("endpoint").substr(0, 12), note});
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : table) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : table) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
  }
  return out;
}

}  // namespace hostnic::observability
