#include "hooks/address_hook.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "common/cidr.h"
#include "hooks/child_process.h"

namespace hostnic {

namespace {

using nlohmann::json;

constexpr unsigned kMinMtu = 68;
constexpr unsigned kMaxMtu = 65535;

Status Bad(const std::string& what) { return Status::InvalidArgument(what); }

// How a value appears in a message: as JSON, shortened.
std::string Quote(const json& value) {
  std::string text = value.dump();
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return text;
}

// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string ParseErrorText(const json::parse_error& e) {
  const std::string what = e.what();
  const size_t tag_end = what.find("] ");
  return tag_end == std::string::npos ? what : what.substr(tag_end + 2);
}

// The subnet of the lease's address, which gateway and next hops must be in.
struct Subnet {
  uint32_t address = 0;
  uint32_t mask = 0;
  unsigned prefix_len = 0;

  bool Contains(uint32_t ip) const { return (ip & mask) == (address & mask); }
  // The all-zeros and all-ones host parts, which name the subnet itself and
  // its broadcast when it is /30 or wider.
  bool IsEdge(uint32_t ip) const {
    return prefix_len <= 30 && ((ip & ~mask) == 0 || (ip & ~mask) == ~mask);
  }
};

std::string Ipv4Text(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) +
         "." + std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

Result<Subnet> ParseAddress(const json& value, std::string& out) {
  const std::string bad = "\"address\" " + Quote(value) + " ";
  if (!value.is_string()) return Bad(bad + "is not a string");
  const std::string& text = value.get_ref<const std::string&>();
  const std::optional<Cidr> cidr = ParseCidr(text);
  if (!cidr || cidr->family != AF_INET || cidr->prefix_len == 0) {
    return Bad(bad +
               "is not an IPv4 address with its prefix length, such as "
               "\"10.0.1.23/24\"");
  }
  Subnet subnet;
  subnet.address = cidr->v4();
  subnet.prefix_len = cidr->prefix_len;
  subnet.mask = ~uint32_t{0} << (32 - cidr->prefix_len);
  const unsigned first = subnet.address >> 24;
  if (first == 0 || first == 127 || first >= 224) {
    return Bad(bad + "is not a unicast host address");
  }
  if (subnet.IsEdge(subnet.address)) {
    return Bad(bad + "is the network or broadcast address of its subnet");
  }
  out = text;
  return subnet;
}

// A gateway or next hop: on-link, in the address's subnet.
Result<std::string> ParseHop(const json& value, const std::string& name,
                             const Subnet& subnet) {
  const std::string bad = name + " " + Quote(value) + " ";
  if (!value.is_string()) return Bad(bad + "is not a string");
  const std::string& text = value.get_ref<const std::string&>();
  const std::optional<uint32_t> ip = ParseIpv4Address(text);
  if (!ip) return Bad(bad + "is not an IPv4 address such as \"10.0.1.1\"");
  const std::string in = Ipv4Text(subnet.address & subnet.mask) + "/" +
                         std::to_string(subnet.prefix_len);
  if (!subnet.Contains(*ip) || subnet.IsEdge(*ip)) {
    return Bad(bad + "is not a host of " + in +
               ", the subnet of the address (it must be on-link)");
  }
  if (*ip == subnet.address) return Bad(bad + "is the address itself");
  return text;
}

Result<std::vector<Route>> ParseRoutes(const json& value,
                                       const Subnet& subnet) {
  if (!value.is_array()) {
    return Bad("\"routes\" " + Quote(value) + " is not an array");
  }
  std::vector<Route> routes;
  std::set<std::string> seen;
  for (size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    const std::string where = "routes[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return Bad(where + " " + Quote(item) +
                 " is not an object such as {\"destination\": "
                 "\"10.1.0.0/16\", \"next_hop\": \"10.0.1.1\"}");
    }
    for (const auto& [key, unused] : item.items()) {
      if (key != "destination" && key != "next_hop") {
        return Bad(where + " has an unknown key \"" + key +
                   "\" (known: destination, next_hop)");
      }
    }
    const auto destination = item.find("destination");
    if (destination == item.end()) return Bad(where + " has no destination");
    const std::string bad = where + ".destination " + Quote(*destination) + " ";
    if (!destination->is_string()) return Bad(bad + "is not a string");
    Route route;
    route.destination = destination->get<std::string>();
    const std::optional<Cidr> cidr = ParseCidr(route.destination);
    if (!cidr || cidr->family != AF_INET || !cidr->IsNetwork()) {
      return Bad(bad +
                 "is not an IPv4 network such as \"10.1.0.0/16\" (no bits "
                 "set after the prefix)");
    }
    if (cidr->prefix_len == 0) {
      return Bad(bad + "is the default route: give it as \"gateway\"");
    }
    if (!seen.insert(route.destination).second) {
      return Bad(bad + "is there twice");
    }
    if (const auto hop = item.find("next_hop"); hop != item.end()) {
      Result<std::string> next_hop =
          ParseHop(*hop, where + ".next_hop", subnet);
      if (!next_hop.ok()) return next_hop.status();
      route.next_hop = std::move(next_hop).value();
    }
    routes.push_back(std::move(route));
  }
  return routes;
}

Result<unsigned> ParseMtu(const json& value) {
  const std::string bad = "\"mtu\" " + Quote(value) + " ";
  if (!value.is_number_integer()) return Bad(bad + "is not an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() >= kMinMtu &&
      value.get<uint64_t>() <= kMaxMtu) {
    return static_cast<unsigned>(value.get<uint64_t>());
  }
  return Bad(bad + "is not within " + std::to_string(kMinMtu) + ".." +
             std::to_string(kMaxMtu));
}

}  // namespace

Result<Lease> ParseAddressHookOutput(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Bad(
        "it printed nothing on stdout; it must print a JSON object "
        "such as {\"address\": \"10.0.1.23/24\"}");
  }
  // nlohmann keeps the last of repeated keys; a hook that repeats one is
  // confused, so that is an error rather than a guess.
  std::vector<std::set<std::string>> open_objects;
  std::string repeated;
  const json::parser_callback_t note_keys = [&](int, json::parse_event_t event,
                                                json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && repeated.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text, note_keys);
  } catch (const json::parse_error& e) {
    return Bad("its output is not JSON: " + ParseErrorText(e));
  }
  if (!repeated.empty()) return Bad("key \"" + repeated + "\" is repeated");
  if (!doc.is_object()) {
    return Bad("its output " + Quote(doc) +
               " is not a JSON object such as {\"address\": "
               "\"10.0.1.23/24\"}");
  }
  for (const auto& [key, unused] : doc.items()) {
    if (key != "address" && key != "gateway" && key != "routes" &&
        key != "mtu") {
      return Bad("unknown key \"" + key +
                 "\" (known: address, gateway, routes, mtu)");
    }
  }
  Lease lease;
  lease.source = "hook";
  const auto address = doc.find("address");
  if (address == doc.end()) return Bad("\"address\" is missing");
  Result<Subnet> subnet = ParseAddress(*address, lease.address);
  if (!subnet.ok()) return subnet.status();
  if (const auto gateway = doc.find("gateway"); gateway != doc.end()) {
    Result<std::string> hop = ParseHop(*gateway, "\"gateway\"", *subnet);
    if (!hop.ok()) return hop.status();
    lease.gateway = std::move(hop).value();
  }
  if (const auto routes = doc.find("routes"); routes != doc.end()) {
    Result<std::vector<Route>> parsed = ParseRoutes(*routes, *subnet);
    if (!parsed.ok()) return parsed.status();
    lease.routes = std::move(parsed).value();
  }
  if (const auto mtu = doc.find("mtu"); mtu != doc.end()) {
    Result<unsigned> parsed = ParseMtu(*mtu);
    if (!parsed.ok()) return parsed.status();
    lease.mtu = *parsed;
  }
  return lease;
}

Result<std::unique_ptr<AddressHook>> AddressHook::Create(std::string command) {
  HOSTNIC_RETURN_IF_ERROR(CheckExecutable("address hook", command));
  return std::unique_ptr<AddressHook>(new AddressHook(std::move(command)));
}

Result<Lease> AddressHook::Acquire(const Link& link,
                                   std::chrono::milliseconds timeout) {
  const std::string nic = NicLabel(link);
  ChildSpec spec;
  spec.what = "address hook " + command_ + " for " + nic;
  spec.log_prefix =
      "address hook (" + link.name + ", " + link.mac.ToString() + ")";
  spec.argv = {command_, "address"};
  spec.env = {
      "HOSTNIC_EVENT=address",
      "HOSTNIC_MAC=" + link.mac.ToString(),
      "HOSTNIC_NIC=" + link.name,
      "HOSTNIC_MTU=" + std::to_string(link.mtu),
  };
  spec.timeout = timeout;
  spec.stdout_limit = kAddressHookMaxOutput;
  Result<std::string> output = RunChild(spec);
  if (!output.ok()) return output.status();
  Result<Lease> lease = ParseAddressHookOutput(*output);
  if (!lease.ok()) {
    return Status::FailedPrecondition(spec.what + ": " +
                                      lease.status().message());
  }
  lease->mac = link.mac;
  spdlog::info("{} gave {}", spec.what, lease->address);
  return lease;
}

}  // namespace hostnic
