// Exchanger: what DHCPv4's client (dhcp/client.h) and DHCPv6's
// (dhcp6/client.h) do alike for one NIC -- send a message as
// dhcp/retransmit.h says until a reply counts -- written once for both, with
// what tells the protocols apart in a table (Protocol).
//
// A reply counts when it
//   1. decodes,
//   2. is for this client and transaction (Protocol::not_for),
//   3. is of a type the exchange waits for (Exchange::wanted),
//   4. comes from the exchange's server, when one is chosen, and
//   5. passes the exchange's own checks (Exchange::also, when set).
// Any other reply is ignored: logged at debug level (at most
// kMaxLoggedIgnores lines per exchange) and counted for the timeout error.
// The options the reply taken had ignored (its `warnings`) are logged as
// warnings.
#ifndef HOSTNIC_DHCP_EXCHANGE_H_
#define HOSTNIC_DHCP_EXCHANGE_H_

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dhcp/retransmit.h"
#include "dhcp/transport.h"
#include "hostnic/clock.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// A transaction ID from a random generator of the calling thread's: what
// the address sources give their clients as `next_xid`.
inline uint32_t RandomXid() {
  thread_local std::mt19937 generator(std::random_device{}());
  return static_cast<uint32_t>(generator());
}

// How many times both clients send a REQUEST before they start over or give
// up: eight sends span about 15 s (the last waits 8 s), as RFC 2131's four
// did before the fast first retransmissions.
constexpr int kMaxRequestSends = 8;

// One exchange of `Request`s for a `Reply`: what the reply must be, and
// what was sent and ignored so far.
template <typename Request, typename Reply>
struct Exchange {
  MonoTime start;     // When the caller began to wait.
  MonoTime deadline;  // When it gives up.
  uint32_t xid = 0;
  std::vector<decltype(Reply::type)> wanted;
  // Replies from other servers are ignored unless this is empty (zero).
  decltype(Reply::server_id) server{};
  // The exchange's own checks: why a reply is ignored, "" when it counts.
  std::function<std::string(const Reply&)> also;
  int first_sends = 0;  // Of Protocol::first.
  int other_sends = 0;
  int ignored = 0;
};

// What tells DHCPv4's exchanges from DHCPv6's (each encodes with the
// Encode(Request) declared beside its Request).
template <typename Request, typename Reply>
struct Protocol {
  using ServerId = decltype(Reply::server_id);
  const char* name;               // "DHCP", "DHCPv6", as logs say.
  decltype(Request::type) first;  // Counted apart (DISCOVER, SOLICIT).
  Mac Request::*client;           // The client's MAC (chaddr, mac).
  Result<Reply> (*decode)(const uint8_t* data, size_t size);
  // Sets `message`'s elapsed-time field.
  void (*stamp)(Request& message, MonoTime::duration elapsed);
  // Why `reply` is not for this client and transaction; "" when it is.
  std::string (*not_for)(const Reply& reply, uint32_t xid, const Mac& mac);
  std::string (*server_text)(const ServerId& server);  // For logs.
  // The kTimeout Status of `exchange` unanswered; `asking` is "" or says
  // what was asked, e.g. " to a renewal of 192.168.1.5".
  Status (*unanswered)(const Exchange<Request, Reply>& exchange,
                       const std::string& nic, const std::string& asking);
};

template <typename Request, typename Reply>
class Exchanger {
 public:
  using Exchange = dhcp::Exchange<Request, Reply>;

  // `protocol`, `transport` and `clock` must outlive the exchanger;
  // `next_xid` gives a fresh transaction ID per exchange. `nic` names the
  // NIC in errors and logs, e.g. "eth1 (52:54:00:12:34:56)". `jitter` gives
  // a number in [-1, 1] per retransmission; none: no randomising.
  Exchanger(const Protocol<Request, Reply>* protocol, Transport* transport,
            const Clock* clock, std::function<uint32_t()> next_xid,
            const Mac& mac, std::string nic, std::function<double()> jitter)
      : protocol_(protocol),
        transport_(transport),
        clock_(clock),
        next_xid_(std::move(next_xid)),
        jitter_(std::move(jitter)),
        mac_(mac),
        nic_(std::move(nic)) {}

  // An exchange that ends by `start` + `timeout` (`start`: now when
  // absent); its transaction ID is the caller's to set (NextXid).
  Exchange Begin(std::chrono::milliseconds timeout,
                 std::optional<MonoTime> start = std::nullopt) const {
    Exchange exchange;
    exchange.start = start.value_or(clock_->Monotonic());
    exchange.deadline = exchange.start + timeout;
    return exchange;
  }

  uint32_t NextXid() { return next_xid_(); }

  // A message of `type` in transaction `xid` from this client.
  Request Message(decltype(Request::type) type, uint32_t xid) const {
    Request message;
    message.type = type;
    message.xid = xid;
    message.*(protocol_->client) = mac_;
    return message;
  }

  // Sends `message` (retransmitting, at most `max_sends` times when
  // non-zero) until a reply counts (see the top of this file) or the
  // exchange's deadline passes (nullopt). Errors: the transport's.
  Result<std::optional<Reply>> SendUntilAnswer(Request message,
                                               Exchange& exchange,
                                               int max_sends) {
    std::optional<Reply> answer;
    Retransmission send;
    send.max_sends = max_sends;
    send.encode = [&](MonoTime now) {
      protocol_->stamp(message, now - exchange.start);
      ++(message.type == protocol_->first ? exchange.first_sends
                                          : exchange.other_sends);
      return Encode(message);
    };
    send.check = [&](const std::vector<uint8_t>& payload) {
      Result<Reply> reply = protocol_->decode(payload.data(), payload.size());
      if (!reply.ok()) return "it does not decode: " + reply.status().message();
      std::string why = Refusal(*reply, exchange);
      if (why.empty()) answer = std::move(reply).value();
      return why;
    };
    Result<bool> got = dhcp::SendUntilAnswer(
        *transport_, *clock_, send, exchange.deadline, jitter_, protocol_->name,
        nic_, &exchange.ignored);
    if (!got.ok()) return got.status();
    return answer;
  }

  // SendUntilAnswer; kTimeout (Protocol::unanswered, with `asking`) when
  // no reply counted.
  Result<Reply> Ask(const Request& message, Exchange& exchange, int max_sends,
                    const std::string& asking = "") {
    Result<std::optional<Reply>> answer =
        SendUntilAnswer(message, exchange, max_sends);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) {
      return protocol_->unanswered(exchange, nic_, asking);
    }
    return std::move(**answer);
  }

  // SendUntilAnswer as one step of an exchange that may start over:
  // nullopt when `max_sends` sends went unanswered with time left, kTimeout
  // (Protocol::unanswered) when the deadline passed.
  Result<std::optional<Reply>> TryAsk(const Request& message,
                                      Exchange& exchange, int max_sends) {
    Result<std::optional<Reply>> answer =
        SendUntilAnswer(message, exchange, max_sends);
    if (answer.ok() && !answer->has_value() &&
        clock_->Monotonic() >= exchange.deadline) {
      return protocol_->unanswered(exchange, nic_, "");
    }
    return answer;
  }

  Transport& transport() const { return *transport_; }
  const Clock& clock() const { return *clock_; }
  const Mac& mac() const { return mac_; }
  const std::string& nic() const { return nic_; }

 private:
  // Why `reply` (decoded) does not count; "" when it does, its warnings
  // then logged.
  std::string Refusal(const Reply& reply, const Exchange& exchange) const {
    std::string why = protocol_->not_for(reply, exchange.xid, mac_);
    if (!why.empty()) return why;
    if (std::find(exchange.wanted.begin(), exchange.wanted.end(), reply.type) ==
        exchange.wanted.end()) {
      return std::string("a ") + MessageTypeName(reply.type) +
             " is not expected now";
    }
    if (exchange.server != decltype(exchange.server){} &&
        reply.server_id != exchange.server) {
      return "it comes from server " + protocol_->server_text(reply.server_id) +
             ", not " + protocol_->server_text(exchange.server);
    }
    if (exchange.also) why = exchange.also(reply);
    if (!why.empty()) return why;
    // Bounded: only replies to this exchange get here, and the decoder
    // bounds their warnings.
    for (const std::string& warning : reply.warnings) {
      spdlog::warn("{} on NIC {}: {} from server {}: {}", protocol_->name, nic_,
                   MessageTypeName(reply.type),
                   protocol_->server_text(reply.server_id), warning);
    }
    return "";
  }

  const Protocol<Request, Reply>* protocol_;
  Transport* transport_;
  const Clock* clock_;
  std::function<uint32_t()> next_xid_;
  std::function<double()> jitter_;
  Mac mac_;
  std::string nic_;
};

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_EXCHANGE_H_
