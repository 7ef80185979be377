// Dhcp6Source: the NIC's own DHCPv6 server as an AddressSource and
// LeaseRenewer (include/hostnic/address.h has the contracts), for the NIC's
// IPv6 address (lease source "dhcp6", address a /128).
//
// Acquire(link, timeout): the NIC must be on the host, down, and still have
// link.mac. hostnic turns off, for that NIC, router advertisements, SLAAC,
// router solicitations and duplicate address detection (so that being up
// adds no route or global address on the host and sends no RS), turns IPv6
// on, brings it up, waits for its link-local address, runs
// SOLICIT/ADVERTISE/REQUEST/REPLY (client.h) on a UDP socket of its own
// (udp6_transport.h), and then ALWAYS brings it down and puts those settings
// back, whether the exchange worked or not. Errors as DhcpSource's, with
// "no DHCPv6 answer for NIC ...". So that a hostnic killed during the
// exchange does not leave them changed, the settings as found are noted in
// the journal (dhcp/exchange_journal.h) before the first is changed, and
// again with IPv6's once it is on. (A kill between turning IPv6 on and
// noting it -- two system calls apart -- leaves IPv6 on.)
//
// Renew(netns_path, lease, rebinding, timeout): RENEW to lease.server (a
// DUID in hex), or REBIND when `rebinding`, from the NIC inside that
// namespace. A REPLY that grants an address gives the renewed lease
// (network_id, gateway, routes and, for the same address, its prefix
// length kept; acquired = now; the address may differ); one that does not
// (NoBinding, ...) gives kNak with the old lease.
//
// Release(link, lease): brings the NIC up as Acquire does to send RELEASE
// (and wait up to 2 s for the REPLY), then down and restored.
//
// The router: Acquire also sends a router solicitation on the NIC before
// the exchange and listens for the RA (ra_listener.h) up to 3 s after it;
// the lease's gateway is the router's link-local address (when its router
// lifetime is not 0), and its address takes the length of the RA's on-link
// prefix that holds it (else it stays a /128). No RA: no gateway, and a
// warning.
//
// AcquireSlaac(link, timeout): as Acquire, but asks only the router (a
// solicitation every 4 s) for an RA with an autonomous /64 prefix; the
// lease (source "slaac", never expiring) is that prefix with the MAC's
// EUI-64, its gateway the router, its server the router's address.
//
// Reacquire(netns_path, lease, ...): SOLICIT/.../REPLY from the NIC inside
// that namespace (a lost lease); the gateway and routes stay the lease's.
//
// Thread-safe: every call has sockets of its own and keeps no state.
// Needs CAP_NET_ADMIN (and CAP_SYS_ADMIN for Renew's setns).
#ifndef HOSTNIC_DHCP6_DHCP6_SOURCE_H_
#define HOSTNIC_DHCP6_DHCP6_SOURCE_H_

#include <chrono>
#include <functional>
#include <string>

#include "dhcp/exchange_journal.h"
#include "hostnic/address.h"
#include "hostnic/link.h"
#include "hostnic/status.h"

namespace hostnic::dhcp6 {

class RaListener;
class Udp6Transport;

class Dhcp6Source : public AddressSource, public LeaseRenewer {
 public:
  // `links`, `clock` (the lease's wall-clock times) and `journal` (null:
  // nothing is noted) must outlive it. `sysctl_root` is where the per-NIC
  // IPv6 settings live.
  Dhcp6Source(LinkControl* links, Clock* clock,
              dhcp::ExchangeJournal* journal = nullptr,
              std::string sysctl_root = dhcp::kIpv6Conf);

  [[nodiscard]] Result<Lease> Acquire(
      const Link& link, std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<Renewal> Renew(
      const std::string& netns_path, const Lease& lease, bool rebinding,
      std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<Lease> Reacquire(
      const std::string& netns_path, const Lease& lease, bool ask_same_first,
      std::chrono::milliseconds timeout) override;
  [[nodiscard]] Status Release(const Link& link, const Lease& lease) override;
  [[nodiscard]] Result<Lease> AcquireSlaac(const Link& link,
                                           std::chrono::milliseconds timeout);

 private:
  // Checks that `link` is down, quiets its IPv6 (see above), turns IPv6 on,
  // brings it up, runs `work` on a DHCPv6 transport and an RA listener,
  // then puts everything back.
  Status WhileUp(
      const Link& link, MonoTime deadline,
      const std::function<Status(Udp6Transport&, RaListener&)>& work);

  LinkControl* links_;
  Clock* clock_;
  dhcp::ExchangeJournal* journal_;
  std::string sysctl_root_;
};

// The router's word alone (SLAAC) as an AddressSource: Dhcp6Source's
// AcquireSlaac.
class SlaacSource : public AddressSource {
 public:
  explicit SlaacSource(Dhcp6Source* source) : source_(source) {}
  [[nodiscard]] Result<Lease> Acquire(
      const Link& link, std::chrono::milliseconds timeout) override {
    return source_->AcquireSlaac(link, timeout);
  }

 private:
  Dhcp6Source* source_;
};

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_DHCP6_SOURCE_H_
