#include "netavark/network.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/cidr.h"
#include "common/strings.h"
#include "hostnic/mac.h"
#include "hostnic/nic_spec.h"
#include "hostnic/options.h"

namespace hostnic::netavark {

namespace {

const char kKnownOptions[] =
    "nics, mac, device, mtu, wait, address, address6, dhcp-timeout, "
    "block-metadata, socket, state-dir";

Status Bad(const std::string& key, const std::string& value,
           const std::string& why) {
  return Status::InvalidArgument("option " + key + "=" + value + ": " + why);
}

// A number in [min, max], as the daemon's option text.
Status Number(const std::string& key, const std::string& value, double min,
              double max, const char* unit, std::string* out) {
  if (!ParseNumberIn(value, min, max)) {
    std::ostringstream why;
    why << "not " << unit << " from " << min << " to " << max;
    return Bad(key, value, why.str());
  }
  *out = value;
  return Status::Ok();
}

// The addresses of `ip` in `subnet` ("IP/LEN") when it lies inside.
bool Inside(const std::string& ip, const std::string& subnet,
            std::string* with_len) {
  const std::optional<Cidr> net = ParseCidr(subnet);
  if (!net) return false;
  const std::string cidr = ip + "/" + std::to_string(net->prefix_len);
  const std::optional<Cidr> a = ParseCidr(cidr);
  if (!a || a->family != net->family) return false;
  for (unsigned bit = 0; bit < net->prefix_len; ++bit) {
    const uint8_t mask = 0x80 >> (bit % 8);
    if ((a->bytes[bit / 8] & mask) != (net->bytes[bit / 8] & mask)) {
      return false;
    }
  }
  *with_len = cidr;
  return true;
}

}  // namespace

Result<Settings> ReadSettings(const Network& network) {
  Settings s;
  std::string address;
  std::map<std::string, std::string>& d = s.daemon_options;
  for (const auto& [key, value] : network.options) {
    if (key == "nics") {
      std::stringstream in(value);
      std::string item, list;
      while (std::getline(in, item, ',')) {
        if (item.empty()) continue;
        if (!NicSpec::Parse(item).ok()) {
          return Bad(key, value, "'" + item + "' is not a NIC name or MAC");
        }
        list += (list.empty() ? "" : ",") + item;
      }
      if (list.empty()) {
        return Bad(key, value, "names no NIC; e.g. nics=eth2,eth3");
      }
      d[kOptNics] = list;
    } else if (key == "mac") {
      if (!Mac::Parse(value)) return Bad(key, value, "not a MAC address");
      s.nic = value;
    } else if (key == "device") {
      if (!IsIfName(value)) return Bad(key, value, "not a device name");
      s.nic = value;
    } else if (key == "mtu") {
      HOSTNIC_RETURN_IF_ERROR(
          Number(key, value, 68, 65535, "an MTU", &d[kOptMtu]));
      if (value.find_first_not_of("0123456789") != std::string::npos) {
        return Bad(key, value, "not a whole number");
      }
    } else if (key == "wait") {
      HOSTNIC_RETURN_IF_ERROR(
          Number(key, value, 0, 3600, "a number of seconds", &d[kOptWait]));
    } else if (key == "dhcp-timeout") {
      HOSTNIC_RETURN_IF_ERROR(Number(key, value, 1, 300, "a number of seconds",
                                     &d[kOptDhcpTimeout]));
    } else if (key == "block-metadata") {
      if (value != "true" && value != "false") {
        return Bad(key, value, "not true or false");
      }
      d[kOptBlockMetadata] = value;
    } else if (key == "address") {
      if (value != "dhcp" && value != "hook" && value != "static") {
        return Bad(key, value,
                   "not dhcp (the NIC's own DHCP server), hook (the daemon's "
                   "--address-hook) or static (podman's --subnet and --ip)");
      }
      address = value;
    } else if (key == "address6") {
      if (value != "dhcp6" && value != "slaac") {
        return Bad(key, value,
                   "not dhcp6 (the NIC's own DHCPv6 server) or slaac (the "
                   "router's advertised prefix and the NIC's MAC)");
      }
      d[kOptAddress6] = value;
    } else if (key == "socket") {
      if (value.empty() || value[0] != '/') {
        return Bad(key, value,
                   "not the absolute path of the hostnic daemon's socket");
      }
      s.socket = value;
    } else if (key == "state-dir") {
      if (value.empty() || value[0] != '/') {
        return Bad(key, value, "not an absolute path");
      }
      s.state_dir = value;
    } else {
      return Status::InvalidArgument("unknown option '" + key +
                                     "'; hostnic knows " + kKnownOptions);
    }
  }
  if (network.options.count("mac") && network.options.count("device")) {
    return Status::InvalidArgument(
        "options mac and device both name a NIC; give one of them");
  }
  if (address.empty()) address = network.subnets.empty() ? "dhcp" : "static";
  const std::string ipam = network.ipam_options.count("driver")
                               ? network.ipam_options.at("driver")
                               : "";
  if (address == "static") {
    s.address = AddressSource::kStatic;
    if (network.subnets.empty()) {
      return Status::InvalidArgument(
          "address=static needs a subnet: podman network create --subnet "
          "(and --gateway), then podman run --ip");
    }
    if (!ipam.empty() && ipam != "host-local") {
      return Status::InvalidArgument(
          "address=static takes its addresses from podman's host-local IPAM, "
          "not --ipam-driver " +
          ipam);
    }
    d[kOptAddress] = "docker";
    if (d.count(kOptAddress6)) {
      return Status::InvalidArgument(
          "address6=" + d[kOptAddress6] +
          " gives each container its NIC's own IPv6 address, which "
          "address=static (podman's --subnet and --ip) would override; use "
          "address6 with address=dhcp or hook, without --subnet");
    }
  } else {
    s.address = address == "dhcp" ? AddressSource::kDhcp : AddressSource::kHook;
    if (!network.subnets.empty()) {
      return Status::InvalidArgument(
          "address=" + address +
          " gives each container its NIC's own address, which a --subnet "
          "would override; create the network without --subnet, or with "
          "-o address=static");
    }
    const std::string wanted = address == "dhcp" ? "dhcp" : "none";
    if (!ipam.empty() && ipam != wanted) {
      return Status::InvalidArgument("address=" + address +
                                     " needs --ipam-driver " + wanted +
                                     " (or none given), not " + ipam);
    }
    d[kOptAddress] = address;
  }
  if (d.count(kOptDhcpTimeout) && s.address != AddressSource::kDhcp &&
      !d.count(kOptAddress6)) {
    return Status::InvalidArgument(
        "option dhcp-timeout applies only to address=dhcp and address6");
  }
  return s;
}

Result<Network> Create(Network network) {
  Result<Settings> settings = ReadSettings(network);
  if (!settings.ok()) return settings.status();
  switch (settings->address) {
    case AddressSource::kDhcp:
      network.ipam_options["driver"] = "dhcp";
      break;
    case AddressSource::kHook:
      network.ipam_options["driver"] = "none";
      break;
    case AddressSource::kStatic:
      network.ipam_options["driver"] = "host-local";
      for (const Subnet& s : network.subnets) {
        if (!ParseCidr(s.subnet)->IsNetwork()) {
          return Status::InvalidArgument(
              "subnet " + s.subnet +
              " has host bits set; give its network address");
        }
        std::string unused;
        if (!s.gateway.empty() && !Inside(s.gateway, s.subnet, &unused)) {
          return Status::InvalidArgument("gateway " + s.gateway +
                                         " is outside subnet " + s.subnet);
        }
      }
      break;
  }
  return network;
}

Result<StaticPlan> PlanStatic(const Attachment& attachment) {
  const Network& network = attachment.network;
  if (attachment.static_ips.empty()) {
    return Status::InvalidArgument(
        "network " + network.name +
        " takes addresses from podman (address=static) but podman sent none");
  }
  StaticPlan plan;
  bool default4 = false, default6 = false;
  for (const std::string& ip : attachment.static_ips) {
    bool found = false;
    for (const Subnet& s : network.subnets) {
      std::string cidr;
      if (!Inside(ip, s.subnet, &cidr)) continue;
      found = true;
      plan.addresses.push_back({cidr, s.gateway});
      bool& has_default = LooksLikeIpv6(ip) ? default6 : default4;
      if (!network.internal && !s.gateway.empty() && !has_default) {
        plan.routes.push_back(
            {LooksLikeIpv6(ip) ? "::/0" : "0.0.0.0/0", s.gateway});
        has_default = true;
      }
      break;
    }
    if (!found) {
      std::string subnets;
      for (const Subnet& s : network.subnets) {
        subnets += (subnets.empty() ? "" : ", ") + s.subnet;
      }
      return Status::InvalidArgument("address " + ip +
                                     " is in none of the subnets of network " +
                                     network.name + " (" + subnets + ")");
    }
  }
  for (const Route& r : network.routes) plan.routes.push_back(r);
  return plan;
}

void AddOwnAddresses(const cni::wire::Attachment& held, StatusBlock* status) {
  if (!held.address.empty()) {
    status->addresses.push_back({held.address, held.gateway});
  }
  if (!held.address6.empty()) {
    status->addresses.push_back({held.address6, held.gateway6});
  }
  if (status->dns_servers.empty()) status->dns_servers = held.dns.servers;
  status->dns_search = held.dns.search;
  if (status->dns_search.empty() && !held.dns.domain.empty()) {
    status->dns_search = {held.dns.domain};
  }
}

Status CheckPerContainer(const Attachment& attachment) {
  const std::string& name = attachment.network.name;
  if (!attachment.port_mappings.empty()) {
    std::string ports;
    for (const std::string& p : attachment.port_mappings) {
      ports += (ports.empty() ? "" : ", ") + p;
    }
    return Status::InvalidArgument(
        "network " + name + " gives the container a NIC of its own, reached " +
        "at the NIC's own address; hostnic cannot publish host ports (" +
        ports + "): run the container without -p/--publish");
  }
  if (!attachment.options.empty()) {
    std::string keys;
    for (const auto& [key, value] : attachment.options) {
      keys += (keys.empty() ? "" : ", ") + key;
    }
    return Status::InvalidArgument(
        "network " + name + " takes no per-container options, but got " + keys +
        "; hostnic's options are the network's (podman network " +
        "create -o), per container only --ip, --mac-address and " +
        "interface_name");
  }
  return Status::Ok();
}

}  // namespace hostnic::netavark
