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

Status ReadInterfaces(const json& list, CniResult* out) {
  return ForEachObject(list, "interfaces", [out](const json& item) {
    Interface iface;
    HOSTNIC_RETURN_IF_ERROR(
        GetString(item, "name", "interfaces[].name", &iface.name));
    HOSTNIC_RETURN_IF_ERROR(
        GetString(item, "mac", "interfaces[].mac", &iface.mac));
    HOSTNIC_RETURN_IF_ERROR(
        GetString(item, "sandbox", "interfaces[].sandbox", &iface.sandbox));
    if (auto it = item.find("mtu"); it != item.end() && !it->is_null()) {
      if (!it->is_number_unsigned() || it->get<uint64_t>() > 65535) {
        return Status::InvalidArgument(
            "\"interfaces[].mtu\" must be a number up to 65535");
      }
      iface.mtu = it->get<unsigned>();
    }
    iface.extra = Extra(item, {"name", "mac", "sandbox", "mtu"});
    out->interfaces.push_back(iface);
    return Status::Ok();
  });
}

Status ReadIps(const json& list, CniResult* out) {
  return ForEachObject(list, "ips", [out](const json& item) {
    IpConfig ip;
    HOSTNIC_RETURN_IF_ERROR(
        GetString(item, "address", "ips[].address", &ip.address));
    if (ip.address.empty())
      return Status::InvalidArgument("\"ips[].address\" is missing");
    HOSTNIC_RETURN_IF_ERROR(
        GetString(item, "gateway", "ips[].gateway", &ip.gateway));
    if (auto it = item.find("interface"); it != item.end() && !it->is_null()) {
      if (!it->is_number_unsigned() ||
          it->get<uint64_t>() >= out->interfaces.size()) {
        return Status::InvalidArgument(
            "\"ips[].interface\" must be the index of one of \"interfaces\"");
      }
      ip.interface = it->get<int>();
    }
    ip.extra = Extra(item, {"address", "gateway", "interface", "version"});
    out->ips.push_back(ip);
    return Status::Ok();
  });
}

Status ReadRoutes(const json& list, CniResult* out) {
  return ForEachObject(list, "routes", [out](const json& item) {
    RouteEntry route;
    HOSTNIC_RETURN_IF_ERROR(GetString(item, "dst", "routes[].dst", &route.dst));
    if (route.dst.empty())
      return Status::InvalidArgument("\"routes[].dst\" is missing");
    HOSTNIC_RETURN_IF_ERROR(GetString(item, "gw", "routes[].gw", &route.gw));
    route.extra = Extra(item, {"dst", "gw"});
    out->routes.push_back(route);
    return Status::Ok();
  });
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
  if (auto it = j.find("interfaces"); it != j.end() && !it->is_null()) {
    HOSTNIC_RETURN_IF_ERROR(ReadInterfaces(*it, &out));
  }
  if (auto it = j.find("ips"); it != j.end() && !it->is_null()) {
    HOSTNIC_RETURN_IF_ERROR(ReadIps(*it, &out));
  }
  if (auto it = j.find("routes"); it != j.end() && !it->is_null()) {
    HOSTNIC_RETURN_IF_ERROR(ReadRoutes(*it, &out));
  }
  if (auto it = j.find("dns"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      return Status::InvalidArgument("\"dns\" must be an object");
    out.dns = Dump(*it);
  }
  return out;
}

std::string EncodeResult(const CniResult& result, const std::string& version) {
  json j = {{"cniVersion", version}};
  if (!result.interfaces.empty()) {
    json list = json::array();
    for (const Interface& iface : result.interfaces) {
      json item = Start(iface.extra);
      item["name"] = iface.name;
      if (!iface.mac.empty()) item["mac"] = iface.mac;
      if (iface.mtu != 0 && version == "1.1.0") item["mtu"] = iface.mtu;
      if (!iface.sandbox.empty()) item["sandbox"] = iface.sandbox;
      list.push_back(item);
    }
    j["interfaces"] = list;
  }
  if (!result.ips.empty()) {
    json list = json::array();
    for (const IpConfig& ip : result.ips) {
      json item = Start(ip.extra);
      item["address"] = ip.address;
      if (Pre100(version)) {
        item["version"] = ip.address.find(':') == std::string::npos ? "4" : "6";
      }
      if (!ip.gateway.empty()) item["gateway"] = ip.gateway;
      if (ip.interface >= 0) item["interface"] = ip.interface;
      list.push_back(item);
    }
    j["ips"] = list;
  }
  if (!result.routes.empty()) {
    json list = json::array();
    for (const RouteEntry& route : result.routes) {
      json item = Start(route.extra);
      item["dst"] = route.dst;
      if (!route.gw.empty()) item["gw"] = route.gw;
      list.push_back(item);
    }
    j["routes"] = list;
  }
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
