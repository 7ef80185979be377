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

void StampSeconds(ClientMessage& message, MonoTime::duration elapsed) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
  message.secs =
      static_cast<uint16_t>(std::clamp<int64_t>(seconds, 0, UINT16_MAX));
}

std::string NotFor(const ServerMessage& reply, uint32_t xid, const Mac& mac) {
  if (reply.xid != xid) {
    return "its xid is " + Hex(reply.xid) + ", not " + Hex(xid);
  }
  if (reply.chaddr != mac) return "it is for " + reply.chaddr.ToString();
  return "";
}

Status Unanswered(const dhcp::Exchange<ClientMessage, ServerMessage>& exchange,
                  const std::string& nic, const std::string& asking) {
  return Status::Timeout(
      "no DHCP answer for NIC " + nic + asking + " within " +
      DurationText(std::chrono::duration_cast<milliseconds>(exchange.deadline -
                                                            exchange.start)) +
      " (sent " + std::to_string(exchange.first_sends) + " DHCPDISCOVER and " +
      std::to_string(exchange.other_sends) + " DHCPREQUEST, ignored " +
      std::to_string(exchange.ignored) + " replies)");
}

std::string ServerText(const Ipv4& server) { return Ipv4ToString(server); }

constexpr Protocol<ClientMessage, ServerMessage> kDhcp4 = {
    "DHCP",
    MessageType::kDiscover,
    &ClientMessage::chaddr,
    &Decode,
    &StampSeconds,
    &NotFor,
    &ServerText,
    &Unanswered};

// An exchange's check that ACKs have a lease time (option 51, which RFC
// 2131 makes mandatory) and, when `address` is non-zero, grant it.
std::function<std::string(const ServerMessage&)> AckChecks(Ipv4 address) {
  return [address](const ServerMessage& reply) -> std::string {
    if (reply.type != MessageType::kAck) return "";
    if (!reply.lease_time) return "an ACK without a lease time (option 51)";
    if (address != 0 && reply.yiaddr != address) {
      return "it grants " + Ipv4ToString(reply.yiaddr) + ", not " +
             Ipv4ToString(address);
    }
    return "";
  };
}

}  // namespace

double RandomJitter() {
  thread_local std::mt19937 generator(std::random_device{}());
  return std::uniform_real_distribution<double>(-1.0, 1.0)(generator);
}

Client::Client(Transport* transport, const Clock* clock,
               std::function<uint32_t()> next_xid, const Mac& mac,
               std::string nic, std::function<double()> jitter)
    : exchanger_(&kDhcp4, transport, clock, std::move(next_xid), mac,
                 std::move(nic), std::move(jitter)) {}

Result<ServerMessage> Client::Acquire(milliseconds timeout,
                                      std::optional<MonoTime> start) {
  auto exchange = exchanger_.Begin(timeout, start);
  exchange.also = AckChecks(0);
  const std::string& nic = exchanger_.nic();
  int naks = 0;
  while (true) {
    exchange.xid = exchanger_.NextXid();
    exchange.wanted = {MessageType::kOffer};
    exchange.server = 0;
    ClientMessage discover =
        exchanger_.Message(MessageType::kDiscover, exchange.xid);
    // The NIC has no address yet, so it can take only broadcast answers.
    discover.broadcast_flag = true;
    Result<ServerMessage> offer = exchanger_.Ask(discover, exchange, 0);
    if (!offer.ok()) return offer.status();
    spdlog::debug("DHCP on NIC {}: {} offered by {}", nic,
                  Ipv4ToString(offer->yiaddr), Ipv4ToString(offer->server_id));

    ClientMessage request = discover;
    request.type = MessageType::kRequest;
    request.requested_ip = offer->yiaddr;
    request.server_id = offer->server_id;
    exchange.wanted = {MessageType::kAck, MessageType::kNak};
    exchange.server = offer->server_id;
    Result<std::optional<ServerMessage>> answer =
        exchanger_.TryAsk(request, exchange, kMaxRequestSends);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) {
      spdlog::debug(
          "DHCP on NIC {}: server {} did not answer {} requests; "
          "discovering again",
          nic, Ipv4ToString(exchange.server), kMaxRequestSends);
      continue;
    }
    if ((*answer)->type == MessageType::kAck) return std::move(**answer);
    if (++naks > kMaxNaks) {
      return Status::FailedPrecondition(
          "DHCP server " + Ipv4ToString(exchange.server) + " refused NIC " +
          nic + " the address it offered (" +
          Ipv4ToString(request.requested_ip) + ") " + std::to_string(naks) +
          " times; last reason: \"" + (*answer)->message + "\"");
    }
    spdlog::debug(
        "DHCP on NIC {}: server {} refused {} (\"{}\"); discovering "
        "again",
        nic, Ipv4ToString(exchange.server), Ipv4ToString(request.requested_ip),
        (*answer)->message);
  }
}

Result<ServerMessage> Client::Renew(Ipv4 ciaddr, Ipv4 server,
                                    milliseconds timeout,
                                    std::optional<MonoTime> start) {
  auto exchange = exchanger_.Begin(timeout, start);
  exchange.xid = exchanger_.NextXid();
  exchange.wanted = {MessageType::kAck, MessageType::kNak};
  exchange.server = server;
  exchange.also = AckChecks(0);
  ClientMessage request =
      exchanger_.Message(MessageType::kRequest, exchange.xid);
  request.ciaddr = ciaddr;
  return exchanger_.Ask(request, exchange, 0,
                        " to a renewal of " + Ipv4ToString(ciaddr));
}

Result<ServerMessage> Client::Reboot(Ipv4 requested, milliseconds timeout,
                                     std::optional<MonoTime> start) {
  auto exchange = exchanger_.Begin(timeout, start);
  exchange.xid = exchanger_.NextXid();
  exchange.wanted = {MessageType::kAck, MessageType::kNak};
  exchange.also = AckChecks(requested);
  ClientMessage request =
      exchanger_.Message(MessageType::kRequest, exchange.xid);
  request.requested_ip = requested;
  // No address on the NIC yet: only a broadcast answer reaches it.
  request.broadcast_flag = true;
  return exchanger_.Ask(request, exchange, kMaxRequestSends,
                        " to a request for " + Ipv4ToString(requested));
}

Status Client::Release(Ipv4 ciaddr, Ipv4 server) {
  ClientMessage release =
      exchanger_.Message(MessageType::kRelease, exchanger_.NextXid());
  release.ciaddr = ciaddr;
  release.server_id = server;
  const std::vector<uint8_t> payload = Encode(release);
  // No answer tells whether a release arrived, and a NIC just brought up
  // may drop frames until the far side's bridge port forwards (carrier
  // events reach it up to a second late): send it again after each pause.
  // A server that already freed the lease ignores the copies.
  Transport& transport = exchanger_.transport();
  for (const milliseconds pause : kReleasePauses) {
    HOSTNIC_RETURN_IF_ERROR(transport.Send(payload));
    auto ignored = transport.Receive(exchanger_.clock().Monotonic() + pause);
    if (!ignored.ok()) return ignored.status();
  }
  return transport.Send(payload);
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
