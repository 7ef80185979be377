#include "dhcp6/router_advert.h"

#include <algorithm>

#include "common/big_endian.h"

namespace hostnic::dhcp6 {

namespace {

constexpr uint8_t kRouterSolicit = 133;
constexpr uint8_t kRouterAdvert = 134;
constexpr size_t kRaFixed = 16;  // Type ... retransmit timer.
constexpr uint8_t kOptSourceLinkLayer = 1;
constexpr uint8_t kOptPrefix = 3;
constexpr uint8_t kOptMtu = 5;
constexpr size_t kPrefixOptionSize = 32;
constexpr size_t kMtuOptionSize = 8;
constexpr uint32_t kMinIpv6Mtu = 1280;

std::string At(size_t offset) { return " at offset " + std::to_string(offset); }

// The prefix option at `p` (kPrefixOptionSize bytes), or why it is ignored.
Result<RaPrefix> DecodePrefix(const uint8_t* p) {
  RaPrefix prefix;
  prefix.length = p[2];
  prefix.on_link = (p[3] & 0x80) != 0;
  prefix.autonomous = (p[3] & 0x40) != 0;
  prefix.valid = Load32(p + 4);
  prefix.preferred = Load32(p + 8);
  std::copy(p + 16, p + 32, prefix.prefix.begin());
  if (prefix.length > 128) {
    return Status::InvalidArgument("prefix length " +
                                   std::to_string(prefix.length));
  }
  if (prefix.preferred > prefix.valid) {
    return Status::InvalidArgument("preferred lifetime over valid lifetime");
  }
  const Ipv6& a = prefix.prefix;
  if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)) {
    return Status::InvalidArgument("multicast or link-local prefix " +
                                   Ipv6ToString(a));
  }
  // Bits past the length are the router's noise: cleared.
  for (size_t bit = prefix.length; bit < 128; ++bit) {
    prefix.prefix[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return prefix;
}

}  // namespace

Result<RouterAdvert> DecodeRouterAdvert(const uint8_t* data, size_t size) {
  if (size < kRaFixed || size > kMaxRouterAdvertSize) {
    return Status::InvalidArgument(
        "router advertisement of " + std::to_string(size) + " bytes, not " +
        std::to_string(kRaFixed) + ".." + std::to_string(kMaxRouterAdvertSize));
  }
  if (data[0] != kRouterAdvert || data[1] != 0) {
    return Status::InvalidArgument("ICMPv6 type " + std::to_string(data[0]) +
                                   " code " + std::to_string(data[1]) +
                                   " is not a router advertisement");
  }
  RouterAdvert ra;
  ra.managed = (data[5] & 0x80) != 0;
  ra.other = (data[5] & 0x40) != 0;
  ra.router_lifetime = Load16(data + 6);
  for (size_t offset = kRaFixed; offset < size;) {
    if (size - offset < 2 || data[offset + 1] == 0) {
      return Status::InvalidArgument("router advertisement option of length 0" +
                                     At(offset));
    }
    const size_t length = size_t{data[offset + 1]} * 8;
    if (length > size - offset) {
      return Status::InvalidArgument("router advertisement option of " +
                                     std::to_string(length) +
                                     " bytes runs past the end" + At(offset));
    }
    const uint8_t* option = data + offset;
    const uint8_t type = option[0];
    if (type == kOptPrefix) {
      Result<RaPrefix> prefix =
          length == kPrefixOptionSize
              ? DecodePrefix(option)
              : Result<RaPrefix>(Status::InvalidArgument(
                    std::to_string(length) + " bytes, not 32"));
      if (!prefix.ok()) {
        ra.warnings.push_back(
            "prefix information: " + prefix.status().message() + At(offset) +
            "; ignored");
      } else if (ra.prefixes.size() >= kMaxRaPrefixes) {
        ra.warnings.push_back("prefix information beyond the first " +
                              std::to_string(kMaxRaPrefixes) + At(offset) +
                              "; ignored");
      } else {
        ra.prefixes.push_back(*prefix);
      }
    } else if (type == kOptMtu) {
      const uint32_t mtu = length == kMtuOptionSize ? Load32(option + 4) : 0;
      if (mtu < kMinIpv6Mtu) {
        ra.warnings.push_back("MTU option of " + std::to_string(length) +
                              " bytes with MTU " + std::to_string(mtu) +
                              At(offset) + "; ignored");
      } else {
        ra.mtu = mtu;
      }
    }
    offset += length;
  }
  return ra;
}

std::vector<uint8_t> EncodeRouterSolicit(const Mac& mac) {
  const auto& m = mac.bytes();
  return {kRouterSolicit,      0, 0,    0,    0,    0,    0,    0,
          kOptSourceLinkLayer, 1, m[0], m[1], m[2], m[3], m[4], m[5]};
}

std::optional<Ipv6> SlaacAddress(const RaPrefix& prefix, const Mac& mac) {
  if (!prefix.autonomous || prefix.length != 64) return std::nullopt;
  Ipv6 address = prefix.prefix;
  const auto& m = mac.bytes();
  const uint8_t eui64[8] = {static_cast<uint8_t>(m[0] ^ 0x02),
                            m[1],
                            m[2],
                            0xff,
                            0xfe,
                            m[3],
                            m[4],
                            m[5]};
  std::copy(eui64, eui64 + 8, address.begin() + 8);
  return address;
}

bool InPrefix(const Ipv6& address, const RaPrefix& prefix) {
  for (size_t bit = 0; bit < prefix.length && bit < 128; ++bit) {
    const uint8_t mask = 0x80 >> (bit % 8);
    if ((address[bit / 8] & mask) != (prefix.prefix[bit / 8] & mask)) {
      return false;
    }
  }
  return true;
}

}  // namespace hostnic::dhcp6
