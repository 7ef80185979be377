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

// Appends to `list` each string of the array `dns[key]` it does not hold
// yet, in order.
void AddNew(std::vector<std::string>& list, const nlohmann::json& dns,
            const char* key) {
  if (!dns.contains(key) || !dns[key].is_array()) return;
  for (const nlohmann::json& item : dns[key]) {
    if (!item.is_string()) continue;
    const std::string text = item.get<std::string>();
    if (std::find(list.begin(), list.end(), text) == list.end()) {
      list.push_back(text);
    }
  }
}

std::string CommaSeparated(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : ",") + item;
  }
  return text;
}

// The DNS a NIC's leases give its container, in a few words, as Join hands
// it on: the IPv4 lease's name servers then the IPv6 lease's, each once,
// then their search domains likewise (the IPv4 lease's domain when neither
// has any): "10.0.0.2,2001:db8::53 search corp.example".
std::string DnsText(const nlohmann::json& nic) {
  std::vector<std::string> servers;
  std::vector<std::string> search;
  std::string domain;
  for (const char* key : {"lease", "lease6"}) {
    if (!nic.contains(key) || !nic[key].is_object()) continue;
    const nlohmann::json& lease = nic[key];
    if (!lease.contains("dns") || !lease["dns"].is_object()) continue;
    const nlohmann::json& dns = lease["dns"];
    AddNew(servers, dns, "nameservers");
    AddNew(search, dns, "search");
    if (domain.empty() && dns.contains("domain") && dns["domain"].is_string()) {
      domain = dns["domain"].get<std::string>();
    }
  }
  if (search.empty() && !domain.empty()) search.push_back(domain);
  std::string text = CommaSeparated(servers);
  if (!search.empty()) {
    if (!text.empty()) text += ' ';
    text += "search " + CommaSeparated(search);
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
    for (const char* key : {"lease6", "lease"}) {
      if (!nic.contains(key) || !nic[key].is_object()) continue;
      const nlohmann::json& lease = nic[key];
      const std::string own = text_of(lease, "address");
      if (!own.empty()) address = own + (address.empty() ? "" : " " + address);
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
    table.push_back({text("name"), text("mac"), text("state"), address,
                     DnsText(nic), text("network").substr(0, 12),
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
