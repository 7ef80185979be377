// Client: hostnic's DHCP client exchanges (RFC 2131) for one NIC, as a small
// state machine over a Transport, with the time and the transaction IDs
// injected so that tests drive it without sockets or sleeping.
//
//   Acquire (INIT -> SELECTING -> REQUESTING -> BOUND):
//     DISCOVER (broadcast flag set) until an OFFER; REQUEST with the
//     offer's server identifier and requested address until that server's
//     ACK or NAK. A NAK restarts from DISCOVER with a new xid (at most
//     kMaxNaks times); a REQUEST unanswered after kMaxRequestSends sends
//     does too.
//   Renew (RENEWING/REBINDING, RFC 2131 4.3.2): REQUEST with ciaddr and
//     neither server identifier nor requested address, until an ACK or NAK.
//   Reboot (INIT-REBOOT, RFC 2131 3.2): REQUEST (broadcast flag set) for
//     the address the client had, with option 50 and neither ciaddr nor a
//     server identifier, until an ACK for that very address or a NAK, at
//     most kMaxRequestSends times.
//   Release: DHCPRELEASE, sent again 250 ms and 1 s after the first (servers
//     answer nothing, so a lost one would go unnoticed).
//
// Every message is retransmitted as dhcp/retransmit.h says (10, 30, 70,
// 150 ms, then 1, 2, 4, 8, 8, ... s randomised by `jitter`), always within
// the exchange's overall timeout (kTimeout when it runs out). Replies are
// taken or ignored as dhcp/exchange.h says: one with another xid or chaddr,
// of an unexpected type, without the server identifier of the server chosen
// (while requesting an offer or renewing), an ACK without a lease time
// (option 51, which RFC 2131 makes mandatory) or for another address than
// the one asked for (INIT-REBOOT), or one that does not decode is ignored.
#ifndef HOSTNIC_DHCP_CLIENT_H_
#define HOSTNIC_DHCP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dhcp/exchange.h"
#include "dhcp/message.h"
#include "dhcp/transport.h"
#include "hostnic/address.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

constexpr int kMaxNaks = 3;

class Client {
 public:
  // `transport` and `clock` must outlive the client; `next_xid` gives a
  // fresh transaction ID per exchange. `nic` names the NIC in errors and
  // logs, e.g. "eth1 (52:54:00:12:34:56)". `jitter` gives a number in
  // [-1, 1] per retransmission (RandomJitter); none: no randomising.
  Client(Transport* transport, const Clock* clock,
         std::function<uint32_t()> next_xid, const Mac& mac, std::string nic,
         std::function<double()> jitter = {});

  // Both exchanges end by `start` + `timeout`, `start` being when the
  // caller's wait began (now when absent).

  // Returns the server's ACK. Errors: kTimeout ("no DHCP answer for NIC
  // eth1 (52:54:...) within 10 s ..."), kFailedPrecondition (NAKed more
  // than kMaxNaks times), or the transport's.
  [[nodiscard]] Result<ServerMessage> Acquire(
      std::chrono::milliseconds timeout,
      std::optional<MonoTime> start = std::nullopt);

  // Asks to extend the lease of `ciaddr`; returns the ACK or the NAK. A
  // non-zero `server` (RENEWING: the lease's server) is the only one whose
  // answer counts; 0 (REBINDING) takes any server's.
  [[nodiscard]] Result<ServerMessage> Renew(
      Ipv4 ciaddr, Ipv4 server, std::chrono::milliseconds timeout,
      std::optional<MonoTime> start = std::nullopt);

  // Asks for `requested` again (INIT-REBOOT); returns the ACK or the NAK.
  // kTimeout when neither came.
  [[nodiscard]] Result<ServerMessage> Reboot(
      Ipv4 requested, std::chrono::milliseconds timeout,
      std::optional<MonoTime> start = std::nullopt);

  [[nodiscard]] Status Release(Ipv4 ciaddr, Ipv4 server);

 private:
  Exchanger<ClientMessage, ServerMessage> exchanger_;
};

// The Lease an ACK grants `mac`, acquired at `now`:
//  * address: yiaddr with the prefix of option 1; without option 1, /32
//    (a cloud's point-to-point style; hostnic guesses no class);
//  * routes: option 121 when present, else option 3 (RFC 3442: a client
//    that gets 121 ignores 3). 121's 0.0.0.0/0 route, if any, becomes
//    `gateway`, its other routes go to `routes`. A gateway outside the
//    address's prefix gets an on-link host route first in `routes`, so the
//    default route can be installed;
//  * mtu: option 26;
//  * dns: options 6 (servers), 15 (domain) and 119 (search);
//  * lease_seconds: option 51, 0 for infinite (0xffffffff) or absent; a
//    server's 0 counts as 1 s. t1/t2: options 58/59, defaulting to 1/2 and
//    7/8 of the lease and sanitised so that t1 < t2 < lease (0 for an
//    infinite lease).
// source is "dhcp"; network_id is left empty.
Lease LeaseFromAck(const ServerMessage& ack, const Mac& mac, UnixSeconds now);

// LeaseFromAck for an ACK that renews `had`: network_id is had's, and an ACK
// for had's address without a subnet mask (option 1) keeps had's prefix
// instead of reading it as /32 (which would no longer be had's address).
Lease RenewedLease(const ServerMessage& ack, const Lease& had, UnixSeconds now);

// A uniformly random number in [-1, 1] (a retransmission's jitter).
double RandomJitter();

// "10 s", "1500 ms": a duration as errors state it.
std::string DurationText(std::chrono::milliseconds duration);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_CLIENT_H_
