#include "driver/network_config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/cidr.h"
#include "common/strings.h"
#include "hostnic/mac.h"
#include "hostnic/options.h"

namespace hostnic {

namespace {

// What Docker's null IPAM driver (--ipam-driver null) sends as the address
// space of its IPv4 pool 0.0.0.0/0.
constexpr char kNullAddressSpace[] = "null";

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

Status ParseNics(const std::string& value, NetworkRecord* network) {
  for (const std::string& nic : SplitList(value)) {
    Result<NicSpec> spec = NicSpec::Parse(nic);
    if (!spec.ok()) return spec.status().Annotate(kOptNics);
    network->nics.push_back(*spec);
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

// Seconds in [min, max], as milliseconds.
Result<long long> ParseSeconds(const char* option, const std::string& value,
                               double min, double max) {
  const std::optional<double> seconds = ParseNumberIn(value, min, max);
  if (!seconds) {
    std::ostringstream message;
    message << option << ": '" << value
            << "' is not a number of seconds between " << min << " and " << max;
    return Status::InvalidArgument(message.str());
  }
  return std::llround(*seconds * 1000);
}

Status ParseWait(const std::string& value, NetworkRecord* network) {
  Result<long long> ms = ParseSeconds(kOptWait, value, 0, 3600);
  if (!ms.ok()) return ms.status();
  network->wait_ms = *ms;
  return Status::Ok();
}

Status ParseDhcpTimeout(const std::string& value, NetworkRecord* network) {
  Result<long long> ms = ParseSeconds(kOptDhcpTimeout, value, 1, 300);
  if (!ms.ok()) return ms.status();
  network->dhcp_timeout_ms = *ms;
  return Status::Ok();
}

// A value an option accepts, and what it means.
struct Choice {
  const char* value;
  const char* meaning;
};

// Sets `out` to `value` when it is one of `choices`; otherwise the error
// lists the choices and what each means.
Status ParseChoice(const char* option, const std::string& value,
                   const std::vector<Choice>& choices, std::string* out) {
  std::string listed;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (value == choices[i].value) {
      *out = value;
      return Status::Ok();
    }
    listed += i == 0 ? "" : i + 1 < choices.size() ? ", " : " or ";
    listed += std::string(choices[i].value) + " (" + choices[i].meaning + ")";
  }
  return Status::InvalidArgument(std::string(option) + ": '" + value +
                                 "' is not " + listed);
}

Status ParseAddress(const std::string& value, NetworkRecord* network) {
  return ParseChoice(kOptAddress, value,
                     {{"dhcp", "the NIC's own DHCP server"},
                      {"hook", "the daemon's --address-hook"},
                      {"docker", "Docker's IPAM, --ip"}},
                     &network->address_source);
}

Status ParseAddress6(const std::string& value, NetworkRecord* network) {
  return ParseChoice(
      kOptAddress6, value,
      {{"dhcp6",
        "the NIC's own DHCPv6 server, the default route from "
        "the router's advertisements"},
       {"slaac", "the router's advertised prefix and the NIC's MAC"}},
      &network->address6_source);
}

Status ParseBlockMetadata(const std::string& value, NetworkRecord* network) {
  if (value != "true" && value != "false") {
    return Status::InvalidArgument(std::string(kOptBlockMetadata) + ": '" +
                                   value + "' is not true or false");
  }
  network->block_metadata = value == "true";
  return Status::Ok();
}

Status ParseMetadataAddresses(const std::string& value,
                              NetworkRecord* network) {
  std::vector<std::string> addresses = SplitList(value);
  if (addresses.empty()) {
    return Status::InvalidArgument(
        std::string(kOptMetadataAddresses) +
        ": give one or more IPv4 or IPv6 addresses, comma-separated");
  }
  size_t v4 = 0, v6 = 0;
  for (const std::string& a : addresses) {
    if (IsIp(a, false)) {
      ++v4;
    } else if (IsIp(a, true)) {
      ++v6;
    } else {
      return Status::InvalidArgument(
          std::string(kOptMetadataAddresses) + ": '" + a +
          "' is not a plain IPv4 or IPv6 address (no prefix length)");
    }
  }
  if (v4 > kMaxGuardedAddresses || v6 > kMaxGuardedAddresses) {
    return Status::InvalidArgument(
        std::string(kOptMetadataAddresses) + ": at most " +
        std::to_string(kMaxGuardedAddresses) + " addresses of each family");
  }
  network->metadata_addresses = std::move(addresses);
  return Status::Ok();
}

// Checks that the address source fits the IPAM driver: Docker's IPAM hands
// out addresses of its own subnet, which a cloud NIC cannot use, so the
// NIC's own address needs Docker's null IPAM.
Status CheckAddressSource(bool null_ipam, NetworkRecord* network) {
  const bool explicit_source = network->options.count(kOptAddress) > 0;
  if (!explicit_source) {
    network->address_source = null_ipam ? "dhcp" : "docker";
  } else if (null_ipam && network->address_source == "docker") {
    return Status::InvalidArgument(
        std::string(kOptAddress) +
        "=docker needs Docker's IPAM, but this network has --ipam-driver "
        "null; give a --subnet instead, or use hostnic.address=dhcp or hook");
  } else if (!null_ipam && network->address_source != "docker") {
    return Status::InvalidArgument(
        std::string(kOptAddress) + "=" + network->address_source +
        " gives each container its NIC's own address, which Docker's IPAM "
        "would override; create the network with --ipam-driver null (and no "
        "--subnet)");
  }
  if (network->options.count(kOptDhcpTimeout) &&
      network->address_source != "dhcp" && network->address6_source.empty()) {
    return Status::InvalidArgument(std::string(kOptDhcpTimeout) +
                                   " applies only to hostnic.address=dhcp "
                                   "and hostnic.address6; this network's "
                                   "addresses come from " +
                                   network->address_source);
  }
  return Status::Ok();
}

// The NIC's own IPv6 address needs Docker's null IPAM too, and no IPv6
// subnet of Docker's.
Status CheckAddress6Source(bool null_ipam, const NetworkRecord& network) {
  if (network.address6_source.empty()) return Status::Ok();
  if (!null_ipam || !network.subnet6.empty()) {
    return Status::InvalidArgument(
        std::string(kOptAddress6) + "=" + network.address6_source +
        " gives each container its NIC's own IPv6 address, which Docker's "
        "IPAM would override; create the network with --ipam-driver null "
        "and no --subnet");
  }
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

Status CheckInSubnet(const std::string& address, const std::string& subnet) {
  if (address.empty() || subnet.empty()) return Status::Ok();
  const std::optional<Cidr> a = ParseCidr(address);
  const std::optional<Cidr> n = ParseCidr(subnet);
  bool inside = a && n && a->family == n->family;
  for (unsigned bit = 0; inside && bit < n->prefix_len; ++bit) {
    const uint8_t mask = 0x80 >> (bit % 8);
    inside = (a->bytes[bit / 8] & mask) == (n->bytes[bit / 8] & mask);
  }
  if (inside) return Status::Ok();
  return Status::InvalidArgument("address " + address +
                                 " is outside the network's subnet " + subnet);
}

std::vector<std::string> OutsideOwnSubnets(
    const std::vector<std::string>& guarded,
    const std::vector<std::string>& own) {
  std::vector<std::string> outside;
  for (const std::string& a : guarded) {
    const std::string host = a + (LooksLikeIpv6(a) ? "/128" : "/32");
    bool inside = false;
    for (const std::string& subnet : own) {
      inside = inside || (!subnet.empty() && CheckInSubnet(host, subnet).ok());
    }
    if (!inside) outside.push_back(a);
  }
  return outside;
}

Result<std::string> PlainIp(const std::string& ip_or_cidr, bool v6) {
  const std::string ip = ip_or_cidr.substr(0, ip_or_cidr.find('/'));
  if (!IsIp(ip, v6)) {
    return Status::InvalidArgument("'" + ip_or_cidr + "' is not an IPv" +
                                   (v6 ? "6" : "4") + " address");
  }
  return ip;
}

Result<std::optional<NicSpec>> ParseWantedNic(
    const CreateEndpointRequest& request) {
  std::optional<NicSpec> wanted;
  if (!request.mac.empty()) {
    std::optional<Mac> mac = Mac::Parse(request.mac);
    if (!mac) {
      return Status::InvalidArgument("'" + request.mac +
                                     "' is not a MAC address");
    }
    wanted = NicSpec::OfMac(*mac);
  }
  for (const auto& [key, value] : request.options) {
    if (!StartsWith(key, kOptPrefix)) continue;
    if (key != kOptNic) {
      return Status::InvalidArgument("unknown endpoint option '" + key +
                                     "'; hostnic knows " + kOptNic);
    }
    Result<NicSpec> spec = NicSpec::Parse(value);
    if (!spec.ok()) return spec.status().Annotate(kOptNic);
    if (wanted && spec->mac() != wanted->mac()) {
      return Status::InvalidArgument(std::string(kOptNic) + "=" + value +
                                     " contradicts --mac-address " +
                                     wanted->ToString());
    }
    if (!wanted) wanted = *spec;
  }
  return wanted;
}

Result<NetworkRecord> ParseNetwork(const CreateNetworkRequest& request) {
  NetworkRecord network;
  network.id = request.network_id;
  const bool null_ipam =
      !request.ipv4.empty() &&
      request.ipv4.front().address_space == kNullAddressSpace;
  // Docker 28 with --ipv6 (and --ipv4=false) sends a null pool ::/0 too.
  const bool null_ipam6 =
      !request.ipv6.empty() &&
      request.ipv6.front().address_space == kNullAddressSpace;
  // Null IPAM's pool 0.0.0.0/0 is no subnet: addresses come from the NIC.
  if (!null_ipam) {
    HOSTNIC_RETURN_IF_ERROR(
        ParseIpam(request.ipv4, false, &network.subnet, &network.gateway));
  }
  if (!null_ipam6) {
    HOSTNIC_RETURN_IF_ERROR(
        ParseIpam(request.ipv6, true, &network.subnet6, &network.gateway6));
  }

  using Parser = Status (*)(const std::string&, NetworkRecord*);
  const std::pair<const char*, Parser> parsers[] = {
      {kOptNics, ParseNics},
      {kOptRoutes, ParseRoutes},
      {kOptMtu, ParseMtu},
      {kOptWait, ParseWait},
      {kOptAddress, ParseAddress},
      {kOptAddress6, ParseAddress6},
      {kOptDhcpTimeout, ParseDhcpTimeout},
      {kOptBlockMetadata, ParseBlockMetadata},
      {kOptMetadataAddresses, ParseMetadataAddresses}};
  for (const auto& [key, value] : request.options) {
    if (StartsWith(key, "com.docker.")) continue;
    Parser parse = nullptr;
    for (const auto& [known, parser] : parsers) {
      if (key == known) parse = parser;
    }
    if (parse == nullptr) {
      std::string known;
      for (const auto& [name, parser] : parsers) {
        known += (known.empty() ? "" : ", ") + std::string(name);
      }
      return Status::InvalidArgument("unknown network option '" + key +
                                     "'; hostnic knows " + known);
    }
    HOSTNIC_RETURN_IF_ERROR(parse(value, &network));
    network.options[key] = value;
  }
  if (!network.metadata_addresses.empty() && !network.block_metadata) {
    return Status::InvalidArgument(std::string(kOptMetadataAddresses) +
                                   " needs " + kOptBlockMetadata +
                                   "=true: without it nothing is guarded");
  }
  HOSTNIC_RETURN_IF_ERROR(CheckAddressSource(null_ipam, &network));
  HOSTNIC_RETURN_IF_ERROR(
      CheckAddress6Source(null_ipam || null_ipam6, network));
  return network;
}

const std::vector<std::string>& GuardedAddresses(const NetworkRecord& network) {
  // AWS (IPv4 and its IPv6 endpoint; GCE, Azure, OpenStack and QingCloud
  // serve theirs on the same IPv4 address) and Alibaba Cloud.
  static const std::vector<std::string> kDefaults = {
      "169.254.169.254", "fd00:ec2::254", "100.100.100.200"};
  return network.metadata_addresses.empty() ? kDefaults
                                            : network.metadata_addresses;
}

}  // namespace hostnic
