#include "cni/result.h"

#include <nlohmann/json.hpp>

#include "cni/json_util.h"

namespace hostnic::cni {

namespace {

using nlohmann::json;

// The fields of `item` other than `known`, as JSON text; empty when none.
std::string Extra(const json& item, std::initializer_list<const char*> known) {
  json rest = item;
  for (const char* key : known) rest.erase(key);
  return rest.empty() ? std::string() : Dump(rest);
}

// An entry to write: its extra fields, the known ones set after.
json Start(const std::string& extra) {
  return extra.empty() ? json::object() : json::parse(extra);
}

// Reads the list `key` of `result` (absent or null: none) into `out`, each
// object's fields by `read` and the rest, beyond `known`, into its extra.
template <typename Entry, typename Read>
Status ReadList(const json& result, const char* key,
                std::initializer_list<const char*> known,
                std::vector<Entry>* out, Read read) {
  auto list = result.find(key);
  if (list == result.end() || list->is_null()) return Status::Ok();
  return ForEachObject(*list, key, [&](const json& item) {
    Entry entry;
    HOSTNIC_RETURN_IF_ERROR(read(item, &entry));
    entry.extra = Extra(item, known);
    out->push_back(entry);
    return Status::Ok();
  });
}

// Writes `entries` as the list `key` of `result` (left out when empty),
// each from its extra fields and then `write`.
template <typename Entry, typename Write>
void WriteList(json& result, const char* key, const std::vector<Entry>& entries,
               Write write) {
  if (entries.empty()) return;
  json list = json::array();
  for (const Entry& entry : entries) {
    json item = Start(entry.extra);
    write(entry, item);
    list.push_back(item);
  }
  result[key] = list;
}

Status ReadInterface(const json& item, Interface* iface) {
  HOSTNIC_RETURN_IF_ERROR(
      GetString(item, "name", "interfaces[].name", &iface->name));
  HOSTNIC_RETURN_IF_ERROR(
      GetString(item, "mac", "interfaces[].mac", &iface->mac));
  HOSTNIC_RETURN_IF_ERROR(
      GetString(item, "sandbox", "interfaces[].sandbox", &iface->sandbox));
  if (auto it = item.find("mtu"); it != item.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > 65535) {
      return Status::InvalidArgument(
          "\"interfaces[].mtu\" must be a number up to 65535");
    }
    iface->mtu = it->get<unsigned>();
  }
  return Status::Ok();
}

// `interfaces`: how many interfaces the result has (an IP names one).
Status ReadIp(const json& item, size_t interfaces, IpConfig* ip) {
  HOSTNIC_RETURN_IF_ERROR(
      GetString(item, "address", "ips[].address", &ip->address));
  if (ip->address.empty()) {
    return Status::InvalidArgument("\"ips[].address\" is missing");
  }
  HOSTNIC_RETURN_IF_ERROR(
      GetString(item, "gateway", "ips[].gateway", &ip->gateway));
  if (auto it = item.find("interface"); it != item.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() >= interfaces) {
      return Status::InvalidArgument(
          "\"ips[].interface\" must be the index of one of \"interfaces\"");
    }
    ip->interface = it->get<int>();
  }
  return Status::Ok();
}

Status ReadRoute(const json& item, RouteEntry* route) {
  HOSTNIC_RETURN_IF_ERROR(GetString(item, "dst", "routes[].dst", &route->dst));
  if (route->dst.empty()) {
    return Status::InvalidArgument("\"routes[].dst\" is missing");
  }
  return GetString(item, "gw", "routes[].gw", &route->gw);
}

bool Pre100(const std::string& version) {
  return version.compare(0, 2, "0.") == 0;
}

}  // namespace

Result<CniResult> DecodeResult(const std::string& json_text) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("a CNI result must be a JSON object");
  }
  CniResult out;
  HOSTNIC_RETURN_IF_ERROR(ReadList(j, "interfaces",
                                   {"name", "mac", "sandbox", "mtu"},
                                   &out.interfaces, ReadInterface));
  HOSTNIC_RETURN_IF_ERROR(
      ReadList(j, "ips", {"address", "gateway", "interface", "version"},
               &out.ips, [&out](const json& item, IpConfig* ip) {
                 return ReadIp(item, out.interfaces.size(), ip);
               }));
  HOSTNIC_RETURN_IF_ERROR(
      ReadList(j, "routes", {"dst", "gw"}, &out.routes, ReadRoute));
  if (auto it = j.find("dns"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      return Status::InvalidArgument("\"dns\" must be an object");
    out.dns = Dump(*it);
  }
  return out;
}

std::string EncodeResult(const CniResult& result, const std::string& version) {
  json j = {{"cniVersion", version}};
  WriteList(j, "interfaces", result.interfaces,
            [&version](const Interface& iface, json& item) {
              item["name"] = iface.name;
              if (!iface.mac.empty()) item["mac"] = iface.mac;
              if (iface.mtu != 0 && version == "1.1.0") item["mtu"] = iface.mtu;
              if (!iface.sandbox.empty()) item["sandbox"] = iface.sandbox;
            });
  WriteList(j, "ips", result.ips, [&version](const IpConfig& ip, json& item) {
    item["address"] = ip.address;
    if (Pre100(version)) {
      item["version"] = ip.address.find(':') == std::string::npos ? "4" : "6";
    }
    if (!ip.gateway.empty()) item["gateway"] = ip.gateway;
    if (ip.interface >= 0) item["interface"] = ip.interface;
  });
  WriteList(j, "routes", result.routes,
            [](const RouteEntry& route, json& item) {
              item["dst"] = route.dst;
              if (!route.gw.empty()) item["gw"] = route.gw;
            });
  j["dns"] = result.dns.empty() ? json::object() : json::parse(result.dns);
  return Dump(j);
}

std::string EncodeError(int code, const std::string& msg,
                        const std::string& details,
                        const std::string& version) {
  json j = {{"cniVersion", version}, {"code", code}, {"msg", msg}};
  if (!details.empty()) j["details"] = details;
  return Dump(j);
}

std::string EncodeVersion(const std::string& version,
                          const std::vector<std::string>& supported) {
  return Dump(json{{"cniVersion", version}, {"supportedVersions", supported}});
}

}  // namespace hostnic::cni
