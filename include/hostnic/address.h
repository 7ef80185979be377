// Addresses: where a container's IPv4 configuration comes from when it is the
// NIC's own (a cloud drops every packet whose source is not the NIC's address)
// rather than Docker's IPAM.
//
// A Lease is what a source hands out for one NIC, keyed by its MAC. Sources:
//   * DHCP (src/dhcp/): the NIC's own DHCP server, asked while the NIC is
//     still on the host; renewed from inside the container's netns;
//   * the operator's address hook (src/hooks/address_hook.h): a command that
//     prints the address (cloud metadata look-ups where DHCP is off).
// The driver consumes these ports and never sees a packet or a process.
#ifndef HOSTNIC_ADDRESS_H_
#define HOSTNIC_ADDRESS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hostnic/clock.h"
#include "hostnic/link.h"
#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

struct Lease {
  Mac mac;
  std::string network_id;  // The network whose endpoint obtained it.
  // "dhcp" or "hook" (IPv4); "dhcp6" or "slaac" (IPv6).
  std::string source;
  std::string address;  // CIDR, e.g. "192.168.61.11/24" or "2001:db8::5/64".
  // Plain IP or empty; an IPv6 lease's is its router's link-local address.
  std::string gateway;
  // Further routes (destination CIDR, next hop or "" for on-link); never the
  // default route, which is `gateway`.
  std::vector<Route> routes;
  unsigned mtu = 0;  // 0: the source gave none.
  Dns dns;           // Empty: the source gave none.

  // DHCP only (zero for a hook's lease, which never expires).
  // Server identifier (option 54), plain IPv4; DHCPv6: the server's DUID
  // in hex; SLAAC: the router's address.
  std::string server;
  UnixSeconds acquired = 0;  // When the ACK arrived.
  uint32_t lease_seconds = 0;
  uint32_t t1_seconds = 0;  // Renew from acquired + t1 (RFC 2131 4.4.5).
  uint32_t t2_seconds = 0;  // Rebind (broadcast) from acquired + t2.

  // Lost (expired unanswered, or NAKed): its address was taken from the
  // container, and hostnic keeps asking for one from inside it. Kept so
  // that a restart knows which address to ask for first.
  bool lost = false;

  bool Expires() const { return lease_seconds != 0; }
  // The NIC's IPv6 lease (source "dhcp6" or "slaac"), kept beside its IPv4
  // one.
  bool Ipv6() const { return source == "dhcp6" || source == "slaac"; }
  UnixSeconds expiry() const { return acquired + lease_seconds; }
  bool operator==(const Lease& o) const {
    return mac == o.mac && network_id == o.network_id && source == o.source &&
           address == o.address && gateway == o.gateway && routes == o.routes &&
           mtu == o.mtu && dns == o.dns && server == o.server &&
           acquired == o.acquired && lease_seconds == o.lease_seconds &&
           t1_seconds == o.t1_seconds && t2_seconds == o.t2_seconds &&
           lost == o.lost;
  }
};

// Obtains the address of one NIC that is on the host and held by the caller.
// Implementations are thread-safe, never change the caller's namespace, and
// leave the NIC as they found it (name, MTU, admin state, no address, no
// route). Errors name the NIC, its MAC and what was waited for.
class AddressSource {
 public:
  virtual ~AddressSource() = default;
  // `timeout` bounds the whole exchange (kTimeout when it runs out).
  // The returned lease has mac, source, address and what else the source
  // gave; network_id is left to the caller.
  virtual Result<Lease> Acquire(const Link& link,
                                std::chrono::milliseconds timeout) = 0;
};

// The DHCP exchanges that follow an acquisition.
class LeaseRenewer {
 public:
  virtual ~LeaseRenewer() = default;
  enum class Answer { kAck, kNak };
  struct Renewal {
    Answer answer = Answer::kAck;
    Lease lease;  // kAck: the renewed lease (its address may differ!).
  };
  // Sends a DHCPREQUEST for `lease` from inside the network namespace
  // `netns_path` (a container's sandbox) on the NIC with lease.mac, which
  // carries lease.address there: unicast to the server (RENEWING), or
  // broadcast when `rebinding`. The socket is made in that namespace by a
  // short-lived thread of its own; the caller's namespace never changes.
  // Errors: kTimeout (no answer within `timeout`), kNotFound (no such
  // namespace or NIC), kIoError.
  virtual Result<Renewal> Renew(const std::string& netns_path,
                                const Lease& lease, bool rebinding,
                                std::chrono::milliseconds timeout) = 0;
  // Asks for an address again for the NIC with lease.mac inside the network
  // namespace `netns_path`, whose lease was lost (expired unanswered, NAKed):
  // for lease.address first when `ask_same_first`, then for any. Works on a
  // NIC without an address there. Returns the new lease (network_id kept,
  // acquired = now; its address may differ). Errors: kTimeout (no answer
  // within `timeout`), kNotFound (no such namespace or NIC), kIoError.
  virtual Result<Lease> Reacquire(const std::string& netns_path,
                                  const Lease& lease, bool ask_same_first,
                                  std::chrono::milliseconds timeout) = 0;
  // Sends a DHCPRELEASE for `lease` on host NIC `link` (which is down and
  // stays so afterwards). Best effort: the server answers nothing.
  virtual Status Release(const Link& link, const Lease& lease) = 0;
};

// What hostnic does inside a container's network namespace (its sandbox),
// each call from a short-lived thread of its own that enters the namespace;
// the caller's namespace never changes. The NIC is found there by MAC.
class SandboxControl {
 public:
  virtual ~SandboxControl() = default;
  // Adds "unreachable" routes for `destinations` (CIDRs, IPv4 or IPv6) in
  // the namespace at `netns_path`; a route already there is kept.
  virtual Status AddUnreachableRoutes(
      const std::string& netns_path,
      const std::vector<std::string>& destinations) = 0;
  // Removes the address `cidr` (IPv4 or IPv6) from the NIC with `mac` in that
  // namespace (a lease that was lost); OK when it is not there.
  virtual Status RemoveAddress(const std::string& netns_path, const Mac& mac,
                               const std::string& cidr) = 0;
  // Adds the address `cidr` (IPv4 or IPv6) to the NIC with `mac` in that
  // namespace, brings it up, and adds `routes` through it in order (a
  // default route is 0.0.0.0/0 or ::/0; an empty next hop is on-link): a
  // lease re-acquired.
  // What is already there is kept.
  virtual Status InstallAddress(const std::string& netns_path, const Mac& mac,
                                const std::string& cidr,
                                const std::vector<Route>& routes) = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_ADDRESS_H_
