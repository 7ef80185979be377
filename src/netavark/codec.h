// The netavark plugin protocol (containers/netavark's plugin-API.md, as
// netavark 1.14 and podman 5 speak it): what arrives on the plugin's stdin,
// parsed and checked here and only here, and what it prints.
//
//   create          stdin: a network (podman's), stdout: the network filled.
//   setup NETNS     stdin: the container's attachment to one network
//                   (container ID and name, the network, per-network options
//                   such as interface_name, static_ips, static_mac);
//                   stdout: a status block (the interface's MAC and
//                   addresses, as `podman inspect` shows them).
//   teardown NETNS  stdin: as setup; stdout: nothing.
//   info            stdout: {"version", "api_version"}.
// Any failure prints {"error": sentence} and exits non-zero.
//
// Fields this plugin does not use are ignored (as netavark's own decoder
// does), but kept in a created network so podman loses nothing. Every
// decoder takes untrusted bytes, never throws, and fails with
// kInvalidArgument naming the field and the value.
#ifndef HOSTNIC_NETAVARK_CODEC_H_
#define HOSTNIC_NETAVARK_CODEC_H_

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic::netavark {

// Bound on stdin: podman's documents are a few KiB.
constexpr size_t kMaxInput = 1 << 20;
// Bounds on lists and maps in a document.
constexpr size_t kMaxItems = 64;

// The protocol version this plugin speaks (info's "api_version").
constexpr char kApiVersion[] = "1.0.0";

struct Subnet {
  std::string subnet;   // CIDR as podman wrote it ("192.168.61.0/24").
  std::string gateway;  // Plain IP, or empty.
};

// A podman network (netavark's "Network").
struct Network {
  std::string name;
  std::string id;
  std::string driver;
  std::string network_interface;
  bool internal = false;
  bool ipv6_enabled = false;
  bool dns_enabled = false;
  std::vector<Subnet> subnets;
  std::vector<Route> routes;  // Destination CIDR, next hop plain IP.
  // network_dns_servers: podman network create --dns, plain IPs.
  std::vector<std::string> dns_servers;
  std::map<std::string, std::string> options;
  std::map<std::string, std::string> ipam_options;
  // The document as given, for create's answer.
  nlohmann::json document;
};

// One container's attachment to one network (netavark's
// "NetworkPluginExec").
struct Attachment {
  std::string container_id;
  std::string container_name;
  Network network;
  // network_options:
  std::string interface_name;           // The NIC's name in the container.
  std::vector<std::string> static_ips;  // Plain IPs (podman's --ip).
  std::string static_mac;               // Podman's --mac-address, or empty.
  // network_options.options: driver options for this container alone.
  std::map<std::string, std::string> options;
  // The container's port_mappings (podman's -p), each as
  // "HOST_IP:HOST_PORT->CONTAINER_PORT/PROTOCOL" for messages.
  std::vector<std::string> port_mappings;
};

struct InterfaceAddress {
  std::string ipnet;    // The interface's address with its prefix length.
  std::string gateway;  // Plain IP, or empty.
};

// What setup prints: the interface in the container, and the name servers
// and search domains podman writes into the container's resolv.conf.
struct StatusBlock {
  std::string interface_name;
  std::string mac;
  std::vector<InterfaceAddress> addresses;
  std::vector<std::string> dns_servers;  // Plain IPs.
  std::vector<std::string> dns_search;   // Domains.
};

// create's stdin. Needs name, id (IsNetworkId) and driver.
Result<Network> DecodeNetwork(std::string_view text);
// setup's and teardown's stdin. Needs container_id, network (as above) and
// network_options.interface_name (a device name).
Result<Attachment> DecodeAttachment(std::string_view text);

// The network as given, with its options, ipam_options and subnets
// replaced by `network`'s.
std::string EncodeNetwork(const Network& network);
std::string EncodeStatus(const StatusBlock& status);
std::string EncodeInfo(const std::string& version);
std::string EncodeError(const std::string& message);

// A podman network ID as the daemon takes it: 1 to 64 of [A-Za-z0-9_-]
// (podman writes 64 hex digits). The daemon names the network "podman-" and
// the ID, so it is never a Docker network (64 hex digits) nor a CNI one
// ("cni-...").
bool IsNetworkId(const std::string& id);

// A device name the kernel accepts (1-15 bytes, no '/', ':' or blanks).
bool IsIfName(const std::string& name);

}  // namespace hostnic::netavark

#endif  // HOSTNIC_NETAVARK_CODEC_H_
