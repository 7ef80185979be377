// libFuzzer target: the DHCPv6 decoder, fed what any host on the link may
// send to port 546 (seeded with ADVERTISE/REPLY shapes in
// tests/fuzz/dhcp6_corpus/: IA_NA with addresses, rapid commit, status
// codes, DNS servers and a domain search list, one malformed option, a
// truncated tail).
//
// Decode must never crash or hang. When it accepts an input, the result must
// be one a client can act on unchecked: an ADVERTISE or REPLY; a server
// identifier of 1..130 bytes; a client identifier of at most 130; IA
// addresses that are global unicast with 0 < valid and preferred <= valid;
// a status message of at most 255 printable ASCII characters; a domain
// search list (option 24) of at most 32 distinct names, each lower-case
// labels of letters, digits, '-' and '_'; at most one
// warning per 4 bytes of message, each ending in "; ignored" (or "; ignored
// it and what follows"). Decode must also answer the same input the same way
// twice.
//
// Every input also drives Encode: its first bytes choose a client message,
// which Decode must refuse (its type is a client's).
//
// The same input is a router advertisement too (dhcp6/router_advert.h; the
// corpus has RA shapes: prefixes, MTU, a zero-length and a truncated
// option): DecodeRouterAdvert must never crash, accept only type 134 code 0
// within the size bounds, keep at most kMaxRaPrefixes prefixes, each of at
// most 128 bits with no bit set past its length and preferred <= valid,
// an MTU of 0 or at least 1280, and answer the same input the same way.
// Any violation prints what was wrong and aborts.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "dhcp/dns_names.h"
#include "dhcp6/message.h"
#include "dhcp6/router_advert.h"
#include "fuzz/invariant.h"

namespace hostnic::dhcp6 {
namespace {

using fuzz::Require;

void CheckText(const std::string& text) {
  Require(text.size() <= 255, "status message longer than 255 characters");
  for (char c : text) {
    Require(c >= 0x20 && c < 0x7f, "unprintable byte in a status message");
  }
}

void CheckDecoded(const ServerMessage& m, size_t size) {
  Require(m.type == MessageType::kAdvertise || m.type == MessageType::kReply,
          std::string("accepted a ") + MessageTypeName(m.type));
  Require(
      !m.server_id.empty() && m.server_id.size() <= kMaxDuidSize,
      "server identifier of " + std::to_string(m.server_id.size()) + " bytes");
  Require(m.client_id.size() <= kMaxDuidSize, "client identifier too long");
  Require(m.dns_servers.size() <= dhcp::kMaxDnsServers,
          "more than " + std::to_string(dhcp::kMaxDnsServers) + " DNS servers");
  Require(m.xid <= 0xffffff, "transaction ID over 24 bits");
  CheckText(m.status_message);
  for (const IaNa& ia : m.ia_nas) {
    CheckText(ia.status_message);
    for (const IaAddress& a : ia.addresses) {
      Require(a.valid > 0 && a.preferred <= a.valid,
              "IA address with bad lifetimes");
      Require(a.address[0] != 0xff, "multicast IA address");
      Require(!(a.address[0] == 0xfe && (a.address[1] & 0xc0) == 0x80),
              "link-local IA address");
    }
  }
  fuzz::RequireSearchList(m.search_domains);
  Require(m.warnings.size() <= size / 4 + 1, "more warnings than options");
  fuzz::RequireSaysIgnored(m.warnings, "warning");
}

void CheckSameResult(const Result<ServerMessage>& a,
                     const Result<ServerMessage>& b) {
  fuzz::RequireSameResult(
      a, b, [](const ServerMessage& x, const ServerMessage& y) {
        return x.type == y.type && x.xid == y.xid &&
               x.server_id == y.server_id && x.client_id == y.client_id &&
               x.warnings == y.warnings && x.ia_nas.size() == y.ia_nas.size() &&
               x.search_domains == y.search_domains;
      });
}

void CheckEncode(const uint8_t* data, size_t size) {
  const std::array<uint8_t, 32> b = fuzz::FirstBytes<32>(data, size);
  constexpr MessageType kClientTypes[] = {
      MessageType::kSolicit, MessageType::kRequest, MessageType::kRenew,
      MessageType::kRebind, MessageType::kRelease};
  ClientMessage m;
  m.type = kClientTypes[b[0] % std::size(kClientTypes)];
  m.rapid_commit = (b[1] & 1) != 0;
  m.xid = uint32_t{b[2]} << 16 | uint32_t{b[3]} << 8 | b[4];
  m.mac = Mac({b[5], b[6], b[7], b[8], b[9], b[10]});
  m.server_id.assign(b.data() + 11, b.data() + 11 + (b[1] >> 4));
  m.elapsed_centiseconds = static_cast<uint16_t>(b[22] << 8 | b[23]);
  if (b[1] & 2) {
    Ipv6 address{};
    std::copy(b.data() + 6, b.data() + 22, address.begin());
    m.address = address;
  }
  const std::vector<uint8_t> out = Encode(m);
  Require(out.size() >= 4 && out.size() <= kMaxMessageSize,
          "Encode made " + std::to_string(out.size()) + " bytes");
  Require(!Decode(out.data(), out.size()).ok(),
          "Decode accepted a client's message");
}

void CheckRouterAdvert(const uint8_t* data, size_t size) {
  const Result<RouterAdvert> ra = DecodeRouterAdvert(data, size);
  const Result<RouterAdvert> again = DecodeRouterAdvert(data, size);
  Require(ra.ok() == again.ok(), "DecodeRouterAdvert answered differently");
  if (!ra.ok()) return;
  Require(size >= 16 && size <= kMaxRouterAdvertSize && data[0] == 134 &&
              data[1] == 0,
          "accepted an RA of the wrong size, type or code");
  Require(ra->prefixes.size() <= kMaxRaPrefixes, "too many prefixes kept");
  Require(ra->mtu == 0 || ra->mtu >= 1280, "RA MTU under 1280");
  Require(ra->prefixes.size() == again->prefixes.size() &&
              ra->warnings == again->warnings,
          "DecodeRouterAdvert decoded the same input differently");
  for (const RaPrefix& p : ra->prefixes) {
    Require(p.length <= 128 && p.preferred <= p.valid, "bad RA prefix");
    for (size_t bit = p.length; bit < 128; ++bit) {
      Require((p.prefix[bit / 8] & (0x80 >> (bit % 8))) == 0,
              "RA prefix with bits past its length");
    }
    Require(!SlaacAddress(p, Mac()) || (p.length == 64 && p.autonomous),
            "SLAAC address from a prefix that is not an autonomous /64");
  }
  fuzz::RequireSaysIgnored(ra->warnings, "RA warning");
}

}  // namespace
}  // namespace hostnic::dhcp6

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hostnic::dhcp6;  // NOLINT: one entry point.
  const hostnic::Result<ServerMessage> first = Decode(data, size);
  if (first.ok()) CheckDecoded(*first, size);
  CheckSameResult(first, Decode(data, size));
  CheckEncode(data, size);
  CheckRouterAdvert(data, size);
  return 0;
}
