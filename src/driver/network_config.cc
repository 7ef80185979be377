#include "driver/network_config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "hostnic/mac.h"

namespace hostnic {

const char kKnownNetworkOptions[] =
    "hostnic.nics, hostnic.routes, hostnic.mtu, hostnic.wait";

namespace {

constexpr char kOptNics[] = "hostnic.nics";
constexpr char kOptRoutes[] = "hostnic.routes";
constexpr char kOptMtu[] = "hostnic.mtu";
constexpr char kOptWait[] = "hostnic.wait";

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string Trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool IsIp(const std::string& text, bool v6) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), buf) == 1;
}

// Validates "ADDR/LEN" and returns whether it is IPv6.
Result<bool> CheckCidr(const std::string& cidr, const std::string& what) {
  const auto slash = cidr.find('/');
  const bool v6 = LooksLikeIpv6(cidr);
  const std::string bad = what + " '" + cidr + "' is not a CIDR such as " +
                          (v6 ? "fd00::/64" : "10.0.0.0/8");
  if (slash == std::string::npos) return Status::InvalidArgument(bad);
  const std::string len = cidr.substr(slash + 1);
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(len.c_str(), &end, 10);
  if (len.empty() || *end != '\0' || errno != 0 || n < 0 || n > (v6 ? 128 : 32))
    return Status::InvalidArgument(bad);
  if (!IsIp(cidr.substr(0, slash), v6)) return Status::InvalidArgument(bad);
  return v6;
}

// A device name as the kernel accepts it (IFNAMSIZ - 1, no '/', no blanks).
bool IsIfName(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..")
    return false;
  for (char c : name) {
    if (c == '/' || c == ':' || c <= ' ') return false;
  }
  return true;
}

Status ParseNics(const std::string& value, NetworkRecord* network) {
  for (const std::string& nic : SplitList(value)) {
    if (!Mac::Parse(nic) && !IsIfName(nic)) {
      return Status::InvalidArgument(
          std::string(kOptNics) + ": '" + nic +
          "' is neither a MAC address nor an interface name");
    }
    network->nics.push_back(nic);
  }
  if (network->nics.empty()) {
    return Status::InvalidArgument(std::string(kOptNics) +
                                   " names no NIC; give names or MACs "
                                   "separated by commas, e.g. eth2,eth3");
  }
  return Status::Ok();
}

Status ParseRoutes(const std::string& value, NetworkRecord* network) {
  for (const std::string& entry : SplitList(value)) {
    Route route;
    const auto at = entry.find('@');
    route.destination = Trim(entry.substr(0, at));
    if (at != std::string::npos) route.next_hop = Trim(entry.substr(at + 1));
    Result<bool> v6 =
        CheckCidr(route.destination, std::string(kOptRoutes) + ": destination");
    if (!v6.ok()) return v6.status();
    if (at != std::string::npos && !IsIp(route.next_hop, *v6)) {
      return Status::InvalidArgument(std::string(kOptRoutes) + ": next hop '" +
                                     route.next_hop + "' of " +
                                     route.destination + " is not an IPv" +
                                     (*v6 ? "6" : "4") + " address");
    }
    network->routes.push_back(route);
  }
  if (network->routes.empty()) {
    return Status::InvalidArgument(
        std::string(kOptRoutes) +
        " names no route; use DEST[@NEXTHOP],... e.g. "
        "10.0.0.0/8@192.168.1.254,172.16.0.0/12");
  }
  return Status::Ok();
}

Status ParseMtu(const std::string& value, NetworkRecord* network) {
  char* end = nullptr;
  errno = 0;
  const long mtu = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || mtu < 68 || mtu > 65535) {
    return Status::InvalidArgument(std::string(kOptMtu) + ": '" + value +
                                   "' is not an MTU between 68 and 65535");
  }
  network->mtu = static_cast<unsigned>(mtu);
  return Status::Ok();
}

Status ParseWait(const std::string& value, NetworkRecord* network) {
  char* end = nullptr;
  errno = 0;
  const double seconds = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno != 0 || !std::isfinite(seconds) ||
      seconds < 0 || seconds > 3600) {
    return Status::InvalidArgument(
        std::string(kOptWait) + ": '" + value +
        "' is not a number of seconds between 0 and 3600");
  }
  network->wait_ms = std::llround(seconds * 1000);
  return Status::Ok();
}

// Fills subnet/gateway from the first IPAM entry of one family.
Status ParseIpam(const std::vector<IpamData>& data, bool v6,
                 std::string* subnet, std::string* gateway) {
  if (data.empty()) return Status::Ok();
  const IpamData& first = data.front();
  const char* family = v6 ? "IPv6" : "IPv4";
  if (!first.pool.empty()) {
    Result<bool> is_v6 = CheckCidr(first.pool, std::string(family) + " subnet");
    if (!is_v6.ok()) return is_v6.status();
    if (*is_v6 != v6) {
      return Status::InvalidArgument(std::string(family) + " subnet '" +
                                     first.pool + "' is of the other family");
    }
    *subnet = first.pool;
  }
  if (!first.gateway.empty()) {
    Result<std::string> ip = PlainIp(first.gateway, v6);
    if (!ip.ok()) return ip.status().Annotate(std::string(family) + " gateway");
    *gateway = *ip;
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeIpv6(const std::string& text) {
  return text.find(':') != std::string::npos;
}

Result<std::string> PlainIp(const std::string& ip_or_cidr, bool v6) {
  const std::string ip = ip_or_cidr.substr(0, ip_or_cidr.find('/'));
  if (!IsIp(ip, v6)) {
    return Status::InvalidArgument("'" + ip_or_cidr + "' is not an IPv" +
                                   (v6 ? "6" : "4") + " address");
  }
  return ip;
}

Result<NetworkRecord> ParseNetwork(const CreateNetworkRequest& request) {
  NetworkRecord network;
  network.id = request.network_id;
  HOSTNIC_RETURN_IF_ERROR(
      ParseIpam(request.ipv4, false, &network.subnet, &network.gateway));
  HOSTNIC_RETURN_IF_ERROR(
      ParseIpam(request.ipv6, true, &network.subnet6, &network.gateway6));

  using Parser = Status (*)(const std::string&, NetworkRecord*);
  const std::pair<const char*, Parser> parsers[] = {{kOptNics, ParseNics},
                                                    {kOptRoutes, ParseRoutes},
                                                    {kOptMtu, ParseMtu},
                                                    {kOptWait, ParseWait}};
  for (const auto& [key, value] : request.options) {
    if (StartsWith(key, "com.docker.")) continue;
    Parser parse = nullptr;
    for (const auto& [known, parser] : parsers) {
      if (key == known) parse = parser;
    }
    if (parse == nullptr) {
      return Status::InvalidArgument("unknown network option '" + key +
                                     "'; hostnic knows " +
                                     kKnownNetworkOptions);
    }
    HOSTNIC_RETURN_IF_ERROR(parse(value, &network));
    network.options[key] = value;
  }
  return network;
}

}  // namespace hostnic
