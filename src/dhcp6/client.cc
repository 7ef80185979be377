#include "dhcp6/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace hostnic::dhcp6 {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kReleaseWait{1000};

std::string Hex24(uint32_t value) {
  char text[9];
  std::snprintf(text, sizeof(text), "0x%06x", value & 0xffffff);
  return text;
}

}  // namespace

struct Client::Exchange {
  MonoTime start;
  uint32_t xid = 0;
  std::vector<MessageType> wanted;
  std::vector<uint8_t> server;  // Non-empty: other servers are ignored.
  // Answers to a SOLICIT count only when they offer this NIC an address,
  // and a REPLY only with Rapid Commit (RFC 8415 18.2.9, 18.2.10).
  bool soliciting = false;
  int solicits = 0;
  int others = 0;
  int ignored = 0;
};

std::optional<IaAddress> Granted(const ServerMessage& message, const Mac& mac) {
  const uint32_t iaid = IaidFromMac(mac);
  for (const IaNa& ia : message.ia_nas) {
    if (ia.iaid != iaid) continue;
    if (ia.status != StatusCode::kSuccess || ia.addresses.empty()) {
      return std::nullopt;
    }
    return ia.addresses.front();
  }
  return std::nullopt;
}

Client::Client(dhcp::Transport* transport, const Clock* clock,
               std::function<uint32_t()> next_xid, const Mac& mac,
               std::string nic)
    : transport_(transport),
      clock_(clock),
      next_xid_(std::move(next_xid)),
      mac_(mac),
      nic_(std::move(nic)) {}

Result<std::optional<ServerMessage>> Client::SendUntilAnswer(
    ClientMessage message, Exchange& exchange, MonoTime deadline,
    int max_sends) {
  const std::vector<uint8_t> duid = DuidFromMac(mac_);
  std::optional<ServerMessage> answer;
  dhcp::Retransmission send;
  send.max_sends = max_sends;
  send.encode = [&](MonoTime now) {
    const auto centiseconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(now -
                                                              exchange.start)
            .count() /
        10;
    message.elapsed_centiseconds =
        static_cast<uint16_t>(std::clamp<int64_t>(centiseconds, 0, 0xffff));
    ++(message.type == MessageType::kSolicit ? exchange.solicits
                                             : exchange.others);
    return Encode(message);
  };
  send.check = [&](const std::vector<uint8_t>& bytes) -> std::string {
    Result<ServerMessage> reply = Decode(bytes.data(), bytes.size());
    if (!reply.ok()) return "it does not decode: " + reply.status().message();
    if (reply->xid != (exchange.xid & 0xffffff)) {
      return "its transaction ID is " + Hex24(reply->xid) + ", not " +
             Hex24(exchange.xid);
    }
    if (reply->client_id != duid) {
      return "it is for client " + HexOf(reply->client_id);
    }
    if (std::find(exchange.wanted.begin(), exchange.wanted.end(),
                  reply->type) == exchange.wanted.end()) {
      return std::string("a ") + MessageTypeName(reply->type) +
             " is not expected now";
    }
    if (!exchange.server.empty() && reply->server_id != exchange.server) {
      return "it comes from server " + HexOf(reply->server_id) + ", not " +
             HexOf(exchange.server);
    }
    if (exchange.soliciting && reply->type == MessageType::kReply &&
        !reply->rapid_commit) {
      return "a REPLY without Rapid Commit answers no SOLICIT";
    }
    if (exchange.soliciting && !Granted(*reply, mac_)) {
      return "it offers no address (\"" + reply->status_message + "\")";
    }
    for (const std::string& warning : reply->warnings) {
      spdlog::warn("DHCPv6 on NIC {}: {} from server {}: {}", nic_,
                   MessageTypeName(reply->type), HexOf(reply->server_id),
                   warning);
    }
    answer = std::move(reply).value();
    return "";
  };
  Result<bool> got =
      dhcp::SendUntilAnswer(*transport_, *clock_, send, deadline, {}, "DHCPv6",
                            nic_, &exchange.ignored);
  if (!got.ok()) return got.status();
  return answer;
}

std::string Client::TimeoutError(const Exchange& exchange, milliseconds timeout,
                                 const std::string& asking) const {
  return "no DHCPv6 answer for NIC " + nic_ + asking + " within " +
         std::to_string(timeout.count()) + " ms (sent " +
         std::to_string(exchange.solicits) + " SOLICIT and " +
         std::to_string(exchange.others) + " other messages, ignored " +
         std::to_string(exchange.ignored) + " replies)";
}

Result<ServerMessage> Client::Acquire(milliseconds timeout,
                                      std::optional<MonoTime> start) {
  Exchange exchange;
  exchange.start = start.value_or(clock_->Monotonic());
  const MonoTime deadline = exchange.start + timeout;
  int refusals = 0;
  while (true) {
    exchange.xid = next_xid_() & 0xffffff;
    exchange.wanted = {MessageType::kAdvertise, MessageType::kReply};
    exchange.server.clear();
    ClientMessage solicit;
    solicit.type = MessageType::kSolicit;
    solicit.xid = exchange.xid;
    solicit.mac = mac_;
    solicit.rapid_commit = true;
    exchange.soliciting = true;
    Result<std::optional<ServerMessage>> advertised =
        SendUntilAnswer(solicit, exchange, deadline, 0);
    exchange.soliciting = false;
    if (!advertised.ok()) return advertised.status();
    if (!advertised->has_value()) {
      return Status::Timeout(TimeoutError(exchange, timeout, ""));
    }
    if ((*advertised)->type == MessageType::kReply) {
      return std::move(**advertised);  // Rapid Commit.
    }
    const ServerMessage offer = std::move(**advertised);
    const IaAddress offered = *Granted(offer, mac_);
    spdlog::debug("DHCPv6 on NIC {}: {} advertised by {}", nic_,
                  Ipv6ToString(offered.address), HexOf(offer.server_id));

    ClientMessage request;
    request.type = MessageType::kRequest;
    request.xid = exchange.xid = next_xid_() & 0xffffff;
    request.mac = mac_;
    request.server_id = offer.server_id;
    request.address = offered.address;
    exchange.wanted = {MessageType::kReply};
    exchange.server = offer.server_id;
    Result<std::optional<ServerMessage>> answer =
        SendUntilAnswer(request, exchange, deadline, kMaxRequestSends);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) {
      if (clock_->Monotonic() >= deadline) {
        return Status::Timeout(TimeoutError(exchange, timeout, ""));
      }
      continue;
    }
    if (Granted(**answer, mac_)) return std::move(**answer);
    if (++refusals > kMaxRestarts) {
      return Status::FailedPrecondition(
          "DHCPv6 server " + HexOf(exchange.server) + " refused NIC " + nic_ +
          " the address it advertised (" + Ipv6ToString(offered.address) +
          ") " + std::to_string(refusals) + " times; last status: \"" +
          (*answer)->status_message + "\"");
    }
    spdlog::debug("DHCPv6 on NIC {}: server {} refused {}; soliciting again",
                  nic_, HexOf(exchange.server), Ipv6ToString(offered.address));
  }
}

Result<ServerMessage> Client::Renew(const Ipv6& address,
                                    const std::vector<uint8_t>& server_id,
                                    milliseconds timeout,
                                    std::optional<MonoTime> start) {
  Exchange exchange;
  exchange.start = start.value_or(clock_->Monotonic());
  exchange.xid = next_xid_() & 0xffffff;
  exchange.wanted = {MessageType::kReply};
  exchange.server = server_id;
  ClientMessage renew;
  renew.type = server_id.empty() ? MessageType::kRebind : MessageType::kRenew;
  renew.xid = exchange.xid;
  renew.mac = mac_;
  renew.server_id = server_id;
  renew.address = address;
  Result<std::optional<ServerMessage>> answer =
      SendUntilAnswer(renew, exchange, exchange.start + timeout, 0);
  if (!answer.ok()) return answer.status();
  if (!answer->has_value()) {
    return Status::Timeout(TimeoutError(exchange, timeout,
                                        std::string(" to a ") +
                                            MessageTypeName(renew.type) +
                                            " of " + Ipv6ToString(address)));
  }
  return std::move(**answer);
}

Status Client::Release(const Ipv6& address,
                       const std::vector<uint8_t>& server_id) {
  Exchange exchange;
  exchange.start = clock_->Monotonic();
  exchange.xid = next_xid_() & 0xffffff;
  exchange.wanted = {MessageType::kReply};
  exchange.server = server_id;
  ClientMessage release;
  release.type = MessageType::kRelease;
  release.xid = exchange.xid;
  release.mac = mac_;
  release.server_id = server_id;
  release.address = address;
  Result<std::optional<ServerMessage>> answer = SendUntilAnswer(
      release, exchange, exchange.start + kReleaseWait * kMaxReleaseSends,
      kMaxReleaseSends);
  if (!answer.ok()) return answer.status();
  if (!answer->has_value()) {
    spdlog::debug("DHCPv6 on NIC {}: no REPLY to the RELEASE of {}", nic_,
                  Ipv6ToString(address));
  }
  return Status::Ok();
}

std::optional<Lease> LeaseFromReply(const ServerMessage& reply, const Mac& mac,
                                    UnixSeconds now) {
  const std::optional<IaAddress> granted = Granted(reply, mac);
  if (!granted) return std::nullopt;
  const uint32_t iaid = IaidFromMac(mac);
  const IaNa& ia = *std::find_if(
      reply.ia_nas.begin(), reply.ia_nas.end(),
      [&](const IaNa& candidate) { return candidate.iaid == iaid; });
  Lease lease;
  lease.mac = mac;
  lease.source = "dhcp6";
  lease.acquired = now;
  lease.address = Ipv6ToString(granted->address) + "/128";
  lease.server = HexOf(reply.server_id);
  for (const Ipv6& server : reply.dns_servers) {
    lease.dns.servers.push_back(Ipv6ToString(server));
  }
  if (granted->valid == UINT32_MAX) return lease;
  const uint32_t valid = granted->valid;
  const uint32_t preferred = std::min(granted->preferred, valid);
  lease.lease_seconds = valid;
  lease.t2_seconds = ia.t2 > 0 && ia.t2 < valid
                         ? ia.t2
                         : static_cast<uint32_t>(uint64_t{preferred} * 4 / 5);
  lease.t1_seconds =
      ia.t1 > 0 && ia.t1 < lease.t2_seconds ? ia.t1 : preferred / 2;
  if (lease.t2_seconds == 0 || lease.t2_seconds >= valid) {
    lease.t2_seconds = static_cast<uint32_t>(uint64_t{valid} * 4 / 5);
  }
  if (lease.t1_seconds >= lease.t2_seconds) {
    lease.t1_seconds = lease.t2_seconds / 2;
  }
  return lease;
}

}  // namespace hostnic::dhcp6
