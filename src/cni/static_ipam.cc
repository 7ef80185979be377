#include "cni/static_ipam.h"

#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "cni/json_util.h"
#include "common/cidr.h"

namespace hostnic::cni {

namespace {

using nlohmann::json;

// Whether the runtime hands static addresses of its own, which the real
// plugin reads: CNI_ARGS IP/GATEWAY, "args" or runtimeConfig "ips".
bool RuntimeGivesAddresses(const Request& request, const json& conf) {
  for (size_t at = 0; at <= request.args.size();) {
    size_t end = request.args.find(';', at);
    if (end == std::string::npos) end = request.args.size();
    const std::string pair = request.args.substr(at, end - at);
    if (pair.compare(0, 3, "IP=") == 0 || pair.compare(0, 8, "GATEWAY=") == 0) {
      return true;
    }
    at = end + 1;
  }
  if (conf.contains("args")) return true;
  auto runtime = conf.find("runtimeConfig");
  return runtime != conf.end() && runtime->is_object() &&
         runtime->contains("ips");
}

}  // namespace

std::optional<Result<CniResult>> RunStaticIpam(const Request& request,
                                               Command command) {
  if (request.conf.ipam_type != "static") return std::nullopt;
  const json ipam = json::parse(request.conf.ipam, nullptr, false);
  const json conf = json::parse(request.stdin_text, nullptr, false);
  if (!ipam.is_object() || !conf.is_object()) return std::nullopt;
  for (const auto& [key, value] : ipam.items()) {
    if (key != "type" && key != "addresses" && key != "routes" &&
        key != "dns") {
      return std::nullopt;
    }
  }
  if (RuntimeGivesAddresses(request, conf)) return std::nullopt;
  if (command != Command::kAdd) return Result<CniResult>(CniResult());

  const auto bad = [](const std::string& what) {
    return Result<CniResult>(
        Status::InvalidArgument("static IPAM (applied by hostnic): " + what));
  };
  json result = {{"cniVersion", request.conf.cni_version}};
  json ips = json::array();
  auto addresses = ipam.find("addresses");
  if (addresses != ipam.end() && !addresses->is_null()) {
    if (!addresses->is_array()) return bad("\"addresses\" must be a list");
    for (const json& entry : *addresses) {
      if (!entry.is_object() || !entry.contains("address") ||
          !entry["address"].is_string()) {
        return bad("each of \"addresses\" needs an \"address\"");
      }
      const std::string text = entry["address"].get<std::string>();
      const std::optional<Cidr> address = ParseCidr(text);
      if (!address) return bad("'" + text + "' is not an address/prefix");
      json ip = {{"address", text}};
      if (auto gw = entry.find("gateway");
          gw != entry.end() && !gw->is_null()) {
        const std::string gateway =
            gw->is_string() ? gw->get<std::string>() : "";
        const std::optional<Cidr> parsed =
            ParseCidr(gateway + (address->family == AF_INET ? "/32" : "/128"));
        if (!parsed || parsed->family != address->family) {
          return bad("gateway '" + gateway + "' of " + text +
                     " is not an address of its family");
        }
        ip["gateway"] = gateway;
      }
      ips.push_back(ip);
    }
  }
  // Without addresses the real plugin decides what that means.
  if (ips.empty()) return std::nullopt;
  result["ips"] = ips;
  if (auto routes = ipam.find("routes"); routes != ipam.end()) {
    result["routes"] = *routes;
  }
  if (auto dns = ipam.find("dns"); dns != ipam.end()) result["dns"] = *dns;
  Result<CniResult> decoded = DecodeResult(Dump(result));
  if (!decoded.ok()) return bad(decoded.status().message());
  for (const RouteEntry& route : decoded->routes) {
    const std::optional<Cidr> dst = ParseCidr(route.dst);
    if (!dst) return bad("route destination '" + route.dst + "' is no CIDR");
    if (!route.gw.empty() &&
        !ParseCidr(route.gw + (dst->family == AF_INET ? "/32" : "/128"))) {
      return bad("route gateway '" + route.gw + "' of " + route.dst +
                 " is not an address of its family");
    }
  }
  return decoded;
}

}  // namespace hostnic::cni
