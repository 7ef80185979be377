// What the front ends (the Docker protocol, CNI, netavark, status and
// metrics) hand the driver and get back from it, as plain values: the
// requests of libnetwork's remote-driver protocol, their replies, and the
// report of every NIC. The Driver (src/driver/driver.h) takes and returns
// these; wire codecs and status documents are written from them.
#ifndef HOSTNIC_REQUESTS_H_
#define HOSTNIC_REQUESTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hostnic/address.h"
#include "hostnic/guard.h"
#include "hostnic/link.h"
#include "hostnic/records.h"

namespace hostnic {

struct IpamData {
  std::string pool;     // CIDR.
  std::string gateway;  // CIDR (as Docker sends it) or plain IP, or empty.
  // "null" for Docker's null IPAM driver (--ipam-driver null), whose pool
  // is 0.0.0.0/0.
  std::string address_space;
};

struct CreateNetworkRequest {
  std::string network_id;
  std::vector<IpamData> ipv4;
  std::vector<IpamData> ipv6;
  // `-o key=value` options (libnetwork's com.docker.network.generic).
  std::map<std::string, std::string> options;
};

struct CreateEndpointRequest {
  std::string network_id;
  std::string endpoint_id;
  std::string address;   // CIDR or empty.
  std::string address6;  // CIDR or empty.
  std::string mac;       // As the user typed it, or empty.
  // String-valued endpoint options (`--driver-opt`); others are dropped by
  // the API layer.
  std::map<std::string, std::string> options;
};

struct CreateEndpointReply {
  // The NIC's MAC when the request left `mac` empty; empty otherwise (Docker
  // rejects replies that change what it sent).
  std::string mac;
  // The NIC's own address (CIDR) when the network's address source is DHCP
  // or the address hook; empty when Docker's IPAM gave one.
  std::string address;
  // The same for IPv6 (hostnic.address6).
  std::string address6;
};

struct JoinReply {
  std::string src_name;  // The host NIC Docker moves into the sandbox.
  std::string dst_prefix = "eth";
  std::string gateway;   // Plain IP or empty.
  std::string gateway6;  // Plain IP or empty.
  // Set when gateway6 is the router of the NIC's own IPv6 lease, learnt from
  // its router advertisements: the container's kernel takes its default
  // route from those RAs by itself (and follows them).
  bool gateway6_from_router = false;
  std::vector<Route> static_routes;
  // The NIC's own leases' DNS: DHCPv4's, then DHCPv6's name servers not
  // already there. Docker's remote driver API has no place for it; the CNI
  // and netavark plugins pass it on.
  Dns dns;
  // Set when the address is the NIC's own: the container must not also get
  // Docker's gateway bridge (docker_gwbridge) and a NAT default route.
  bool disable_gateway_service = false;
};

// One row of `hostnic status`: a host device and what hostnic makes of it.
struct NicReport {
  // What the device is to hostnic: the one definition status and metrics
  // share. In the order status lists them, most engaged first.
  enum class State {
    kInContainer,  // Held by a joined endpoint and away from the host.
    kHeld,         // Held by an endpoint, on the host.
    kAway,         // Held, away from the host, its endpoint not joined.
    kFree,         // Nobody holds it and it may be handed out.
    kRefused,      // Nobody holds it and it may never be handed out.
  };
  State state() const;

  Link link;
  bool present = true;      // False for held NICs not on the host.
  std::string refused;      // Why it can never be handed out, or empty.
  std::string network_id;   // Holder, when held.
  std::string endpoint_id;  // Holder, when held.
  bool joined = false;
  std::string sandbox_key;
  // The metadata guard this daemon put on the NIC (hostnic.block-metadata),
  // or nullopt.
  std::optional<GuardInfo> guard;
  // The NIC's lease, if hostnic keeps one, and what became of it:
  // "bound", "expired" (a free NIC's lease, not renewed), "renewing",
  // "rebinding", or "lost: <why>" (a NAK, another address, expiry) -- a
  // lost lease's address was taken from the container.
  std::optional<Lease> lease;
  std::string lease_state;
  // The same for its IPv6 lease (hostnic.address6).
  std::optional<Lease> lease6;
  std::string lease6_state;
};

// "in-container", "held", "away", "free", "refused".
const char* NicStateName(NicReport::State state);

}  // namespace hostnic

#endif  // HOSTNIC_REQUESTS_H_
