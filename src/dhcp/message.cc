#include "dhcp/message.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

namespace hostnic::dhcp {

namespace {

// Fixed BOOTP header layout (RFC 2131 section 2), as byte offsets.
constexpr size_t kOpOffset = 0;
constexpr size_t kHtypeOffset = 1;
constexpr size_t kHlenOffset = 2;
constexpr size_t kXidOffset = 4;
constexpr size_t kSecsOffset = 8;
constexpr size_t kFlagsOffset = 10;
constexpr size_t kCiaddrOffset = 12;
constexpr size_t kYiaddrOffset = 16;
constexpr size_t kChaddrOffset = 28;
constexpr size_t kSnameOffset = 44;
constexpr size_t kFileOffset = 108;
constexpr size_t kCookieOffset = 236;
constexpr size_t kOptionsOffset = 240;
constexpr uint32_t kMagicCookie = 0x63825363;

constexpr uint8_t kBootRequest = 1;
constexpr uint8_t kBootReply = 2;
constexpr uint8_t kHtypeEthernet = 1;
constexpr uint8_t kHlenEthernet = 6;
constexpr uint16_t kBroadcastFlag = 0x8000;
// RFC 1542 relays may drop BOOTP messages shorter than 300 bytes, so real
// clients pad to it.
constexpr size_t kMinSentSize = 300;
constexpr uint16_t kMinMtu = 68;
// Option overload (52) values are bits: 1 file, 2 sname, 3 both.
constexpr uint8_t kOverloadFile = 1;
constexpr uint8_t kOverloadSname = 2;
constexpr size_t kMaxServerMessage = 255;

enum Option : uint8_t {
  kPad = 0,
  kSubnetMask = 1,
  kRouter = 3,
  kInterfaceMtu = 26,
  kRequestedIp = 50,
  kLeaseTime = 51,
  kOverload = 52,
  kMessageType = 53,
  kServerId = 54,
  kParameterRequestList = 55,
  kMessage = 56,
  kMaxSize = 57,
  kRenewalTime = 58,
  kRebindingTime = 59,
  kClientId = 61,
  kClasslessRoutes = 121,
  kEnd = 255,
};

constexpr std::array<uint8_t, 8> kRequestedOptions = {
    kSubnetMask, kRouter,      kInterfaceMtu,  kLeaseTime,
    kServerId,   kRenewalTime, kRebindingTime, kClasslessRoutes};

uint32_t Load32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 |
         p[3];
}
uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
void Store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void AppendOption(std::vector<uint8_t>& out, uint8_t code, const uint8_t* value,
                  uint8_t length) {
  out.push_back(code);
  out.push_back(length);
  out.insert(out.end(), value, value + length);
}
void AppendIpOption(std::vector<uint8_t>& out, uint8_t code, Ipv4 ip) {
  uint8_t value[4];
  Store32(value, ip);
  AppendOption(out, code, value, sizeof(value));
}

// The meaning of the options hostnic reads, for error sentences; nullptr for
// the rest.
const char* OptionName(uint8_t code) {
  switch (code) {
    case kSubnetMask:
      return "subnet mask";
    case kRouter:
      return "router";
    case kInterfaceMtu:
      return "interface MTU";
    case kLeaseTime:
      return "lease time";
    case kOverload:
      return "option overload";
    case kMessageType:
      return "message type";
    case kServerId:
      return "server identifier";
    case kMessage:
      return "message";
    case kRenewalTime:
      return "renewal time";
    case kRebindingTime:
      return "rebinding time";
    case kClasslessRoutes:
      return "classless static routes";
    default:
      return nullptr;
  }
}

// "DHCP option 51 (lease time)", or "DHCP option 200" for one hostnic skips.
std::string OptionLabel(uint8_t code) {
  std::string label = "DHCP option " + std::to_string(code);
  if (const char* name = OptionName(code)) {
    label += std::string(" (") + name + ")";
  }
  return label;
}

std::string At(size_t offset) { return " at offset " + std::to_string(offset); }

// " at byte 7 of the option at offset 249".
std::string AtByte(size_t byte, size_t option_offset) {
  return " at byte " + std::to_string(byte) + " of the option" +
         At(option_offset);
}

Status WrongLength(uint8_t code, size_t length, const std::string& expected,
                   size_t offset) {
  return Status::InvalidArgument(OptionLabel(code) + " has length " +
                                 std::to_string(length) + ", expected " +
                                 expected + At(offset));
}

// Option 121 (RFC 3442): a run of (width, significant destination octets,
// next hop). `offset` is where the option starts; errors name the byte of its
// value (its instances concatenated) where the bad route begins.
Result<std::vector<Route>> DecodeClasslessRoutes(const uint8_t* value,
                                                 size_t length, size_t offset) {
  std::vector<Route> routes;
  size_t at = 0;
  while (at < length) {
    const uint8_t width = value[at];
    if (width > 32) {
      return Status::InvalidArgument(
          OptionLabel(kClasslessRoutes) + " has a route with prefix length " +
          std::to_string(width) + ", over 32," + AtByte(at, offset));
    }
    const size_t octets = (width + 7u) / 8u;
    if (length - at < 1 + octets + 4) {
      return Status::InvalidArgument(OptionLabel(kClasslessRoutes) +
                                     " has a truncated route (prefix length " +
                                     std::to_string(width) + ")" +
                                     AtByte(at, offset));
    }
    uint32_t destination = 0;
    for (size_t i = 0; i < octets; ++i) {
      destination |= uint32_t{value[at + 1 + i]} << (24 - 8 * i);
    }
    const uint32_t mask = width == 0 ? 0 : ~uint32_t{0} << (32 - width);
    if ((destination & ~mask) != 0) {
      return Status::InvalidArgument(
          OptionLabel(kClasslessRoutes) + " has destination " +
          Ipv4ToString(destination) + " with bits beyond its prefix length " +
          std::to_string(width) + AtByte(at, offset));
    }
    const Ipv4 next_hop = Load32(value + at + 1 + octets);
    routes.push_back(
        Route{Ipv4ToString(destination) + "/" + std::to_string(width),
              next_hop == 0 ? std::string() : Ipv4ToString(next_hop)});
    at += 1 + octets + 4;
  }
  return routes;
}

bool IsServerType(uint8_t type) {
  return type == static_cast<uint8_t>(MessageType::kOffer) ||
         type == static_cast<uint8_t>(MessageType::kAck) ||
         type == static_cast<uint8_t>(MessageType::kNak);
}

// Reads one option's value (all its instances concatenated, RFC 3396) into
// `out`. `offset` is where the option's first code byte is.
Status DecodeOption(uint8_t code, const uint8_t* value, size_t length,
                    size_t offset, ServerMessage& out) {
  switch (code) {
    case kMessageType: {
      if (length != 1) return WrongLength(code, length, "1", offset);
      const uint8_t type = value[0];
      if (type < 1 || type > 8) {
        return Status::InvalidArgument("DHCP message type " +
                                       std::to_string(type) + " is unknown" +
                                       At(offset));
      }
      if (!IsServerType(type)) {
        return Status::InvalidArgument(
            std::string("DHCP message type ") +
            MessageTypeName(static_cast<MessageType>(type)) +
            " is a client's, not a server's," + At(offset));
      }
      out.type = static_cast<MessageType>(type);
      return Status::Ok();
    }
    case kSubnetMask: {
      if (length != 4) return WrongLength(code, length, "4", offset);
      const uint32_t mask = Load32(value);
      const uint32_t host_bits = ~mask;
      if ((host_bits & (host_bits + 1)) != 0) {
        return Status::InvalidArgument(OptionLabel(code) + " " +
                                       Ipv4ToString(mask) +
                                       " is not contiguous" + At(offset));
      }
      out.subnet_mask = mask;
      return Status::Ok();
    }
    case kRouter:
      if (length == 0 || length % 4 != 0) {
        return WrongLength(code, length, "a multiple of 4", offset);
      }
      out.router = Load32(value);
      return Status::Ok();
    case kInterfaceMtu: {
      if (length != 2) return WrongLength(code, length, "2", offset);
      const uint16_t mtu = Load16(value);
      if (mtu < kMinMtu) {
        return Status::InvalidArgument(OptionLabel(code) + " is " +
                                       std::to_string(mtu) + ", below " +
                                       std::to_string(kMinMtu) + At(offset));
      }
      out.mtu = mtu;
      return Status::Ok();
    }
    case kLeaseTime:
    case kRenewalTime:
    case kRebindingTime: {
      if (length != 4) return WrongLength(code, length, "4", offset);
      std::optional<uint32_t>& field = code == kLeaseTime     ? out.lease_time
                                       : code == kRenewalTime ? out.t1
                                                              : out.t2;
      field = Load32(value);
      return Status::Ok();
    }
    case kServerId: {
      if (length != 4) return WrongLength(code, length, "4", offset);
      const Ipv4 server = Load32(value);
      if (server == 0) {
        return Status::InvalidArgument(OptionLabel(code) + " is 0.0.0.0" +
                                       At(offset));
      }
      out.server_id = server;
      return Status::Ok();
    }
    case kMessage:
      // Logged and shown to users: only printable ASCII survives, at most
      // kMaxServerMessage characters of it (split instances may be longer).
      for (size_t i = 0; i < length && out.message.size() < kMaxServerMessage;
           ++i) {
        if (value[i] >= 0x20 && value[i] < 0x7f) {
          out.message.push_back(static_cast<char>(value[i]));
        }
      }
      return Status::Ok();
    case kClasslessRoutes: {
      if (length < 5) {
        return WrongLength(code, length, "at least 5", offset);
      }
      Result<std::vector<Route>> routes =
          DecodeClasslessRoutes(value, length, offset);
      if (!routes.ok()) return routes.status();
      out.classless_routes = std::move(routes).value();
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

// One option as gathered from every instance of it (RFC 3396).
struct Gathered {
  std::vector<uint8_t> value;
  size_t offset = 0;  // Of the first instance's code byte.
};
using GatheredOptions = std::map<uint8_t, Gathered>;

// Appends the value of each option in data[begin, end) to `gathered`, in
// order, up to option 255 (end). A truncated option (no length byte, or a
// length past the area's end) leaves nothing to read after it: it is
// ignored with what follows, with a warning.
void GatherOptions(const uint8_t* data, size_t begin, size_t end,
                   const char* area, GatheredOptions& gathered,
                   std::vector<std::string>& warnings) {
  size_t at = begin;
  while (at < end) {
    const uint8_t code = data[at];
    if (code == kPad) {
      ++at;
      continue;
    }
    if (code == kEnd) return;
    if (end - at < 2) {
      warnings.push_back(OptionLabel(code) + " has no length byte" + At(at) +
                         "; ignored");
      return;
    }
    const uint8_t length = data[at + 1];
    if (end - at - 2 < length) {
      warnings.push_back(OptionLabel(code) + " has length " +
                         std::to_string(length) + ", which runs past the end " +
                         "of the " + area + "," + At(at) +
                         "; ignored it and what follows");
      return;
    }
    Gathered& option = gathered[code];
    if (option.value.empty()) option.offset = at;
    option.value.insert(option.value.end(), data + at + 2,
                        data + at + 2 + length);
    at += 2 + length;
  }
}

// The option overload (52) value: which of file (1) and sname (2) hold
// options. Read from the options field only (RFC 2131 4.1); a malformed one
// is ignored with a warning.
uint8_t Overload(const GatheredOptions& gathered,
                 std::vector<std::string>& warnings) {
  const auto found = gathered.find(kOverload);
  if (found == gathered.end()) return 0;
  const Gathered& option = found->second;
  if (option.value.size() != 1) {
    warnings.push_back(
        WrongLength(kOverload, option.value.size(), "1", option.offset)
            .message() +
        "; ignored");
    return 0;
  }
  const uint8_t value = option.value[0];
  if (value < 1 || value > 3) {
    warnings.push_back(OptionLabel(kOverload) + " is " + std::to_string(value) +
                       ", expected 1, 2 or 3" + At(option.offset) +
                       "; ignored");
    return 0;
  }
  return value;
}

}  // namespace

std::string Ipv4ToString(Ipv4 ip) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
                (ip >> 8) & 0xff, ip & 0xff);
  return buf;
}

std::optional<Ipv4> ParseIpv4(const std::string& text) {
  Ipv4 ip = 0;
  size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') return std::nullopt;
      ++at;
    }
    const size_t start = at;
    unsigned value = 0;
    while (at < text.size() && at - start < 4 && text[at] >= '0' &&
           text[at] <= '9') {
      value = value * 10 + static_cast<unsigned>(text[at] - '0');
      ++at;
    }
    const size_t digits = at - start;
    // Leading zeros are refused: inet_aton would read "010" as octal 8.
    if (digits == 0 || digits > 3 || value > 255 ||
        (digits > 1 && text[start] == '0')) {
      return std::nullopt;
    }
    ip = ip << 8 | value;
  }
  if (at != text.size()) return std::nullopt;
  return ip;
}

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kDiscover:
      return "DISCOVER";
    case MessageType::kOffer:
      return "OFFER";
    case MessageType::kRequest:
      return "REQUEST";
    case MessageType::kDecline:
      return "DECLINE";
    case MessageType::kAck:
      return "ACK";
    case MessageType::kNak:
      return "NAK";
    case MessageType::kRelease:
      return "RELEASE";
    case MessageType::kInform:
      return "INFORM";
  }
  return "unknown";
}

std::vector<uint8_t> Encode(const ClientMessage& message) {
  std::vector<uint8_t> out(kOptionsOffset, 0);
  out[kOpOffset] = kBootRequest;
  out[kHtypeOffset] = kHtypeEthernet;
  out[kHlenOffset] = kHlenEthernet;
  Store32(&out[kXidOffset], message.xid);
  Store16(&out[kSecsOffset], message.secs);
  Store16(&out[kFlagsOffset], message.broadcast_flag ? kBroadcastFlag : 0);
  Store32(&out[kCiaddrOffset], message.ciaddr);
  const auto& mac = message.chaddr.bytes();
  std::copy(mac.begin(), mac.end(), out.begin() + kChaddrOffset);
  Store32(&out[kCookieOffset], kMagicCookie);

  const uint8_t type = static_cast<uint8_t>(message.type);
  AppendOption(out, kMessageType, &type, 1);
  std::array<uint8_t, 7> client_id{kHtypeEthernet};
  std::copy(mac.begin(), mac.end(), client_id.begin() + 1);
  AppendOption(out, kClientId, client_id.data(), client_id.size());
  if (message.type == MessageType::kDiscover ||
      message.type == MessageType::kRequest) {
    // Option 57 counts the whole IP datagram (RFC 2132 9.10; dnsmasq
    // subtracts the IP and UDP headers from it).
    uint8_t max_size[2];
    Store16(max_size, kMaxMessageSize + 28);
    AppendOption(out, kMaxSize, max_size, sizeof(max_size));
    AppendOption(out, kParameterRequestList, kRequestedOptions.data(),
                 kRequestedOptions.size());
  }
  if (message.requested_ip != 0) {
    AppendIpOption(out, kRequestedIp, message.requested_ip);
  }
  if (message.server_id != 0) {
    AppendIpOption(out, kServerId, message.server_id);
  }
  out.push_back(kEnd);
  if (out.size() < kMinSentSize) out.resize(kMinSentSize, kPad);
  return out;
}

Result<ServerMessage> Decode(const uint8_t* data, size_t size) {
  if (size < kOptionsOffset || size > kMaxMessageSize) {
    return Status::InvalidArgument("DHCP message is " + std::to_string(size) +
                                   " bytes, expected " +
                                   std::to_string(kOptionsOffset) + " to " +
                                   std::to_string(kMaxMessageSize));
  }
  const auto expect_byte = [&](size_t offset, uint8_t want,
                               const char* field) -> Status {
    if (data[offset] == want) return Status::Ok();
    return Status::InvalidArgument(std::string("DHCP message has ") + field +
                                   " " + std::to_string(data[offset]) +
                                   ", expected " + std::to_string(want) +
                                   At(offset));
  };
  HOSTNIC_RETURN_IF_ERROR(expect_byte(kOpOffset, kBootReply, "op"));
  HOSTNIC_RETURN_IF_ERROR(expect_byte(kHtypeOffset, kHtypeEthernet, "htype"));
  HOSTNIC_RETURN_IF_ERROR(expect_byte(kHlenOffset, kHlenEthernet, "hlen"));
  if (Load32(data + kCookieOffset) != kMagicCookie) {
    return Status::InvalidArgument("DHCP message has no magic cookie" +
                                   At(kCookieOffset));
  }

  ServerMessage out;
  out.xid = Load32(data + kXidOffset);
  out.yiaddr = Load32(data + kYiaddrOffset);
  std::array<uint8_t, 6> mac;
  std::copy(data + kChaddrOffset, data + kChaddrOffset + mac.size(),
            mac.begin());
  out.chaddr = Mac(mac);

  // Options field, then file, then sname when overloaded (RFC 3396 7);
  // everything gathered fits in the message, so it is bounded by it.
  GatheredOptions gathered;
  GatherOptions(data, kOptionsOffset, size, "message", gathered, out.warnings);
  const uint8_t overload = Overload(gathered, out.warnings);
  if (overload & kOverloadFile) {
    GatherOptions(data, kFileOffset, kCookieOffset, "file field", gathered,
                  out.warnings);
  }
  if (overload & kOverloadSname) {
    GatherOptions(data, kSnameOffset, kFileOffset, "sname field", gathered,
                  out.warnings);
  }

  // Without a message type there is nothing to act on; any other option
  // that does not decode is ignored like real clients do, with a warning.
  const auto type = gathered.find(kMessageType);
  if (type == gathered.end()) {
    return Status::InvalidArgument(
        "DHCP message has no message type (option 53)");
  }
  HOSTNIC_RETURN_IF_ERROR(DecodeOption(kMessageType, type->second.value.data(),
                                       type->second.value.size(),
                                       type->second.offset, out));
  for (const auto& [code, option] : gathered) {
    if (code == kMessageType || code == kOverload) continue;
    const Status decoded = DecodeOption(
        code, option.value.data(), option.value.size(), option.offset, out);
    if (!decoded.ok()) out.warnings.push_back(decoded.message() + "; ignored");
  }

  const auto missing = [&](const std::string& what) {
    std::string error =
        std::string("DHCP ") + MessageTypeName(out.type) + " has no " + what;
    for (const std::string& warning : out.warnings) error += "; " + warning;
    return Status::InvalidArgument(error);
  };
  if (out.type == MessageType::kOffer || out.type == MessageType::kAck) {
    if (out.yiaddr == 0) {
      return missing("address (yiaddr is 0.0.0.0)" + At(kYiaddrOffset));
    }
    if (out.server_id == 0) return missing("server identifier (option 54)");
  }
  return out;
}

}  // namespace hostnic::dhcp
