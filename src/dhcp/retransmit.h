// Retransmission: the send-and-wait loop both DHCP clients share (DHCPv4's
// dhcp/client.h, DHCPv6's dhcp6/client.h): one message, sent again on one
// schedule until a reply passes the client's checks, or until the deadline
// or the number of sends runs out.
//
// The schedule (Backoff): the first retransmissions come quickly, 10, 30,
// 70 and 150 ms after each send -- a frame sent just after a NIC came up
// may be dropped on the way (the far side's bridge port forwards only once
// the kernel's link watcher has run there), and a server on the link
// answers within milliseconds, so waiting a second for it would make every
// fresh exchange a second long -- then 1, 2, 4, 8, 8, ... s as RFC 2131 4.1
// and RFC 8415 15 back off. From 1 s on each wait is randomised by `jitter`
// times half the delay but at most 1 s (1 s +-0.5 s, 2 s +-1 s, 8 s +-1 s),
// so that clients that lost their server together do not retry in step.
// The fast sends cost a local server four extra answers at most.
#ifndef HOSTNIC_DHCP_RETRANSMIT_H_
#define HOSTNIC_DHCP_RETRANSMIT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dhcp/transport.h"
#include "hostnic/clock.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// Replies ignored in one exchange are logged at debug level up to this many
// lines.
constexpr int kMaxLoggedIgnores = 8;

// How long to wait for an answer after send number `sends_before` + 1
// (0: after the first send); `jitter` in [-1, 1] (clamped).
std::chrono::milliseconds Backoff(int sends_before, double jitter);

// One message of an exchange, and how its answers are judged.
struct Retransmission {
  // The payload to send at `now` (its elapsed-time field moves on).
  std::function<std::vector<uint8_t>(MonoTime now)> encode;
  // Empty when `payload` is the answer (the caller keeps what it decoded),
  // else why it is ignored, for the log.
  std::function<std::string(const std::vector<uint8_t>& payload)> check;
  // At most this many sends; 0: until the deadline.
  int max_sends = 0;
};

// Sends `message` over `transport` and waits, again and again as Backoff
// says, until `message.check` takes a reply (true), or `deadline` passes or
// max_sends sends went unanswered (false). Each ignored reply is counted in
// `*ignored` and logged as "`protocol` on NIC `nic`: ignoring ..." (at most
// kMaxLoggedIgnores lines). `jitter` gives a number in [-1, 1] per wait;
// none: no randomising. Errors: the transport's.
Result<bool> SendUntilAnswer(Transport& transport, const Clock& clock,
                             const Retransmission& message, MonoTime deadline,
                             const std::function<double()>& jitter,
                             const std::string& protocol,
                             const std::string& nic, int* ignored);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_RETRANSMIT_H_
