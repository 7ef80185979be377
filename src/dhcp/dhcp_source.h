// DhcpSource: the NIC's own DHCP server as hostnic's AddressSource and
// LeaseRenewer (include/hostnic/address.h has the contracts).
//
// Acquire(link, timeout): the NIC must be on the host, down, and still have
// link.mac. hostnic disables IPv6 on it (so that being up adds no link-local
// or SLAAC address or route on the host), brings it up, waits for its
// carrier and then, up to 1 s more, until the kernel has it running
// (IFF_RUNNING: before that the link may drop the first DISCOVER), runs
// DISCOVER/OFFER/REQUEST/ACK (client.h) on a packet socket of
// its own (packet_transport.h), and then ALWAYS brings it down and puts its
// IPv6 setting back, whether the exchange worked or not. The NIC is never
// given an address on the host. Errors:
//   kFailedPrecondition  the NIC is up, or the server NAKed it repeatedly;
//   kNotFound            the NIC is gone or has another MAC;
//   kTimeout             "no DHCP answer for NIC eth1 (52:54:...) within
//                        10 s (...)" -- no carrier or no answer in time;
//   kIoError             a socket or the kernel said no.
// A failure to put the NIC back is returned when the exchange itself worked
// (and logged otherwise). So that a hostnic killed during the exchange
// (kill -9, a crash) does not leave the NIC up with IPv6 off, the NIC's
// IPv6 setting is noted in the journal (exchange_journal.h) while the
// exchange runs. (A kill between turning IPv6 off and noting it -- two
// system calls apart -- is not covered.)
//
// Renew(netns_path, lease, rebinding, timeout): a REQUEST with ciaddr from
// the NIC inside that namespace (udp_transport.h): unicast to lease.server,
// or broadcast when `rebinding`; while renewing only lease.server's answer
// counts. An ACK gives the renewed lease (network_id kept, acquired = now;
// the address may differ; without a subnet mask the prefix is kept), a NAK
// gives kNak with the old lease.
//
// Reacquire(netns_path, lease, ask_same_first, timeout): from inside that
// namespace, on the NIC whose lease was lost (it carries no address there,
// or still the old one when `ask_same_first` follows a restart), over a
// packet socket made there: INIT-REBOOT for lease.address first when
// `ask_same_first` (at most half the timeout), then DISCOVER/OFFER/
// REQUEST/ACK. Returns the new lease (its address may differ).
//
// Release(link, lease): the NIC is brought up briefly (IPv6 off) to send one
// DHCPRELEASE from the lease's address to its server (in a broadcast frame:
// the server's MAC is not kept), then down and restored as above.
//
// Thread-safe: every call has sockets of its own and keeps no state, so
// calls for different NICs may run at once (the caller holds each NIC).
// Every call blocks its thread for at most about its timeout (Release: 2 s).
// Needs CAP_NET_RAW and CAP_NET_ADMIN (and CAP_SYS_ADMIN for Renew's setns).
#ifndef HOSTNIC_DHCP_DHCP_SOURCE_H_
#define HOSTNIC_DHCP_DHCP_SOURCE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "hostnic/address.h"
#include "hostnic/link.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

class ExchangeJournal;
class PacketTransport;

class DhcpSource : public AddressSource, public LeaseRenewer {
 public:
  // `links`, `clock` (the lease's wall-clock times) and `journal` (null:
  // nothing is noted) must outlive it. Exchanges are timed by SystemClock:
  // their sockets wait in real time.
  DhcpSource(LinkControl* links, Clock* clock,
             ExchangeJournal* journal = nullptr);

  [[nodiscard]] Result<Lease> Acquire(
      const Link& link, std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<Renewal> Renew(
      const std::string& netns_path, const Lease& lease, bool rebinding,
      std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<Lease> Reacquire(
      const std::string& netns_path, const Lease& lease, bool ask_same_first,
      std::chrono::milliseconds timeout) override;
  [[nodiscard]] Status Release(const Link& link, const Lease& lease) override;

 private:
  // Checks that `link` is down, opens a packet transport on it from
  // `source` to `destination`, brings it up with IPv6 off, runs `work` on
  // the transport, then brings it down and restores IPv6.
  Status WhileUp(const Link& link, uint32_t source, uint32_t destination,
                 const std::function<Status(PacketTransport&)>& work);

  LinkControl* links_;
  Clock* clock_;
  ExchangeJournal* journal_;
};

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_DHCP_SOURCE_H_
