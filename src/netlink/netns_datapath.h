// NetnsDatapath: moving a host NIC into a container's network namespace and
// configuring it there (the CNI plugin's datapath), and bringing it back.
//
// Every call finds the NIC by its MAC, never by a cached name or ifindex
// alone (MoveIn reads the device named `host_name` first, and uses it only
// when it has the MAC).
// Work inside a namespace runs on a short-lived thread (RunInNetns), so the
// caller's thread never changes namespace. Calls share nothing and need no
// lock.
#ifndef HOSTNIC_NETLINK_NETNS_DATAPATH_H_
#define HOSTNIC_NETLINK_NETNS_DATAPATH_H_

#include <string>
#include <vector>

#include "hostnic/link.h"
#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

// What the NIC gets inside the namespace.
struct SandboxConfig {
  std::string ifname;                  // Its name there (CNI_IFNAME).
  std::vector<std::string> addresses;  // CIDRs, "10.0.1.23/24", "fd00::5/64".
  // Routes through the NIC; an empty next hop is directly connected.
  // "0.0.0.0/0" / "::/0" are default routes.
  std::vector<Route> routes;
};

// The NIC as found inside a namespace (for CHECK).
struct SandboxView {
  Link link;
  std::vector<std::string> addresses;  // CIDRs on it, IPv4 and IPv6.
  std::vector<Route> routes;           // Main-table routes through it.
};

class NetnsDatapath {
 public:
  // Moves the host NIC with `mac` into the namespace at `netns_path`,
  // renamed to `config.ifname` in the same step, adds the addresses, brings
  // it up and adds the routes. The NIC has IPv6 there only when
  // `config.addresses` holds an IPv6 address: otherwise its disable_ipv6 is
  // set before it comes up (so it sends no MLD, DAD or router
  // solicitation), or, where /proc/sys is read-only, its IPv6 address
  // generation is turned off. Returns the NIC as it is in the namespace.
  // On any failure after the move the NIC is put back on the host as it
  // was: addresses flushed, down, under `host_name` (its name on the host;
  // if that is taken meanwhile, "hn" and its MAC's twelve hex digits).
  // Errors: kInvalidArgument for a bad name, CIDR or route (before any
  // change); kNotFound when the namespace or the NIC does not exist;
  // kAlreadyExists when `config.ifname` is taken in the namespace (nothing
  // moved); kIoError when the kernel refuses. `host_name` is also where the
  // NIC is looked for first; if another device has that name now (or none
  // has), the NIC is found by MAC among all the host's devices.
  Result<Link> MoveIn(const Mac& mac, const std::string& netns_path,
                      const SandboxConfig& config,
                      const std::string& host_name);

  // Adds `config`'s addresses and routes to the NIC with `mac` inside the
  // namespace at `netns_path` (already moved there, e.g. by MoveIn with an
  // empty config, so that an IPAM plugin could run after the move) and
  // brings it up; names it config.ifname if it is not yet (an empty ifname
  // keeps its name); turns its IPv6 on when `config` holds an IPv6 address
  // and otherwise leaves it as it is (an IPv4 address re-installed in a
  // running dual-stack container keeps its IPv6). An address or route already
  // there is kept. Changes nothing else, and undoes nothing on failure: the
  // caller brings the NIC home.
  // Errors as MoveIn's; kNotFound when the NIC is not in the namespace.
  Result<Link> Configure(const Mac& mac, const std::string& netns_path,
                         const SandboxConfig& config);

  // Brings the NIC with `mac` back from the namespace at `netns_path` to
  // the caller's namespace: addresses flushed, down, renamed to `host_name`
  // (or the fallback name above when that is taken). Returns false, changing
  // nothing, when the namespace is gone or holds no device with `mac`.
  Result<bool> MoveOut(const Mac& mac, const std::string& netns_path,
                       const std::string& host_name);

  // The device named `ifname` in the namespace, its addresses and routes.
  // kNotFound when the namespace or the device does not exist.
  Result<SandboxView> Inspect(const std::string& netns_path,
                              const std::string& ifname);
};

// "hn" + the MAC's 12 hex digits: the name a NIC gets on the host when its
// own is taken.
std::string FallbackName(const Mac& mac);

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_NETNS_DATAPATH_H_
