// Cidr: an IP address (or network) with a prefix length, as operators and
// hooks write it ("10.0.1.23/24", "fd00:ec2::254/128"), parsed strictly so
// that what hostnic accepts is exactly what the kernel will be given.
#ifndef HOSTNIC_COMMON_CIDR_H_
#define HOSTNIC_COMMON_CIDR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hostnic {

struct Cidr {
  int family = 0;                   // AF_INET or AF_INET6.
  std::array<uint8_t, 16> bytes{};  // Network order; IPv4 uses the first 4.
  unsigned prefix_len = 0;

  size_t size() const;  // 4 or 16.
  // Whether every bit after the prefix is zero: a network rather than an
  // address inside one.
  bool IsNetwork() const;
  // IPv4 only: the address in host byte order.
  uint32_t v4() const;
};

// Parses "ADDRESS/LENGTH": ADDRESS as inet_pton(3) takes it (IPv4 only as
// four decimal parts without leading zeros), LENGTH in decimal without sign
// or leading zero, at most 32 (IPv4) or 128 (IPv6). nullopt otherwise, also
// without the "/LENGTH".
std::optional<Cidr> ParseCidr(std::string_view text);

// Parses a plain IPv4 address as ParseCidr does; host byte order.
std::optional<uint32_t> ParseIpv4Address(std::string_view text);

// Whether `text` is written as an IPv6 address or CIDR (contains ':'); says
// nothing of whether it parses.
bool LooksLikeIpv6(std::string_view text);

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_CIDR_H_
