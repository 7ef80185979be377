// Client: hostnic's DHCPv6 client exchanges (RFC 8415) for one NIC's IA_NA,
// as a small state machine over a dhcp::Transport, with the time and the
// transaction IDs injected so that tests drive it without sockets or
// sleeping.
//
//   Acquire: SOLICIT (with Rapid Commit) until an ADVERTISE that offers an
//     address in the NIC's IA_NA -- the first one is taken: a cloud NIC's
//     link has one server, and waiting out RFC 8415's first retransmission
//     to compare preferences would cost a second per container -- or a
//     Rapid Commit REPLY with one (done). Then REQUEST that address from
//     that server until its REPLY. A REPLY without the address (NoAddrsAvail,
//     NotOnLink, ...) or a REQUEST unanswered after dhcp::kMaxRequestSends
//     sends starts over from SOLICIT with a new transaction, at most
//     kMaxRestarts times.
//   Renew (RFC 8415 18.2.4/18.2.5): RENEW naming the lease's server, or
//     REBIND to any server when `server_id` is empty, with the address, until
//     a REPLY.
//   Release: RELEASE to the lease's server until its REPLY, at most
//     kMaxReleaseSends times.
//
// Every message is retransmitted as dhcp/retransmit.h says (10, 30, 70,
// 150 ms, then 1, 2, 4, 8, 8, ... s; not randomised), always within the
// exchange's overall timeout (kTimeout when it runs out). Replies are taken
// or ignored as dhcp/exchange.h says: one with another transaction ID,
// without this NIC's client identifier (its DUID-LL), of an unexpected type,
// from another server than the one chosen, or that does not decode is
// ignored.
#ifndef HOSTNIC_DHCP6_CLIENT_H_
#define HOSTNIC_DHCP6_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dhcp/exchange.h"
#include "dhcp/transport.h"
#include "dhcp6/message.h"
#include "hostnic/address.h"
#include "hostnic/clock.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp6 {

constexpr int kMaxRestarts = 3;
// Five RELEASEs span about 1.3 s (the last waits 1 s).
constexpr int kMaxReleaseSends = 5;

// The address a server's message grants `mac`: the first address of the
// IA_NA with the MAC's IAID, when that IA's status is success; nullopt
// otherwise.
std::optional<IaAddress> Granted(const ServerMessage& message, const Mac& mac);

class Client {
 public:
  // `transport` and `clock` must outlive the client; `next_xid` gives a
  // fresh transaction ID per exchange (its low 24 bits are used). `nic`
  // names the NIC in errors and logs, e.g. "eth1 (52:54:00:12:34:56)".
  Client(dhcp::Transport* transport, const Clock* clock,
         std::function<uint32_t()> next_xid, const Mac& mac, std::string nic);

  // Exchanges end by `start` + `timeout`, `start` being when the caller's
  // wait began (now when absent).

  // Returns the server's REPLY, which grants an address (Granted). Errors:
  // kTimeout ("no DHCPv6 answer for NIC eth1 (52:54:...) within 10000 ms
  // ..."), kFailedPrecondition (the server refused an address more than
  // kMaxRestarts times), or the transport's.
  [[nodiscard]] Result<ServerMessage> Acquire(
      std::chrono::milliseconds timeout,
      std::optional<MonoTime> start = std::nullopt);

  // Asks to extend `address`: RENEW to `server_id`, or REBIND when it is
  // empty. Returns the REPLY, which may grant the address (Granted, maybe
  // another one) or not (e.g. NoBinding: the lease is gone).
  [[nodiscard]] Result<ServerMessage> Renew(
      const Ipv6& address, const std::vector<uint8_t>& server_id,
      std::chrono::milliseconds timeout,
      std::optional<MonoTime> start = std::nullopt);

  // Best effort: OK also when the server never answered.
  [[nodiscard]] Status Release(const Ipv6& address,
                               const std::vector<uint8_t>& server_id);

 private:
  dhcp::Exchanger<ClientMessage, ServerMessage> exchanger_;
};

// The Lease a REPLY grants `mac` at `now` (nullopt when it grants nothing):
//  * address: the granted address as a /128 (DHCPv6 gives no prefix: the
//    on-link prefix and the default router come from the router's RA);
//  * server: the server's DUID in lower-case hex;
//  * dns.servers: the name servers of option 23, in order; dns.search: the
//    domain search list of option 24;
//  * lease_seconds: the valid lifetime, 0 for infinite (0xffffffff);
//  * t1/t2: the IA_NA's, or when the server left them 0, 1/2 and 4/5 of the
//    preferred lifetime (RFC 8415 21.4), made t1 < t2 < lease.
// source is "dhcp6"; network_id is left empty.
std::optional<Lease> LeaseFromReply(const ServerMessage& reply, const Mac& mac,
                                    UnixSeconds now);

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_CLIENT_H_
