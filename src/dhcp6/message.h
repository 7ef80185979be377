// DHCPv6 messages (RFC 8415): encoding what hostnic's client sends and
// decoding -- as hostile input -- what servers answer. Pure functions on
// bytes: no sockets, no clock.
#ifndef HOSTNIC_DHCP6_MESSAGE_H_
#define HOSTNIC_DHCP6_MESSAGE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp6 {

using Ipv6 = std::array<uint8_t, 16>;
std::string Ipv6ToString(const Ipv6& ip);
std::optional<Ipv6> ParseIpv6(const std::string& text);

constexpr uint16_t kClientPort = 546;
constexpr uint16_t kServerPort = 547;
// All_DHCP_Relay_Agents_and_Servers, where a client sends (ff02::1:2).
constexpr Ipv6 kAllServers = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                              0,    0,    0, 0, 0, 1, 0, 2};
// Largest DHCPv6 payload accepted (a 1500-byte Ethernet frame minus the
// IPv6 and UDP headers); anything longer is refused undecoded.
constexpr size_t kMaxMessageSize = 1452;
// Largest DUID (RFC 8415 11.1: 128 bytes plus its 2-byte type).
constexpr size_t kMaxDuidSize = 130;

// msg-type values, numbered as RFC 8415 7.3 lists them.
// clang-format off
enum class MessageType : uint8_t {
  kSolicit = 1, kAdvertise, kRequest, kConfirm, kRenew, kRebind, kReply,
  kRelease, kDecline, kReconfigure, kInformationRequest
};
// clang-format on
const char* MessageTypeName(MessageType type);

// Status codes hostnic acts on, numbered as RFC 8415 21.13 lists them.
// clang-format off
enum class StatusCode : uint16_t {
  kSuccess = 0, kUnspecFail, kNoAddrsAvail, kNoBinding, kNotOnLink,
  kUseMulticast
};
// clang-format on

// DUID-LL (RFC 8415 11.4): type 3, hardware type 1 (Ethernet), the MAC. The
// same NIC always has the same DUID, so its server keeps its lease for it,
// also across hostnic's restarts and hosts.
std::vector<uint8_t> DuidFromMac(const Mac& mac);
// The IAID of the NIC's IA_NA: its MAC's last four bytes (stable per NIC).
uint32_t IaidFromMac(const Mac& mac);
// Lower-case hex, "00030001525400...": how a DUID is stored and logged.
std::string HexOf(const std::vector<uint8_t>& bytes);
std::optional<std::vector<uint8_t>> ParseHex(const std::string& text);

// What the client sends. Every message carries the client identifier
// (DuidFromMac), an elapsed time and one IA_NA (IaidFromMac) -- with
// `address` in an IA Address option when set (REQUEST, RENEW, REBIND,
// RELEASE); SOLICIT, REQUEST, RENEW and REBIND also an option request
// (DNS servers 23, domain list 24, SOL_MAX_RT 82). SOLICIT carries Rapid
// Commit (14) when `rapid_commit`.
struct ClientMessage {
  MessageType type = MessageType::kSolicit;
  uint32_t xid = 0;  // 24 bits.
  Mac mac;
  std::vector<uint8_t> server_id;  // Option 2 when non-empty.
  std::optional<Ipv6> address;
  uint16_t elapsed_centiseconds = 0;  // Option 8 (0xffff caps it).
  bool rapid_commit = false;
};
std::vector<uint8_t> Encode(const ClientMessage& message);

struct IaAddress {
  Ipv6 address{};
  uint32_t preferred = 0;  // Seconds; 0xffffffff is infinite.
  uint32_t valid = 0;
  bool operator==(const IaAddress& o) const {
    return address == o.address && preferred == o.preferred && valid == o.valid;
  }
};

// One IA_NA of a server's message, with the addresses whose IA Address
// option decoded and is usable (valid lifetime > 0, preferred <= valid, not
// multicast, link-local, loopback or unspecified).
struct IaNa {
  uint32_t iaid = 0;
  uint32_t t1 = 0;
  uint32_t t2 = 0;
  StatusCode status = StatusCode::kSuccess;  // The IA's status code option.
  std::string status_message;
  std::vector<IaAddress> addresses;
};

// A server's ADVERTISE or REPLY, decoded and checked.
struct ServerMessage {
  MessageType type = MessageType::kAdvertise;
  uint32_t xid = 0;
  std::vector<uint8_t> client_id;            // Option 1 (empty when absent).
  std::vector<uint8_t> server_id;            // Option 2, 1..kMaxDuidSize bytes.
  uint8_t preference = 0;                    // Option 7.
  bool rapid_commit = false;                 // Option 14 present.
  StatusCode status = StatusCode::kSuccess;  // Top-level option 13.
  std::string status_message;                // Printable ASCII, <= 255.
  std::vector<IaNa> ia_nas;
  // Option 23: at most dhcp::kMaxDnsServers, in order.
  std::vector<Ipv6> dns_servers;
  // Option 24 (RFC 3646), as dhcp::DecodeSearchList reads it (no
  // compression, at most dhcp::kMaxSearchDomains names).
  std::vector<std::string> search_domains;
  // One sentence per option ignored because it did not decode (what,
  // where, "; ignored"); at most one per option occurrence, and the message
  // bounds those.
  std::vector<std::string> warnings;
};

// Decodes one DHCPv6 payload (the UDP payload) of a server, leniently as
// real clients read servers: an option that does not decode (a wrong
// length, an IA Address with a valid lifetime of 0 or a multicast or
// link-local address, a bad preference, a domain list with a name that
// does not decode) is ignored and described in `warnings`; a truncated option
// is ignored with what follows it in its list. Refused, with a sentence that
// says what is wrong and where: a size outside 4..kMaxMessageSize, a message
// type other than ADVERTISE or REPLY, no server identifier or one that is empty
// or longer than kMaxDuidSize, or two of them. Options nest at most two deep
// (IA_NA > IA Address > status), so decoding is bounded by the message's size.
Result<ServerMessage> Decode(const uint8_t* data, size_t size);

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_MESSAGE_H_
