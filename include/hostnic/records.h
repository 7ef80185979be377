// The records hostnic persists: networks, endpoints, and NICs waiting to be
// put back as they were. Plain values; the store serializes them, the driver
// owns their meaning.
#ifndef HOSTNIC_RECORDS_H_
#define HOSTNIC_RECORDS_H_

#include <map>
#include <string>
#include <vector>

#include "hostnic/mac.h"
#include "hostnic/nic_spec.h"

namespace hostnic {

// A static route handed to the container at Join. An empty next_hop means
// the destination is directly connected (libnetwork RouteType 1).
struct Route {
  std::string destination;  // CIDR.
  std::string next_hop;     // Plain IP or empty.
  bool operator==(const Route& o) const {
    return destination == o.destination && next_hop == o.next_hop;
  }
};

// The DNS settings a NIC's address source gave (DHCP options 6, 15, 119).
struct Dns {
  std::vector<std::string> servers;  // Plain IPs, in order.
  std::string domain;                // E.g. "ec2.internal", or empty.
  std::vector<std::string> search;   // Search domains, in order.
  bool empty() const {
    return servers.empty() && domain.empty() && search.empty();
  }
  bool operator==(const Dns& o) const {
    return servers == o.servers && domain == o.domain && search == o.search;
  }
};

struct NetworkRecord {
  std::string id;
  std::string subnet;    // CIDR or empty.
  std::string gateway;   // Plain IP or empty.
  std::string subnet6;   // CIDR or empty.
  std::string gateway6;  // Plain IP or empty.
  // NICs this network may hand out ("hostnic.nics"), in the order given;
  // empty means any eligible NIC.
  std::vector<NicSpec> nics;
  std::vector<Route> routes;  // "hostnic.routes".
  unsigned mtu = 0;           // "hostnic.mtu"; 0 leaves the NIC's MTU alone.
  // "hostnic.wait": how long CreateEndpoint waits for an absent NIC, in
  // milliseconds; -1 means the daemon default.
  long long wait_ms = -1;
  // Where endpoints get their IPv4 address ("hostnic.address"): "docker"
  // (Docker's IPAM, --ip), "dhcp" (the NIC's own DHCP server) or "hook"
  // (the operator's --address-hook).
  std::string address_source = "docker";
  // Where endpoints get their IPv6 address ("hostnic.address6"): "" (from
  // Docker's IPAM, --ip6, if any), "dhcp6" (the NIC's own DHCPv6 server,
  // the default route from the router's RA) or "slaac" (the RA's prefix and
  // the NIC's EUI-64).
  std::string address6_source;
  // "hostnic.dhcp-timeout": how long one DHCP exchange may take.
  long long dhcp_timeout_ms = 10000;
  // "hostnic.block-metadata": each NIC is guarded against the cloud's
  // instance metadata service (hostnic/guard.h) before it moves into its
  // container, and containers also get unreachable routes to it.
  bool block_metadata = false;
  // "hostnic.metadata-addresses": the guarded addresses (plain IPv4 and
  // IPv6); empty means the defaults (see GuardedAddresses in
  // src/driver/network_config.h).
  std::vector<std::string> metadata_addresses;
  // Every hostnic.* option as the user gave it, for status output.
  std::map<std::string, std::string> options;

  bool operator==(const NetworkRecord& o) const {
    return id == o.id && subnet == o.subnet && gateway == o.gateway &&
           subnet6 == o.subnet6 && gateway6 == o.gateway6 && nics == o.nics &&
           routes == o.routes && mtu == o.mtu && wait_ms == o.wait_ms &&
           address_source == o.address_source &&
           address6_source == o.address6_source &&
           dhcp_timeout_ms == o.dhcp_timeout_ms &&
           block_metadata == o.block_metadata &&
           metadata_addresses == o.metadata_addresses && options == o.options;
  }
};

// How a NIC looked on the host before hostnic first handed it over.
struct NicState {
  std::string name;
  unsigned mtu = 0;
  bool up = false;
};

struct EndpointRecord {
  std::string id;
  std::string network_id;
  Mac mac;               // The NIC, by its only stable identity.
  std::string address;   // CIDR as Docker sent it, may be empty.
  std::string address6;  // CIDR as Docker sent it, may be empty.
  NicState original;
  bool joined = false;
  // Set at Join and kept after Leave, so that an endpoint that has left (and
  // is about to be deleted) can be told from one not joined yet.
  std::string sandbox_key;
  // The namespace (path) the NIC is owed a return from: set when a CNI DEL
  // was answered before the NIC was home (src/driver/netns_returns.h), so
  // that a daemon killed before the return finishes it at start. Empty:
  // none owed.
  std::string return_from;

  bool left() const { return !joined && !sandbox_key.empty(); }
};

// A NIC released by its endpoint before it came back to the host; it is put
// back to `original` as soon as it reappears.
struct OrphanRecord {
  Mac mac;
  NicState original;
  std::string endpoint_id;  // The endpoint that last held it.
};

}  // namespace hostnic

#endif  // HOSTNIC_RECORDS_H_
