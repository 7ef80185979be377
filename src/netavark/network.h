// What a podman network of driver hostnic means: its options (`podman
// network create -d hostnic -o KEY=VALUE`), where its containers' addresses
// come from, and the daemon network that serves it.
//
// Options (each optional):
//   nics=eth2,52:54:0e:e5:00:f8  the pool (names or MACs); default: every
//                                eligible NIC that is down on the host
//   mac=MAC / device=NAME        always this one NIC
//   mtu=N                        68..65535, while a container holds the NIC
//   wait=SECONDS                 0..3600, for a NIC not (yet) on the host
//   address=dhcp|hook|static     the NIC's own DHCP server (default without
//                                --subnet), the daemon's --address-hook, or
//                                podman's IPAM (--subnet, --ip; the default
//                                with a subnet)
//   address6=dhcp6|slaac         the NIC's own IPv6 address too: its DHCPv6
//                                server, or the router's advertised prefix;
//                                the default route from the router's RA
//                                (not with address=static)
//   dhcp-timeout=SECONDS         1..300, one DHCP exchange (address=dhcp or
//                                address6)
//   block-metadata=true|false    unreachable routes to the cloud's instance
//                                metadata service in the container
//   socket=PATH                  the daemon's socket
//   state-dir=PATH               where setup keeps its copies of
//                                attachments (teardown without the daemon)
// Any other key is refused, naming the known ones.
#ifndef HOSTNIC_NETAVARK_NETWORK_H_
#define HOSTNIC_NETAVARK_NETWORK_H_

#include <map>
#include <string>
#include <vector>

#include "cni/wire.h"
#include "hostnic/records.h"
#include "hostnic/status.h"
#include "netavark/codec.h"

namespace hostnic::netavark {

enum class AddressSource { kDhcp, kHook, kStatic };

struct Settings {
  AddressSource address = AddressSource::kDhcp;
  // The daemon's network options ("hostnic.nics", "hostnic.mtu", ...).
  std::map<std::string, std::string> daemon_options;
  std::string nic;     // mac= or device=: the one NIC; empty: the pool.
  std::string socket;  // Empty: the daemon's default socket.
  // Where setup keeps its copy of each attachment, for a teardown while the
  // daemon is down. Empty: the plugin's default.
  std::string state_dir;
};

// The settings of `network`; kInvalidArgument naming the option and value
// for anything hostnic cannot serve (also an IPAM driver that contradicts
// the address source).
Result<Settings> ReadSettings(const Network& network);

// create: `network` checked and filled for podman. ipam_options.driver
// becomes what podman must do: "dhcp" (address=dhcp; podman allocates
// nothing), "none" (address=hook), "host-local" (address=static: podman
// allocates each container an address of the subnets and passes it as
// static_ips). Name, ID and driver are left alone.
Result<Network> Create(Network network);

// What setup configures in the container besides the NIC's own address.
struct StaticPlan {
  std::vector<InterfaceAddress> addresses;  // "IP/LEN" and the gateway.
  std::vector<Route> routes;                // Default routes, then routes.
};

// address=static: each of the attachment's static IPs in its subnet, a
// default route through each family's gateway (none on an --internal
// network) and the network's routes. kInvalidArgument when an IP lies in
// none of the subnets or there is none.
Result<StaticPlan> PlanStatic(const Attachment& attachment);

// address=dhcp or hook (and address6): what setup prints of the NIC's own
// addresses `held` (the daemon's attachment): each family's address with
// its gateway (IPv4 first), and the lease's name servers and search domains
// unless the network has name servers of its own (podman's --dns).
void AddOwnAddresses(const cni::wire::Attachment& held, StatusBlock* status);

// What setup refuses before it asks for a NIC: per-container settings that
// hostnic cannot honour, so they are never silently dropped. A published
// port (podman's -p: the container is reached at its NIC's own address,
// there is no host port to forward) and any per-container driver option
// (network_options.options: hostnic has none). kInvalidArgument naming
// them. Aliases are left to podman's DNS, as the plugin API asks.
Status CheckPerContainer(const Attachment& attachment);

}  // namespace hostnic::netavark

#endif  // HOSTNIC_NETAVARK_NETWORK_H_
