#include "dhcp/options.h"

#include "common/enum_names.h"
#include "dhcp/dns_names.h"
#include "dhcp/layout.h"

namespace hostnic::dhcp {

namespace {

// "DHCP option 51 (lease time)", or "DHCP option 200" for one hostnic skips.
std::string OptionLabel(uint8_t code) {
  for (const OptionInfo& option : kOptionsRead) {
    if (option.code == code) return NamedCode("DHCP option", code, option.name);
  }
  return NamedCode("DHCP option", code, nullptr);
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

}  // namespace

Status DecodeOption(uint8_t code, const uint8_t* value, size_t length,
                    size_t offset, ServerMessage& out) {
  switch (code) {
    case kMessageType: {
      if (length != 1) return WrongLength(code, length, "1", offset);
      const MessageTypeInfo* type = FindMessageType(value[0]);
      if (type == nullptr) {
        return Status::InvalidArgument("DHCP message type " +
                                       std::to_string(value[0]) +
                                       " is unknown" + At(offset));
      }
      if (!type->from_server) {
        return Status::InvalidArgument(
            std::string("DHCP message type ") + type->name +
            " is a client's, not a server's," + At(offset));
      }
      out.type = type->type;
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
    case kDnsServers:
      if (length == 0 || length % 4 != 0) {
        return WrongLength(code, length, "a multiple of 4", offset);
      }
      out.dns_servers.clear();
      for (size_t i = 0; i < length && out.dns_servers.size() < kMaxDnsServers;
           i += 4) {
        out.dns_servers.push_back(Load32(value + i));
      }
      return Status::Ok();
    case kDomainName: {
      Result<std::string> name =
          DecodeDomainName(value, length, OptionLabel(code), offset);
      if (!name.ok()) return name.status();
      out.domain_name = std::move(name).value();
      return Status::Ok();
    }
    case kDomainSearch: {
      Result<std::vector<std::string>> names = DecodeSearchList(
          value, length, Compression::kAllowed, OptionLabel(code), offset);
      if (!names.ok()) return names.status();
      out.search_domains = std::move(names).value();
      return Status::Ok();
    }
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

}  // namespace hostnic::dhcp
