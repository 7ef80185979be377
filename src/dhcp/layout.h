// The DHCP message's byte layout (RFC 2131 section 2), the option codes
// hostnic reads or writes (RFC 2132, 3397, 3442) and the message types:
// shared by message.cc (encoding, decoding the fixed header) and options.cc
// (reading the options).
// Internal to dhcp/.
#ifndef HOSTNIC_DHCP_LAYOUT_H_
#define HOSTNIC_DHCP_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/big_endian.h"
#include "dhcp/message.h"

namespace hostnic::dhcp {

// Fixed BOOTP header layout (RFC 2131 section 2), as byte offsets.
inline constexpr size_t kOpOffset = 0;
inline constexpr size_t kHtypeOffset = 1;
inline constexpr size_t kHlenOffset = 2;
inline constexpr size_t kXidOffset = 4;
inline constexpr size_t kSecsOffset = 8;
inline constexpr size_t kFlagsOffset = 10;
inline constexpr size_t kCiaddrOffset = 12;
inline constexpr size_t kYiaddrOffset = 16;
inline constexpr size_t kChaddrOffset = 28;
inline constexpr size_t kSnameOffset = 44;
inline constexpr size_t kFileOffset = 108;
inline constexpr size_t kCookieOffset = 236;
inline constexpr size_t kOptionsOffset = 240;
inline constexpr uint32_t kMagicCookie = 0x63825363;

inline constexpr uint8_t kBootRequest = 1;
inline constexpr uint8_t kBootReply = 2;
inline constexpr uint8_t kHtypeEthernet = 1;
inline constexpr uint8_t kHlenEthernet = 6;
inline constexpr uint16_t kBroadcastFlag = 0x8000;
// RFC 1542 relays may drop BOOTP messages shorter than 300 bytes, so real
// clients pad to it.
inline constexpr size_t kMinSentSize = 300;
inline constexpr uint16_t kMinMtu = 68;
// Option overload (52) values are bits: 1 file, 2 sname, 3 both.
inline constexpr uint8_t kOverloadFile = 1;
inline constexpr uint8_t kOverloadSname = 2;
inline constexpr size_t kMaxServerMessage = 255;

// The option codes hostnic reads or writes, by what they are about (RFC
// 2132's; 119 is RFC 3397's, 121 RFC 3442's).
// clang-format off
enum Option : uint8_t {
  // The options area itself.
  kPad = 0, kOverload = 52, kEnd = 255,
  // The exchange.
  kRequestedIp = 50, kMessageType = 53, kServerId = 54,
  kParameterRequestList = 55, kMessage = 56, kMaxSize = 57, kClientId = 61,
  // The lease's times.
  kLeaseTime = 51, kRenewalTime = 58, kRebindingTime = 59,
  // The link and its routes.
  kSubnetMask = 1, kRouter = 3, kInterfaceMtu = 26, kClasslessRoutes = 121,
  // DNS.
  kDnsServers = 6, kDomainName = 15, kDomainSearch = 119
};
// clang-format on

// The options hostnic reads, by code: what each is, for error sentences,
// and whether DISCOVER and REQUEST ask for it (in the parameter request
// list, option 55, in this order).
struct OptionInfo {
  Option code;
  const char* name;
  bool requested;
};
inline constexpr OptionInfo kOptionsRead[] = {
    {kSubnetMask, "subnet mask", true},
    {kRouter, "router", true},
    {kDnsServers, "domain name servers", true},
    {kDomainName, "domain name", true},
    {kInterfaceMtu, "interface MTU", true},
    {kLeaseTime, "lease time", true},
    {kOverload, "option overload", false},
    {kMessageType, "message type", false},
    {kServerId, "server identifier", true},
    {kMessage, "message", false},
    {kRenewalTime, "renewal time", true},
    {kRebindingTime, "rebinding time", true},
    {kDomainSearch, "domain search", true},
    {kClasslessRoutes, "classless static routes", true},
};

// Every message type (option 53's values, RFC 2132 9.6): its name, as logs
// and errors say it, and whether a server sends it.
struct MessageTypeInfo {
  MessageType type;
  const char* name;
  bool from_server;
};
inline constexpr MessageTypeInfo kMessageTypes[] = {
    {MessageType::kDiscover, "DISCOVER", false},
    {MessageType::kOffer, "OFFER", true},
    {MessageType::kRequest, "REQUEST", false},
    {MessageType::kDecline, "DECLINE", false},
    {MessageType::kAck, "ACK", true},
    {MessageType::kNak, "NAK", true},
    {MessageType::kRelease, "RELEASE", false},
    {MessageType::kInform, "INFORM", false},
};

// The message type of option 53's `value`; nullptr when it is none.
inline const MessageTypeInfo* FindMessageType(uint8_t value) {
  for (const MessageTypeInfo& info : kMessageTypes) {
    if (static_cast<uint8_t>(info.type) == value) return &info;
  }
  return nullptr;
}

// " at offset 249", for error sentences.
inline std::string At(size_t offset) {
  return " at offset " + std::to_string(offset);
}

// " at byte 7 of the option at offset 249".
inline std::string AtByte(size_t byte, size_t option_offset) {
  return " at byte " + std::to_string(byte) + " of the option" +
         At(option_offset);
}

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_LAYOUT_H_
