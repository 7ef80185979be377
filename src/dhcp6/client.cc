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

void StampCentiseconds(ClientMessage& message, MonoTime::duration elapsed) {
  const auto centiseconds =
      std::chrono::duration_cast<milliseconds>(elapsed).count() / 10;
  message.elapsed_centiseconds =
      static_cast<uint16_t>(std::clamp<int64_t>(centiseconds, 0, 0xffff));
}

std::string NotFor(const ServerMessage& reply, uint32_t xid, const Mac& mac) {
  if (reply.xid != xid) {
    return "its transaction ID is " + Hex24(reply.xid) + ", not " + Hex24(xid);
  }
  if (reply.client_id != DuidFromMac(mac)) {
    return "it is for client " + HexOf(reply.client_id);
  }
  return "";
}

Status Unanswered(const dhcp::Exchange<ClientMessage, ServerMessage>& exchange,
                  const std::string& nic, const std::string& asking) {
  const milliseconds waited = std::chrono::duration_cast<milliseconds>(
      exchange.deadline - exchange.start);
  return Status::Timeout(
      "no DHCPv6 answer for NIC " + nic + asking + " within " +
      std::to_string(waited.count()) + " ms (sent " +
      std::to_string(exchange.first_sends) + " SOLICIT and " +
      std::to_string(exchange.other_sends) + " other messages, ignored " +
      std::to_string(exchange.ignored) + " replies)");
}

constexpr dhcp::Protocol<ClientMessage, ServerMessage> kDhcp6 = {
    "DHCPv6",
    MessageType::kSolicit,
    &ClientMessage::mac,
    &Decode,
    &StampCentiseconds,
    &NotFor,
    &HexOf,
    &Unanswered};

// An exchange's checks while soliciting: answers count only when they offer
// `mac` an address, and a REPLY only with Rapid Commit (RFC 8415 18.2.9,
// 18.2.10).
std::function<std::string(const ServerMessage&)> SolicitChecks(const Mac& mac) {
  return [mac](const ServerMessage& reply) -> std::string {
    if (reply.type == MessageType::kReply && !reply.rapid_commit) {
      return "a REPLY without Rapid Commit answers no SOLICIT";
    }
    if (!Granted(reply, mac)) {
      return "it offers no address (\"" + reply.status_message + "\")";
    }
    return "";
  };
}

}  // namespace

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
    : exchanger_(
          &kDhcp6, transport, clock,
          [next_xid = std::move(next_xid)] { return next_xid() & 0xffffff; },
          mac, std::move(nic), {}) {}

Result<ServerMessage> Client::Acquire(milliseconds timeout,
                                      std::optional<MonoTime> start) {
  auto exchange = exchanger_.Begin(timeout, start);
  const std::string& nic = exchanger_.nic();
  int refusals = 0;
  while (true) {
    exchange.xid = exchanger_.NextXid();
    exchange.wanted = {MessageType::kAdvertise, MessageType::kReply};
    exchange.server.clear();
    exchange.also = SolicitChecks(exchanger_.mac());
    ClientMessage solicit =
        exchanger_.Message(MessageType::kSolicit, exchange.xid);
    solicit.rapid_commit = true;
    Result<ServerMessage> offer = exchanger_.Ask(solicit, exchange, 0);
    exchange.also = nullptr;
    if (!offer.ok()) return offer.status();
    if (offer->type == MessageType::kReply) return offer;  // Rapid Commit.
    const IaAddress offered = *Granted(*offer, exchanger_.mac());
    spdlog::debug("DHCPv6 on NIC {}: {} advertised by {}", nic,
                  Ipv6ToString(offered.address), HexOf(offer->server_id));

    exchange.xid = exchanger_.NextXid();
    ClientMessage request =
        exchanger_.Message(MessageType::kRequest, exchange.xid);
    request.server_id = offer->server_id;
    request.address = offered.address;
    exchange.wanted = {MessageType::kReply};
    exchange.server = offer->server_id;
    Result<std::optional<ServerMessage>> answer =
        exchanger_.TryAsk(request, exchange, dhcp::kMaxRequestSends);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) continue;
    if (Granted(**answer, exchanger_.mac())) return std::move(**answer);
    if (++refusals > kMaxRestarts) {
      return Status::FailedPrecondition(
          "DHCPv6 server " + HexOf(exchange.server) + " refused NIC " + nic +
          " the address it advertised (" + Ipv6ToString(offered.address) +
          ") " + std::to_string(refusals) + " times; last status: \"" +
          (*answer)->status_message + "\"");
    }
    spdlog::debug("DHCPv6 on NIC {}: server {} refused {}; soliciting again",
                  nic, HexOf(exchange.server), Ipv6ToString(offered.address));
  }
}

Result<ServerMessage> Client::Renew(const Ipv6& address,
                                    const std::vector<uint8_t>& server_id,
                                    milliseconds timeout,
                                    std::optional<MonoTime> start) {
  auto exchange = exchanger_.Begin(timeout, start);
  exchange.xid = exchanger_.NextXid();
  exchange.wanted = {MessageType::kReply};
  exchange.server = server_id;
  ClientMessage renew = exchanger_.Message(
      server_id.empty() ? MessageType::kRebind : MessageType::kRenew,
      exchange.xid);
  renew.server_id = server_id;
  renew.address = address;
  return exchanger_.Ask(renew, exchange, 0,
                        std::string(" to a ") + MessageTypeName(renew.type) +
                            " of " + Ipv6ToString(address));
}

Status Client::Release(const Ipv6& address,
                       const std::vector<uint8_t>& server_id) {
  auto exchange = exchanger_.Begin(kReleaseWait * kMaxReleaseSends);
  exchange.xid = exchanger_.NextXid();
  exchange.wanted = {MessageType::kReply};
  exchange.server = server_id;
  ClientMessage release =
      exchanger_.Message(MessageType::kRelease, exchange.xid);
  release.server_id = server_id;
  release.address = address;
  Result<std::optional<ServerMessage>> answer =
      exchanger_.SendUntilAnswer(release, exchange, kMaxReleaseSends);
  if (!answer.ok()) return answer.status();
  if (!answer->has_value()) {
    spdlog::debug("DHCPv6 on NIC {}: no REPLY to the RELEASE of {}",
                  exchanger_.nic(), Ipv6ToString(address));
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
  lease.dns.search = reply.search_domains;
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
