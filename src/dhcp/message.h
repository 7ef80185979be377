// DHCP messages (RFC 2131, options from RFC 2132, 3397 and 3442): encoding what
// hostnic's client sends and decoding -- as hostile input -- what servers
// answer. Pure functions on bytes: no sockets, no clock.
#ifndef HOSTNIC_DHCP_MESSAGE_H_
#define HOSTNIC_DHCP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// An IPv4 address in host byte order (192.168.1.1 is 0xc0a80101).
using Ipv4 = uint32_t;
std::string Ipv4ToString(Ipv4 ip);
std::optional<Ipv4> ParseIpv4(const std::string& text);

// 255.255.255.255, where a client sends until it knows its server.
constexpr Ipv4 kBroadcast = 0xffffffff;

constexpr uint16_t kServerPort = 67;
constexpr uint16_t kClientPort = 68;
// Largest DHCP payload hostnic sends or accepts (a 1500-byte Ethernet frame
// minus IP and UDP headers); anything longer is refused undecoded.
constexpr size_t kMaxMessageSize = 1472;

// Option 53's values, numbered as RFC 2132 9.6 lists them.
// clang-format off
enum class MessageType : uint8_t {
  kDiscover = 1, kOffer, kRequest, kDecline, kAck, kNak, kRelease, kInform
};
// clang-format on
const char* MessageTypeName(MessageType type);

// What the client sends (op BOOTREQUEST, htype Ethernet, hlen 6, padded to
// at least 300 bytes). Every message carries client identifier 1+chaddr, so
// the server keys the lease the same way from DISCOVER to RELEASE; DISCOVER
// and REQUEST also carry a parameter request list (1, 3, 6, 15, 26, 51, 54,
// 58, 59, 119, 121) and the maximum message size (kMaxMessageSize plus the IP
// and UDP headers: RFC 2132 counts the whole datagram).
struct ClientMessage {
  MessageType type = MessageType::kDiscover;
  uint32_t xid = 0;
  Mac chaddr;
  Ipv4 ciaddr = 0;        // RENEWING/REBINDING/RELEASE: the leased address.
  Ipv4 requested_ip = 0;  // Option 50 when non-zero (SELECTING, INIT-REBOOT).
  Ipv4 server_id = 0;     // Option 54 when non-zero (SELECTING, RELEASE).
  uint16_t secs = 0;
  bool broadcast_flag = false;  // Ask the server to broadcast its answer.
};
std::vector<uint8_t> Encode(const ClientMessage& message);

// A server's answer, decoded and checked.
struct ServerMessage {
  MessageType type = MessageType::kOffer;
  uint32_t xid = 0;
  Mac chaddr;
  Ipv4 yiaddr = 0;
  Ipv4 server_id = 0;                  // Option 54; 0 when absent.
  std::optional<Ipv4> subnet_mask;     // Option 1 (contiguous masks only).
  std::optional<Ipv4> router;          // First address of option 3.
  std::optional<uint16_t> mtu;         // Option 26 (68..65535).
  std::optional<uint32_t> lease_time;  // Option 51 (0xffffffff = infinite).
  std::optional<uint32_t> t1;          // Option 58.
  std::optional<uint32_t> t2;          // Option 59.
  // Option 121 decoded: destination CIDR and next hop ("" when 0.0.0.0,
  // i.e. on-link). Absent when the server sent none.
  std::optional<std::vector<Route>> classless_routes;
  // DNS: option 6 (at most kMaxDnsServers, in order), option 15 and option
  // 119 (RFC 3397, at most kMaxSearchDomains names). Names are lower-case,
  // without the final dot, of letters, digits, '-' and '_' only.
  std::vector<Ipv4> dns_servers;
  std::string domain_name;
  std::vector<std::string> search_domains;
  std::string message;  // Option 56 (NAK reason), printable, <= 255 chars.
  // One sentence per option that was ignored because it did not decode
  // (what, where, "; ignored"), for the client to log. Bounded: at most one
  // per option code plus one per options area.
  std::vector<std::string> warnings;
};

// Decodes one DHCP payload (the UDP payload) of a server (op BOOTREPLY),
// leniently as real clients do:
//  * options are read from the options field, then -- when option overload
//    (52, options field only) says so -- from file, then sname; each area
//    ends at option 255 (end; what follows is ignored) or at its end;
//  * every instance of an option code is concatenated, in that order, into
//    one value (RFC 3396), so a long option 121 may come split;
//  * an option that does not decode is ignored and described in `warnings`:
//    a length that does not fit it (e.g. a 3-byte lease time), a
//    non-contiguous subnet mask, an MTU below 68, a server identifier of
//    0.0.0.0, a classless route with a prefix length over 32, destination
//    bits beyond its prefix or truncated (the whole option 121 is then
//    ignored), a domain name (15) that is not one, a search list (119)
//    with a truncated or too long name, a bad label or a compression
//    pointer that does not point back to an earlier name (the whole option
//    119 is then ignored), a malformed overload; so is a truncated option (no
//    length byte, or a length past its area) with the rest of its area.
// Refused, with a sentence that says what is wrong and where: a size
// outside 240..kMaxMessageSize, a wrong op/htype/hlen, no magic cookie, a
// missing, malformed or client-only message type, an OFFER/ACK without
// yiaddr or server identifier (the sentence then lists the warnings too).
// Unknown options are skipped; sname and file are otherwise ignored. A NAK
// needs neither yiaddr nor a server identifier; its option 56 keeps only
// printable ASCII.
Result<ServerMessage> Decode(const uint8_t* data, size_t size);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_MESSAGE_H_
