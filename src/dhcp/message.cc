#include "dhcp/message.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "dhcp/layout.h"
#include "dhcp/options.h"

namespace hostnic::dhcp {

namespace {

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
  const MessageTypeInfo* info = FindMessageType(static_cast<uint8_t>(type));
  return info != nullptr ? info->name : "unknown";
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
    std::vector<uint8_t> requested;
    for (const OptionInfo& option : kOptionsRead) {
      if (option.requested) requested.push_back(option.code);
    }
    AppendOption(out, kParameterRequestList, requested.data(),
                 static_cast<uint8_t>(requested.size()));
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
