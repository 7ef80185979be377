#include "netavark/codec.h"

#include <arpa/inet.h>

#include <algorithm>

#include "cni/json_util.h"
#include "common/cidr.h"
#include "hostnic/mac.h"

namespace hostnic::netavark {

namespace {

using nlohmann::json;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A value in a message: short, and printable whatever the input.
std::string Printable(const std::string& value) {
  std::string out = value.substr(0, 80);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return value.size() > 80 ? out + "..." : out;
}

std::string Quote(const std::string& value) {
  return "'" + Printable(value) + "'";
}

bool IsIp(const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// `object[key]` as a string into `out`; absent or null leaves it alone.
Status ReadString(const json& object, const char* key, const std::string& name,
                  std::string* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) {
    return Status::InvalidArgument("\"" + name + "\" must be a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ReadRequired(const json& object, const char* key,
                    const std::string& name, std::string* out) {
  HOSTNIC_RETURN_IF_ERROR(ReadString(object, key, name, out));
  if (out->empty()) {
    return Status::InvalidArgument("\"" + name + "\" is missing");
  }
  return Status::Ok();
}

Status ReadBool(const json& object, const char* key, const std::string& name,
                bool* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) {
    return Status::InvalidArgument("\"" + name + "\" must be true or false");
  }
  *out = it->get<bool>();
  return Status::Ok();
}

// An absent or null member as an empty list; otherwise a list of at most
// kMaxItems.
Result<const json*> ReadList(const json& object, const char* key,
                             const std::string& name) {
  static const json kEmpty = json::array();
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return &kEmpty;
  if (!it->is_array()) {
    return Status::InvalidArgument("\"" + name + "\" must be a list");
  }
  if (it->size() > kMaxItems) {
    return Status::InvalidArgument("\"" + name + "\" has more than " +
                                   std::to_string(kMaxItems) + " entries");
  }
  return &*it;
}

Status ReadStringMap(const json& object, const char* key,
                     const std::string& name,
                     std::map<std::string, std::string>* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) {
    return Status::InvalidArgument("\"" + name + "\" must be an object");
  }
  if (it->size() > kMaxItems) {
    return Status::InvalidArgument("\"" + name + "\" has more than " +
                                   std::to_string(kMaxItems) + " entries");
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return Status::InvalidArgument("\"" + name + "." + k +
                                     "\" must be a string");
    }
    (*out)[k] = v.get<std::string>();
  }
  return Status::Ok();
}

Status CheckCidr(const std::string& text, const std::string& name) {
  if (!ParseCidr(text)) {
    return Status::InvalidArgument(
        "\"" + name + "\" " + Quote(text) +
        " is not a CIDR such as 192.168.61.0/24 or fd00:61::/64");
  }
  return Status::Ok();
}

Status CheckIp(const std::string& text, const std::string& name) {
  if (!IsIp(text)) {
    return Status::InvalidArgument("\"" + name + "\" " + Quote(text) +
                                   " is not an IP address");
  }
  return Status::Ok();
}

Result<Network> ReadNetwork(const json& j, const std::string& where) {
  if (!j.is_object()) {
    return Status::InvalidArgument("\"" + where + "\" must be an object");
  }
  const std::string p = where.empty() ? "" : where + ".";
  Network n;
  HOSTNIC_RETURN_IF_ERROR(ReadRequired(j, "name", p + "name", &n.name));
  HOSTNIC_RETURN_IF_ERROR(ReadRequired(j, "id", p + "id", &n.id));
  if (!IsNetworkId(n.id)) {
    return Status::InvalidArgument(
        "\"" + p + "id\" " + Quote(n.id) +
        " is not 1 to 64 letters, digits, '_' or '-' as podman writes IDs");
  }
  HOSTNIC_RETURN_IF_ERROR(ReadRequired(j, "driver", p + "driver", &n.driver));
  HOSTNIC_RETURN_IF_ERROR(ReadString(
      j, "network_interface", p + "network_interface", &n.network_interface));
  HOSTNIC_RETURN_IF_ERROR(ReadBool(j, "internal", p + "internal", &n.internal));
  HOSTNIC_RETURN_IF_ERROR(
      ReadBool(j, "ipv6_enabled", p + "ipv6_enabled", &n.ipv6_enabled));
  HOSTNIC_RETURN_IF_ERROR(
      ReadBool(j, "dns_enabled", p + "dns_enabled", &n.dns_enabled));
  HOSTNIC_RETURN_IF_ERROR(
      ReadStringMap(j, "options", p + "options", &n.options));
  HOSTNIC_RETURN_IF_ERROR(
      ReadStringMap(j, "ipam_options", p + "ipam_options", &n.ipam_options));

  Result<const json*> subnets = ReadList(j, "subnets", p + "subnets");
  if (!subnets.ok()) return subnets.status();
  const std::string subnet = p + "subnets[]";
  HOSTNIC_RETURN_IF_ERROR(cni::ForEachObject(
      **subnets, subnet, [&, &name = subnet](const json& item) {
        Subnet s;
        HOSTNIC_RETURN_IF_ERROR(
            ReadRequired(item, "subnet", name + ".subnet", &s.subnet));
        HOSTNIC_RETURN_IF_ERROR(CheckCidr(s.subnet, name + ".subnet"));
        HOSTNIC_RETURN_IF_ERROR(
            ReadString(item, "gateway", name + ".gateway", &s.gateway));
        if (!s.gateway.empty()) {
          HOSTNIC_RETURN_IF_ERROR(CheckIp(s.gateway, name + ".gateway"));
        }
        n.subnets.push_back(s);
        return Status::Ok();
      }));
  Result<const json*> dns =
      ReadList(j, "network_dns_servers", p + "network_dns_servers");
  if (!dns.ok()) return dns.status();
  for (const json& ip : **dns) {
    if (!ip.is_string() || !IsIp(ip.get<std::string>())) {
      return Status::InvalidArgument(
          "each of \"" + p +
          "network_dns_servers\" must be an IP address, not " +
          Quote(ip.is_string() ? ip.get<std::string>() : Dump(ip)));
    }
    n.dns_servers.push_back(ip.get<std::string>());
  }
  Result<const json*> routes = ReadList(j, "routes", p + "routes");
  if (!routes.ok()) return routes.status();
  const std::string route = p + "routes[]";
  HOSTNIC_RETURN_IF_ERROR(
      cni::ForEachObject(**routes, route, [&, &name = route](const json& item) {
        Route r;
        HOSTNIC_RETURN_IF_ERROR(ReadRequired(
            item, "destination", name + ".destination", &r.destination));
        HOSTNIC_RETURN_IF_ERROR(
            CheckCidr(r.destination, name + ".destination"));
        HOSTNIC_RETURN_IF_ERROR(
            ReadRequired(item, "gateway", name + ".gateway", &r.next_hop));
        HOSTNIC_RETURN_IF_ERROR(CheckIp(r.next_hop, name + ".gateway"));
        n.routes.push_back(r);
        return Status::Ok();
      }));
  n.document = j;
  return n;
}

Result<json> ParseObject(std::string_view text, const char* what) {
  if (text.size() > kMaxInput) {
    return Status::InvalidArgument(
        std::string(what) + " is too large: " + std::to_string(text.size()) +
        " bytes, at most " + std::to_string(kMaxInput));
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(std::string(what) +
                                   " on stdin is not a JSON object");
  }
  return j;
}

}  // namespace

bool IsNetworkId(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

bool IsIfName(const std::string& s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '/' || c == ':' || static_cast<unsigned char>(c) <= ' ' ||
           c == 0x7f;
  });
}

Result<Network> DecodeNetwork(std::string_view text) {
  Result<json> j = ParseObject(text, "the network configuration");
  if (!j.ok()) return j.status();
  return ReadNetwork(*j, "");
}

Result<Attachment> DecodeAttachment(std::string_view text) {
  Result<json> j = ParseObject(text, "the container's network options");
  if (!j.ok()) return j.status();
  Attachment a;
  HOSTNIC_RETURN_IF_ERROR(
      ReadRequired(*j, "container_id", "container_id", &a.container_id));
  if (a.container_id.size() > 1024) {
    return Status::InvalidArgument("\"container_id\" is longer than 1024");
  }
  HOSTNIC_RETURN_IF_ERROR(
      ReadString(*j, "container_name", "container_name", &a.container_name));
  auto network = j->find("network");
  if (network == j->end()) {
    return Status::InvalidArgument("\"network\" is missing");
  }
  Result<Network> n = ReadNetwork(*network, "network");
  if (!n.ok()) return n.status();
  a.network = std::move(n).value();

  auto opts = j->find("network_options");
  if (opts == j->end() || !opts->is_object()) {
    return Status::InvalidArgument("\"network_options\" must be an object");
  }
  HOSTNIC_RETURN_IF_ERROR(ReadRequired(*opts, "interface_name",
                                       "network_options.interface_name",
                                       &a.interface_name));
  if (!IsIfName(a.interface_name)) {
    return Status::InvalidArgument(
        "\"network_options.interface_name\" " + Quote(a.interface_name) +
        " is not a device name (1 to 15 characters without '/', ':' or "
        "blanks)");
  }
  Result<const json*> ips =
      ReadList(*opts, "static_ips", "network_options.static_ips");
  if (!ips.ok()) return ips.status();
  for (const json& ip : **ips) {
    if (!ip.is_string() || !IsIp(ip.get<std::string>())) {
      return Status::InvalidArgument(
          "each of \"network_options.static_ips\" must be an IP address, "
          "not " +
          Quote(ip.is_string() ? ip.get<std::string>() : Dump(ip)));
    }
    a.static_ips.push_back(ip.get<std::string>());
  }
  HOSTNIC_RETURN_IF_ERROR(ReadString(
      *opts, "static_mac", "network_options.static_mac", &a.static_mac));
  if (!a.static_mac.empty() && !Mac::Parse(a.static_mac)) {
    return Status::InvalidArgument("\"network_options.static_mac\" " +
                                   Quote(a.static_mac) +
                                   " is not a MAC address");
  }
  HOSTNIC_RETURN_IF_ERROR(
      ReadStringMap(*opts, "options", "network_options.options", &a.options));
  Result<const json*> ports = ReadList(*j, "port_mappings", "port_mappings");
  if (!ports.ok()) return ports.status();
  HOSTNIC_RETURN_IF_ERROR(
      cni::ForEachObject(**ports, "port_mappings", [&a](const json& port) {
        std::string host_ip, protocol;
        HOSTNIC_RETURN_IF_ERROR(
            ReadString(port, "host_ip", "port_mappings[].host_ip", &host_ip));
        HOSTNIC_RETURN_IF_ERROR(ReadString(
            port, "protocol", "port_mappings[].protocol", &protocol));
        auto number = [&port](const char* key) {
          auto it = port.find(key);
          return it != port.end() && it->is_number_unsigned()
                     ? std::to_string(it->get<uint64_t>())
                     : std::string("?");
        };
        a.port_mappings.push_back(
            (host_ip.empty() ? "" : Printable(host_ip) + ":") +
            number("host_port") + "->" + number("container_port") + "/" +
            (protocol.empty() ? "tcp" : Printable(protocol)));
        return Status::Ok();
      }));
  return a;
}

std::string EncodeNetwork(const Network& network) {
  json j = network.document.is_object() ? network.document : json::object();
  j["name"] = network.name;
  j["id"] = network.id;
  j["driver"] = network.driver;
  j["options"] = network.options;
  j["ipam_options"] = network.ipam_options;
  if (network.subnets.empty()) {
    j.erase("subnets");
  } else {
    json subnets = json::array();
    for (const Subnet& s : network.subnets) {
      json item = {{"subnet", s.subnet}};
      if (!s.gateway.empty()) item["gateway"] = s.gateway;
      subnets.push_back(item);
    }
    // Keep what podman wrote beside subnet and gateway (lease_range).
    const json& old = network.document.is_object() &&
                              network.document.contains("subnets") &&
                              network.document["subnets"].is_array()
                          ? network.document["subnets"]
                          : json::array();
    for (size_t i = 0; i < subnets.size() && i < old.size(); ++i) {
      if (!old[i].is_object()) continue;
      for (const auto& [k, v] : old[i].items()) {
        if (!subnets[i].contains(k) && k != "gateway") subnets[i][k] = v;
      }
    }
    j["subnets"] = subnets;
  }
  return Dump(j);
}

std::string EncodeStatus(const StatusBlock& status) {
  json subnets = json::array();
  for (const InterfaceAddress& a : status.addresses) {
    json item = {{"ipnet", a.ipnet}};
    if (!a.gateway.empty()) item["gateway"] = a.gateway;
    subnets.push_back(item);
  }
  json iface = {{"mac_address", status.mac}, {"subnets", subnets}};
  return Dump({{"dns_search_domains", status.dns_search},
               {"dns_server_ips", status.dns_servers},
               {"interfaces", {{status.interface_name, iface}}}});
}

std::string EncodeInfo(const std::string& version) {
  return Dump({{"version", version},
               {"api_version", kApiVersion},
               {"description",
                "hostnic: a host's own NIC as the container's interface"}});
}

std::string EncodeError(const std::string& message) {
  return Dump({{"error", message}});
}

}  // namespace hostnic::netavark
