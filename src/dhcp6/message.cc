#include "dhcp6/message.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

#include "common/big_endian.h"
#include "common/enum_names.h"
#include "dhcp/dns_names.h"

namespace hostnic::dhcp6 {

namespace {

// The option codes hostnic reads or writes, by what they are about (RFC
// 8415's; 23 and 24 are RFC 3646's).
// clang-format off
enum Option : uint16_t {
  // Who speaks, and how it went.
  kClientId = 1, kServerId = 2, kPreference = 7, kStatusCode = 13,
  // The exchange.
  kOptionRequest = 6, kElapsedTime = 8, kRapidCommit = 14, kSolMaxRt = 82,
  // The addresses.
  kIaNa = 3, kIaAddr = 5,
  // DNS.
  kDnsServers = 23, kDomainList = 24
};
// clang-format on

constexpr uint16_t kDuidLl = 3;
constexpr uint16_t kHardwareEthernet = 1;
constexpr size_t kHeaderSize = 4;    // msg-type and transaction-id.
constexpr size_t kIaNaFixed = 12;    // IAID, T1, T2.
constexpr size_t kIaAddrFixed = 24;  // Address, preferred, valid.
constexpr size_t kMaxStatusText = 255;

void Append16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Append32(std::vector<uint8_t>& out, uint32_t v) {
  Append16(out, static_cast<uint16_t>(v >> 16));
  Append16(out, static_cast<uint16_t>(v));
}
void AppendOption(std::vector<uint8_t>& out, uint16_t code,
                  const std::vector<uint8_t>& value) {
  Append16(out, code);
  Append16(out, static_cast<uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

std::string At(size_t offset) { return " at offset " + std::to_string(offset); }

// Every message type's name, as logs and errors say it.
constexpr std::pair<MessageType, const char*> kMessageTypeNames[] = {
    {MessageType::kSolicit, "SOLICIT"},
    {MessageType::kAdvertise, "ADVERTISE"},
    {MessageType::kRequest, "REQUEST"},
    {MessageType::kConfirm, "CONFIRM"},
    {MessageType::kRenew, "RENEW"},
    {MessageType::kRebind, "REBIND"},
    {MessageType::kReply, "REPLY"},
    {MessageType::kRelease, "RELEASE"},
    {MessageType::kDecline, "DECLINE"},
    {MessageType::kReconfigure, "RECONFIGURE"},
    {MessageType::kInformationRequest, "INFORMATION-REQUEST"}};

// The meaning of the options hostnic reads, for warnings.
constexpr std::pair<uint16_t, const char*> kOptionNames[] = {
    {kClientId, "client identifier"},
    {kServerId, "server identifier"},
    {kIaNa, "IA_NA"},
    {kIaAddr, "IA address"},
    {kPreference, "preference"},
    {kStatusCode, "status code"},
    {kRapidCommit, "rapid commit"},
    {kDnsServers, "DNS servers"},
    {kDomainList, "domain search list"}};

std::string OptionLabel(uint16_t code) {
  return NamedCode("DHCPv6 option", code, NameIn(kOptionNames, code));
}

// One option of a list: its code, value and where its code starts in the
// message.
struct RawOption {
  uint16_t code;
  const uint8_t* value;
  size_t length;
  size_t offset;
};

// Splits data[0, size) (at message offset `base`) into options. A
// truncated option ends the list, with a warning.
std::vector<RawOption> SplitOptions(const uint8_t* data, size_t size,
                                    size_t base,
                                    std::vector<std::string>& warnings) {
  std::vector<RawOption> options;
  size_t at = 0;
  while (at < size) {
    if (size - at < 4) {
      warnings.push_back("DHCPv6 option list has " + std::to_string(size - at) +
                         " stray bytes" + At(base + at) + "; ignored");
      break;
    }
    const uint16_t code = Load16(data + at);
    const size_t length = Load16(data + at + 2);
    if (size - at - 4 < length) {
      warnings.push_back(OptionLabel(code) + " has length " +
                         std::to_string(length) +
                         ", which runs past the end of its list," +
                         At(base + at) + "; ignored it and what follows");
      break;
    }
    options.push_back(RawOption{code, data + at + 4, length, base + at});
    at += 4 + length;
  }
  return options;
}

std::string WrongLength(const RawOption& o, const std::string& expected) {
  return OptionLabel(o.code) + " has length " + std::to_string(o.length) +
         ", expected " + expected + At(o.offset) + "; ignored";
}

// Status code option: 2-byte code, then UTF-8 text (kept: printable ASCII).
bool DecodeStatus(const RawOption& o, StatusCode& code, std::string& text,
                  std::vector<std::string>& warnings) {
  if (o.length < 2) {
    warnings.push_back(WrongLength(o, "at least 2"));
    return false;
  }
  code = static_cast<StatusCode>(Load16(o.value));
  text.clear();
  for (size_t i = 2; i < o.length && text.size() < kMaxStatusText; ++i) {
    if (o.value[i] >= 0x20 && o.value[i] < 0x7f) {
      text.push_back(static_cast<char>(o.value[i]));
    }
  }
  return true;
}

bool IsUsableUnicast(const Ipv6& a) {
  static constexpr Ipv6 kZero{};
  Ipv6 loopback{};
  loopback[15] = 1;
  const bool multicast = a[0] == 0xff;
  const bool link_local = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
  return !multicast && !link_local && a != kZero && a != loopback;
}

void DecodeIaAddress(const RawOption& o, IaNa& ia,
                     std::vector<std::string>& warnings) {
  if (o.length < kIaAddrFixed) {
    warnings.push_back(WrongLength(o, "at least 24"));
    return;
  }
  IaAddress address;
  std::copy(o.value, o.value + 16, address.address.begin());
  address.preferred = Load32(o.value + 16);
  address.valid = Load32(o.value + 20);
  const std::string label =
      OptionLabel(o.code) + " " + Ipv6ToString(address.address);
  if (!IsUsableUnicast(address.address)) {
    warnings.push_back(label + " is not a global unicast address" +
                       At(o.offset) + "; ignored");
    return;
  }
  if (address.valid == 0 || address.preferred > address.valid) {
    warnings.push_back(label + " has preferred lifetime " +
                       std::to_string(address.preferred) +
                       " and valid lifetime " + std::to_string(address.valid) +
                       At(o.offset) + "; ignored");
    return;
  }
  // An address-level status other than success withdraws it.
  for (const RawOption& inner :
       SplitOptions(o.value + kIaAddrFixed, o.length - kIaAddrFixed,
                    o.offset + 4 + kIaAddrFixed, warnings)) {
    if (inner.code != kStatusCode) continue;
    StatusCode code = StatusCode::kSuccess;
    std::string text;
    if (DecodeStatus(inner, code, text, warnings) &&
        code != StatusCode::kSuccess) {
      warnings.push_back(label + " has status " +
                         std::to_string(static_cast<int>(code)) + " (" + text +
                         ")" + At(o.offset) + "; ignored");
      return;
    }
  }
  if (ia.addresses.size() < kMaxMessageSize / kIaAddrFixed) {
    ia.addresses.push_back(address);
  }
}

void DecodeIaNa(const RawOption& o, ServerMessage& out) {
  if (o.length < kIaNaFixed) {
    out.warnings.push_back(WrongLength(o, "at least 12"));
    return;
  }
  IaNa ia;
  ia.iaid = Load32(o.value);
  ia.t1 = Load32(o.value + 4);
  ia.t2 = Load32(o.value + 8);
  if (ia.t1 > ia.t2 && ia.t2 != 0) {
    out.warnings.push_back(OptionLabel(o.code) + " has T1 " +
                           std::to_string(ia.t1) + " over T2 " +
                           std::to_string(ia.t2) + At(o.offset) + "; ignored");
    return;
  }
  for (const RawOption& inner :
       SplitOptions(o.value + kIaNaFixed, o.length - kIaNaFixed,
                    o.offset + 4 + kIaNaFixed, out.warnings)) {
    if (inner.code == kIaAddr) {
      DecodeIaAddress(inner, ia, out.warnings);
    } else if (inner.code == kStatusCode) {
      DecodeStatus(inner, ia.status, ia.status_message, out.warnings);
    }
  }
  out.ia_nas.push_back(std::move(ia));
}

// The options hostnic reads at the top level, other than the server
// identifier (checked by Decode itself).
void DecodeTopLevel(const RawOption& o, ServerMessage& out) {
  switch (o.code) {
    case kClientId:
      if (o.length == 0 || o.length > kMaxDuidSize) {
        out.warnings.push_back(WrongLength(o, "1 to 130"));
        return;
      }
      out.client_id.assign(o.value, o.value + o.length);
      return;
    case kPreference:
      if (o.length != 1) {
        out.warnings.push_back(WrongLength(o, "1"));
        return;
      }
      out.preference = o.value[0];
      return;
    case kRapidCommit:
      if (o.length != 0) {
        out.warnings.push_back(WrongLength(o, "0"));
        return;
      }
      out.rapid_commit = true;
      return;
    case kStatusCode:
      DecodeStatus(o, out.status, out.status_message, out.warnings);
      return;
    case kIaNa:
      DecodeIaNa(o, out);
      return;
    case kDnsServers:
      if (o.length == 0 || o.length % 16 != 0) {
        out.warnings.push_back(WrongLength(o, "a multiple of 16"));
        return;
      }
      out.dns_servers.clear();
      for (size_t at = 0;
           at < o.length && out.dns_servers.size() < dhcp::kMaxDnsServers;
           at += 16) {
        Ipv6 server;
        std::copy(o.value + at, o.value + at + 16, server.begin());
        out.dns_servers.push_back(server);
      }
      return;
    case kDomainList: {
      Result<std::vector<std::string>> names =
          dhcp::DecodeSearchList(o.value, o.length, dhcp::Compression::kRefused,
                                 OptionLabel(o.code), o.offset);
      if (!names.ok()) {
        out.warnings.push_back(names.status().message() + "; ignored");
        return;
      }
      out.search_domains = std::move(names).value();
      return;
    }
    default:
      return;
  }
}

}  // namespace

std::string Ipv6ToString(const Ipv6& ip) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, ip.data(), text, sizeof(text));
  return text;
}

std::optional<Ipv6> ParseIpv6(const std::string& text) {
  Ipv6 ip;
  if (inet_pton(AF_INET6, text.c_str(), ip.data()) != 1) return std::nullopt;
  return ip;
}

const char* MessageTypeName(MessageType type) {
  const char* name = NameIn(kMessageTypeNames, static_cast<long>(type));
  return name != nullptr ? name : "unknown";
}

std::vector<uint8_t> DuidFromMac(const Mac& mac) {
  std::vector<uint8_t> duid;
  Append16(duid, kDuidLl);
  Append16(duid, kHardwareEthernet);
  duid.insert(duid.end(), mac.bytes().begin(), mac.bytes().end());
  return duid;
}

uint32_t IaidFromMac(const Mac& mac) { return Load32(mac.bytes().data() + 2); }

std::string HexOf(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (uint8_t b : bytes) {
    text.push_back(kDigits[b >> 4]);
    text.push_back(kDigits[b & 0xf]);
  }
  return text;
}

std::optional<std::vector<uint8_t>> ParseHex(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < text.size(); i += 2) {
    const int high = digit(text[i]);
    const int low = digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<uint8_t>(high << 4 | low));
  }
  return bytes;
}

std::vector<uint8_t> Encode(const ClientMessage& message) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(message.type));
  out.push_back(static_cast<uint8_t>(message.xid >> 16));
  out.push_back(static_cast<uint8_t>(message.xid >> 8));
  out.push_back(static_cast<uint8_t>(message.xid));
  AppendOption(out, kClientId, DuidFromMac(message.mac));
  if (!message.server_id.empty()) {
    AppendOption(out, kServerId, message.server_id);
  }
  std::vector<uint8_t> elapsed;
  Append16(elapsed, message.elapsed_centiseconds);
  AppendOption(out, kElapsedTime, elapsed);

  // T1 and T2 of 0: the server chooses (RFC 8415 21.4).
  std::vector<uint8_t> ia;
  Append32(ia, IaidFromMac(message.mac));
  Append32(ia, 0);
  Append32(ia, 0);
  if (message.address) {
    std::vector<uint8_t> address(message.address->begin(),
                                 message.address->end());
    Append32(address, 0);
    Append32(address, 0);
    AppendOption(ia, kIaAddr, address);
  }
  AppendOption(out, kIaNa, ia);

  if (message.type != MessageType::kRelease &&
      message.type != MessageType::kDecline) {
    std::vector<uint8_t> wanted;
    for (uint16_t code : {kDnsServers, kDomainList, kSolMaxRt}) {
      Append16(wanted, code);
    }
    AppendOption(out, kOptionRequest, wanted);
  }
  if (message.type == MessageType::kSolicit && message.rapid_commit) {
    AppendOption(out, kRapidCommit, {});
  }
  return out;
}

Result<ServerMessage> Decode(const uint8_t* data, size_t size) {
  if (size < kHeaderSize || size > kMaxMessageSize) {
    return Status::InvalidArgument(
        "DHCPv6 message is " + std::to_string(size) + " bytes, expected " +
        std::to_string(kHeaderSize) + " to " + std::to_string(kMaxMessageSize));
  }
  ServerMessage out;
  const uint8_t type = data[0];
  if (type != static_cast<uint8_t>(MessageType::kAdvertise) &&
      type != static_cast<uint8_t>(MessageType::kReply)) {
    const char* name = NameIn(kMessageTypeNames, type);
    return Status::InvalidArgument(
        "DHCPv6 message type " +
        (name != nullptr ? std::string(name) : std::to_string(type)) +
        " is not an ADVERTISE or REPLY at offset 0");
  }
  out.type = static_cast<MessageType>(type);
  out.xid = uint32_t{data[1]} << 16 | uint32_t{data[2]} << 8 | data[3];

  bool have_server = false;
  for (const RawOption& o : SplitOptions(data + kHeaderSize, size - kHeaderSize,
                                         kHeaderSize, out.warnings)) {
    if (o.code != kServerId) {
      DecodeTopLevel(o, out);
      continue;
    }
    // Whose answer this is decides everything the client does with it:
    // no leniency.
    if (have_server) {
      return Status::InvalidArgument(OptionLabel(o.code) + " appears twice" +
                                     At(o.offset));
    }
    if (o.length == 0 || o.length > kMaxDuidSize) {
      return Status::InvalidArgument(OptionLabel(o.code) + " has length " +
                                     std::to_string(o.length) +
                                     ", expected 1 to 130" + At(o.offset));
    }
    out.server_id.assign(o.value, o.value + o.length);
    have_server = true;
  }
  if (!have_server) {
    return Status::InvalidArgument(std::string("DHCPv6 ") +
                                   MessageTypeName(out.type) +
                                   " has no server identifier (option 2)");
  }
  return out;
}

}  // namespace hostnic::dhcp6
