// libFuzzer target: the DHCP decoder, fed what any host on the link may send
// to port 68 (seeded with OFFER/ACK/NAK payloads captured from dnsmasq in
// tests/fuzz/dhcp_corpus/, and with the shapes real servers send that a
// strict parser refused: split options (RFC 3396), option overload into
// file and sname, one malformed option, a truncated tail).
//
// Decode must never crash or hang. When it accepts an input, the result must
// be one a client can act on unchecked: a server's message type; an OFFER or
// ACK with an address and a server identifier; a contiguous subnet mask; an
// MTU of at least 68; classless routes whose destination is "a.b.c.d/N" with
// N <= 32 and no bits beyond the prefix, and whose next hop is "" or a
// non-zero dotted quad; a message of at most 255 printable ASCII characters;
// at most 8 DNS servers; a domain name and at most 32 distinct search
// domains (RFC 3397, compression pointers and all) each a name of at most
// 253 characters, of non-empty labels of at most 63 lower-case letters,
// digits, '-' and '_';
// at most one warning per option code and options area, each ending in
// "; ignored" (or "; ignored it and what follows").
// Decode must also answer the same input the same way twice.
//
// Every input also drives Encode: its first bytes choose a client message,
// which must come out as a BOOTREQUEST of 300..kMaxMessageSize bytes that
// Decode refuses -- and still refuses with the op byte turned into
// BOOTREPLY, since its message type is a client's.
// Any violation prints what was wrong and aborts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "dhcp/message.h"
#include "fuzz/invariant.h"

namespace hostnic::dhcp {
namespace {

using fuzz::Require;

bool IsContiguousMask(Ipv4 mask) {
  const uint32_t host_bits = ~mask;
  return (host_bits & (host_bits + 1)) == 0;
}

void CheckRoute(const Route& route) {
  const std::string& d = route.destination;
  const size_t slash = d.find('/');
  Require(slash != std::string::npos, "route without prefix: " + d);
  const std::optional<Ipv4> ip = ParseIpv4(d.substr(0, slash));
  Require(ip.has_value(), "route destination not an address: " + d);
  const std::string prefix_text = d.substr(slash + 1);
  Require(!prefix_text.empty() && prefix_text.size() <= 2 &&
              prefix_text.find_first_not_of("0123456789") == std::string::npos,
          "route prefix not a number: " + d);
  const int prefix = std::stoi(prefix_text);
  Require(prefix <= 32, "route prefix over 32: " + d);
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  Require((*ip & ~mask) == 0, "route destination has host bits: " + d);
  if (!route.next_hop.empty()) {
    const std::optional<Ipv4> hop = ParseIpv4(route.next_hop);
    Require(hop.has_value() && *hop != 0,
            "route next hop not a non-zero address: " + route.next_hop);
  }
}

void CheckDecoded(const ServerMessage& m) {
  Require(m.type == MessageType::kOffer || m.type == MessageType::kAck ||
              m.type == MessageType::kNak,
          std::string("accepted a client's type ") + MessageTypeName(m.type));
  if (m.type != MessageType::kNak) {
    Require(m.yiaddr != 0, "OFFER/ACK without yiaddr accepted");
    Require(m.server_id != 0, "OFFER/ACK without server identifier accepted");
  }
  if (m.subnet_mask) {
    Require(IsContiguousMask(*m.subnet_mask),
            "non-contiguous mask " + Ipv4ToString(*m.subnet_mask));
  }
  if (m.mtu) Require(*m.mtu >= 68, "MTU " + std::to_string(*m.mtu));
  if (m.classless_routes) {
    for (const Route& route : *m.classless_routes) CheckRoute(route);
  }
  Require(m.dns_servers.size() <= 8, "more than 8 DNS servers");
  if (!m.domain_name.empty()) fuzz::RequireName(m.domain_name);
  fuzz::RequireSearchList(m.search_domains);
  Require(m.message.size() <= 255, "message longer than 255 characters");
  Require(m.warnings.size() <= 256 + 3, "more warnings than option codes");
  fuzz::RequireSaysIgnored(m.warnings, "warning");
  for (char c : m.message) {
    Require(c >= 0x20 && c < 0x7f, "unprintable byte in message");
  }
}

void CheckSameResult(const Result<ServerMessage>& a,
                     const Result<ServerMessage>& b) {
  fuzz::RequireSameResult(
      a, b, [](const ServerMessage& x, const ServerMessage& y) {
        return x.type == y.type && x.xid == y.xid && x.yiaddr == y.yiaddr &&
               x.server_id == y.server_id &&
               x.classless_routes == y.classless_routes &&
               x.message == y.message && x.warnings == y.warnings &&
               x.dns_servers == y.dns_servers &&
               x.domain_name == y.domain_name &&
               x.search_domains == y.search_domains;
      });
}

// The first 20 input bytes (zero when short) choose a client message.
void CheckEncode(const uint8_t* data, size_t size) {
  const std::array<uint8_t, 20> b = fuzz::FirstBytes<20>(data, size);
  const auto load32 = [&](size_t at) {
    return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 |
           uint32_t{b[at + 2]} << 8 | b[at + 3];
  };
  constexpr MessageType kClientTypes[] = {
      MessageType::kDiscover, MessageType::kRequest, MessageType::kDecline,
      MessageType::kRelease, MessageType::kInform};
  ClientMessage m;
  m.type = kClientTypes[b[0] % std::size(kClientTypes)];
  m.broadcast_flag = (b[1] & 1) != 0;
  m.xid = load32(2);
  m.ciaddr = load32(6);
  m.requested_ip = load32(10);
  m.server_id = load32(14);
  m.secs = static_cast<uint16_t>(b[18] << 8 | b[19]);
  m.chaddr = Mac({b[2], b[3], b[4], b[5], b[6], b[7]});

  std::vector<uint8_t> out = Encode(m);
  Require(out.size() >= 300 && out.size() <= kMaxMessageSize,
          "Encode made " + std::to_string(out.size()) + " bytes");
  Require(out[0] == 1, "Encode made a non-BOOTREQUEST");
  Require(!Decode(out.data(), out.size()).ok(),
          "Decode accepted a BOOTREQUEST");
  out[0] = 2;
  Require(!Decode(out.data(), out.size()).ok(),
          "Decode accepted a client's message type");
}

}  // namespace
}  // namespace hostnic::dhcp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hostnic::dhcp;  // NOLINT: one entry point.
  const hostnic::Result<ServerMessage> first = Decode(data, size);
  if (first.ok()) CheckDecoded(*first);
  CheckSameResult(first, Decode(data, size));
  CheckEncode(data, size);
  return 0;
}
