#include "dhcp/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bitset>
#include <random>
#include <utility>
#include <vector>

namespace hostnic::dhcp {

namespace {

using std::chrono::milliseconds;

// Pauses between the copies of a DHCPRELEASE (see Client::Release).
constexpr milliseconds kReleasePauses[] = {milliseconds(250),
                                           milliseconds(750)};

std::string Hex(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

bool InPrefix(Ipv4 address, Ipv4 network, int prefix) {
  const Ipv4 mask = prefix == 0 ? 0 : ~Ipv4{0} << (32 - prefix);
  return (address & mask) == (network & mask);
}

}  // namespace

double RandomJitter() {
  thread_local std::mt19937 generator(std::random_device{}());
  return std::uniform_real_distribution<double>(-1.0, 1.0)(generator);
}

struct Client::Exchange {
  MonoTime start;
  uint32_t xid = 0;
  std::vector<MessageType> wanted;
  Ipv4 server = 0;   // Non-zero: replies naming another server are ignored.
  Ipv4 address = 0;  // Non-zero: ACKs for another address are ignored.
  int discovers = 0;
  int requests = 0;
  int ignored = 0;
};

Client::Client(Transport* transport, const Clock* clock,
               std::function<uint32_t()> next_xid, const Mac& mac,
               std::string nic, std::function<double()> jitter)
    : transport_(transport),
      clock_(clock),
      next_xid_(std::move(next_xid)),
      jitter_(std::move(jitter)),
      mac_(mac),
      nic_(std::move(nic)) {}

Result<std::optional<ServerMessage>> Client::SendUntilAnswer(
    ClientMessage message, Exchange& exchange, MonoTime deadline,
    int max_sends) {
  std::optional<ServerMessage> answer;
  Retransmission send;
  send.max_sends = max_sends;
  send.encode = [&](MonoTime now) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(now - exchange.start);
    message.secs = static_cast<uint16_t>(
        std::clamp<int64_t>(elapsed.count(), 0, UINT16_MAX));
    ++(message.type == MessageType::kDiscover ? exchange.discovers
                                              : exchange.requests);
    return Encode(message);
  };
  send.check = [&](const std::vector<uint8_t>& bytes) -> std::string {
    Result<ServerMessage> reply = Decode(bytes.data(), bytes.size());
    if (!reply.ok()) return "it does not decode: " + reply.status().message();
    if (reply->xid != exchange.xid) {
      return "its xid is " + Hex(reply->xid) + ", not " + Hex(exchange.xid);
    }
    if (reply->chaddr != mac_) return "it is for " + reply->chaddr.ToString();
    if (std::find(exchange.wanted.begin(), exchange.wanted.end(),
                  reply->type) == exchange.wanted.end()) {
      return std::string("a ") + MessageTypeName(reply->type) +
             " is not expected now";
    }
    if (exchange.server != 0 && reply->server_id != exchange.server) {
      return "it comes from server " + Ipv4ToString(reply->server_id) +
             ", not " + Ipv4ToString(exchange.server);
    }
    if (reply->type == MessageType::kAck && !reply->lease_time) {
      return "an ACK without a lease time (option 51)";
    }
    if (reply->type == MessageType::kAck && exchange.address != 0 &&
        reply->yiaddr != exchange.address) {
      return "it grants " + Ipv4ToString(reply->yiaddr) + ", not " +
             Ipv4ToString(exchange.address);
    }
    // Bounded: only replies to this exchange get here, each with at most
    // one warning per option code.
    for (const std::string& warning : reply->warnings) {
      spdlog::warn("DHCP on NIC {}: {} from server {}: {}", nic_,
                   MessageTypeName(reply->type), Ipv4ToString(reply->server_id),
                   warning);
    }
    answer = std::move(reply).value();
    return "";
  };
  Result<bool> got =
      dhcp::SendUntilAnswer(*transport_, *clock_, send, deadline, jitter_,
                            "DHCP", nic_, &exchange.ignored);
  if (!got.ok()) return got.status();
  return answer;
}

std::string Client::TimeoutError(const Exchange& exchange, milliseconds timeout,
                                 const std::string& asking) const {
  return "no DHCP answer for NIC " + nic_ + asking + " within " +
         DurationText(timeout) + " (sent " +
         std::to_string(exchange.discovers) + " DHCPDISCOVER and " +
         std::to_string(exchange.requests) + " DHCPREQUEST, ignored " +
         std::to_string(exchange.ignored) + " replies)";
}

Result<ServerMessage> Client::Acquire(milliseconds timeout,
                                      std::optional<MonoTime> start) {
  Exchange exchange;
  exchange.start = start.value_or(clock_->Monotonic());
  const MonoTime deadline = exchange.start + timeout;
  int naks = 0;
  while (true) {
    exchange.xid = next_xid_();
    exchange.wanted = {MessageType::kOffer};
    exchange.server = 0;
    ClientMessage discover;
    discover.type = MessageType::kDiscover;
    discover.xid = exchange.xid;
    discover.chaddr = mac_;
    // The NIC has no address yet, so it can take only broadcast answers.
    discover.broadcast_flag = true;
    Result<std::optional<ServerMessage>> offer =
        SendUntilAnswer(discover, exchange, deadline, 0);
    if (!offer.ok()) return offer.status();
    if (!offer->has_value()) {
      return Status::Timeout(TimeoutError(exchange, timeout, ""));
    }
    spdlog::debug("DHCP on NIC {}: {} offered by {}", nic_,
                  Ipv4ToString((*offer)->yiaddr),
                  Ipv4ToString((*offer)->server_id));

    ClientMessage request = discover;
    request.type = MessageType::kRequest;
    request.requested_ip = (*offer)->yiaddr;
    request.server_id = (*offer)->server_id;
    exchange.wanted = {MessageType::kAck, MessageType::kNak};
    exchange.server = (*offer)->server_id;
    Result<std::optional<ServerMessage>> answer =
        SendUntilAnswer(request, exchange, deadline, kMaxRequestSends);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) {
      if (clock_->Monotonic() >= deadline) {
        return Status::Timeout(TimeoutError(exchange, timeout, ""));
      }
      spdlog::debug(
          "DHCP on NIC {}: server {} did not answer {} requests; "
          "discovering again",
          nic_, Ipv4ToString(exchange.server), kMaxRequestSends);
      continue;
    }
    if ((*answer)->type == MessageType::kAck) return std::move(**answer);
    if (++naks > kMaxNaks) {
      return Status::FailedPrecondition(
          "DHCP server " + Ipv4ToString(exchange.server) + " refused NIC " +
          nic_ + " the address it offered (" +
          Ipv4ToString(request.requested_ip) + ") " + std::to_string(naks) +
          " times; last reason: \"" + (*answer)->message + "\"");
    }
    spdlog::debug(
        "DHCP on NIC {}: server {} refused {} (\"{}\"); discovering "
        "again",
        nic_, Ipv4ToString(exchange.server), Ipv4ToString(request.requested_ip),
        (*answer)->message);
  }
}

Result<ServerMessage> Client::Renew(Ipv4 ciaddr, Ipv4 server,
                                    milliseconds timeout,
                                    std::optional<MonoTime> start) {
  Exchange exchange;
  exchange.start = start.value_or(clock_->Monotonic());
  exchange.xid = next_xid_();
  exchange.wanted = {MessageType::kAck, MessageType::kNak};
  exchange.server = server;
  ClientMessage request;
  request.type = MessageType::kRequest;
  request.xid = exchange.xid;
  request.chaddr = mac_;
  request.ciaddr = ciaddr;
  Result<std::optional<ServerMessage>> answer =
      SendUntilAnswer(request, exchange, exchange.start + timeout, 0);
  if (!answer.ok()) return answer.status();
  if (!answer->has_value()) {
    return Status::Timeout(TimeoutError(
        exchange, timeout, " to a renewal of " + Ipv4ToString(ciaddr)));
  }
  return std::move(**answer);
}

Result<ServerMessage> Client::Reboot(Ipv4 requested, milliseconds timeout,
                                     std::optional<MonoTime> start) {
  Exchange exchange;
  exchange.start = start.value_or(clock_->Monotonic());
  exchange.xid = next_xid_();
  exchange.wanted = {MessageType::kAck, MessageType::kNak};
  exchange.address = requested;
  ClientMessage request;
  request.type = MessageType::kRequest;
  request.xid = exchange.xid;
  request.chaddr = mac_;
  request.requested_ip = requested;
  // No address on the NIC yet: only a broadcast answer reaches it.
  request.broadcast_flag = true;
  Result<std::optional<ServerMessage>> answer = SendUntilAnswer(
      request, exchange, exchange.start + timeout, kMaxRequestSends);
  if (!answer.ok()) return answer.status();
  if (!answer->has_value()) {
    return Status::Timeout(TimeoutError(
        exchange, timeout, " to a request for " + Ipv4ToString(requested)));
  }
  return std::move(**answer);
}

Status Client::Release(Ipv4 ciaddr, Ipv4 server) {
  ClientMessage release;
  release.type = MessageType::kRelease;
  release.xid = next_xid_();
  release.chaddr = mac_;
  release.ciaddr = ciaddr;
  release.server_id = server;
  const std::vector<uint8_t> payload = Encode(release);
  // No answer tells whether a release arrived, and a NIC just brought up
  // may drop frames until the far side's bridge port forwards (carrier
  // events reach it up to a second late): send it again after each pause.
  // A server that already freed the lease ignores the copies.
  for (const milliseconds pause : kReleasePauses) {
    HOSTNIC_RETURN_IF_ERROR(transport_->Send(payload));
    auto ignored = transport_->Receive(clock_->Monotonic() + pause);
    if (!ignored.ok()) return ignored.status();
  }
  return transport_->Send(payload);
}

Lease LeaseFromAck(const ServerMessage& ack, const Mac& mac, UnixSeconds now) {
  Lease lease;
  lease.mac = mac;
  lease.source = "dhcp";
  lease.acquired = now;
  const int prefix =
      ack.subnet_mask
          ? static_cast<int>(std::bitset<32>(*ack.subnet_mask).count())
          : 32;
  lease.address = Ipv4ToString(ack.yiaddr) + "/" + std::to_string(prefix);
  if (ack.server_id != 0) lease.server = Ipv4ToString(ack.server_id);
  lease.mtu = ack.mtu.value_or(0);
  for (const Ipv4 server : ack.dns_servers) {
    lease.dns.servers.push_back(Ipv4ToString(server));
  }
  lease.dns.domain = ack.domain_name;
  lease.dns.search = ack.search_domains;

  if (ack.classless_routes) {
    for (const Route& route : *ack.classless_routes) {
      if (route.destination != "0.0.0.0/0") {
        lease.routes.push_back(route);
      } else if (!route.next_hop.empty() && lease.gateway.empty()) {
        lease.gateway = route.next_hop;
      } else {
        spdlog::debug(
            "DHCP: NIC {}: ignoring a second or on-link default "
            "route in option 121",
            mac.ToString());
      }
    }
  } else if (ack.router) {
    lease.gateway = Ipv4ToString(*ack.router);
  }
  if (std::optional<Ipv4> gateway = ParseIpv4(lease.gateway);
      gateway && !InPrefix(*gateway, ack.yiaddr, prefix)) {
    const Route on_link{lease.gateway + "/32", ""};
    if (std::find(lease.routes.begin(), lease.routes.end(), on_link) ==
        lease.routes.end()) {
      lease.routes.insert(lease.routes.begin(), on_link);
    }
  }

  if (!ack.lease_time || *ack.lease_time == UINT32_MAX) return lease;
  const uint32_t seconds = std::max<uint32_t>(*ack.lease_time, 1);
  lease.lease_seconds = seconds;
  lease.t2_seconds = ack.t2 && *ack.t2 > 0 && *ack.t2 < seconds
                         ? *ack.t2
                         : static_cast<uint32_t>(uint64_t{seconds} * 7 / 8);
  lease.t1_seconds = ack.t1 && *ack.t1 > 0 && *ack.t1 < lease.t2_seconds
                         ? *ack.t1
                         : seconds / 2;
  if (lease.t1_seconds >= lease.t2_seconds) {
    lease.t1_seconds = lease.t2_seconds / 2;
  }
  return lease;
}

Lease RenewedLease(const ServerMessage& ack, const Lease& had,
                   UnixSeconds now) {
  Lease lease = LeaseFromAck(ack, had.mac, now);
  lease.network_id = had.network_id;
  const size_t slash = had.address.find('/');
  if (!ack.subnet_mask && slash != std::string::npos &&
      ParseIpv4(had.address.substr(0, slash)) == ack.yiaddr) {
    lease.address = Ipv4ToString(ack.yiaddr) + had.address.substr(slash);
  }
  return lease;
}

std::string DurationText(milliseconds duration) {
  if (duration.count() % 1000 == 0) {
    return std::to_string(duration.count() / 1000) + " s";
  }
  return std::to_string(duration.count()) + " ms";
}

}  // namespace hostnic::dhcp
