#include "common/cidr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "common/big_endian.h"

namespace hostnic {

size_t Cidr::size() const { return family == AF_INET6 ? 16 : 4; }

bool Cidr::IsNetwork() const {
  for (size_t bit = prefix_len; bit < size() * 8; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

uint32_t Cidr::v4() const { return Load32(bytes.data()); }

std::optional<Cidr> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string address(text.substr(0, slash));
  const std::string_view length = text.substr(slash + 1);
  Cidr cidr;
  if (inet_pton(AF_INET, address.c_str(), cidr.bytes.data()) == 1) {
    cidr.family = AF_INET;
  } else if (inet_pton(AF_INET6, address.c_str(), cidr.bytes.data()) == 1) {
    cidr.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  if (length.empty() || length.size() > 3 ||
      (length.size() > 1 && length[0] == '0')) {
    return std::nullopt;
  }
  unsigned n = 0;
  for (char c : length) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (n > cidr.size() * 8) return std::nullopt;
  cidr.prefix_len = n;
  return cidr;
}

std::optional<uint32_t> ParseIpv4Address(std::string_view text) {
  std::optional<Cidr> cidr = ParseCidr(std::string(text) + "/32");
  if (!cidr || cidr->family != AF_INET) return std::nullopt;
  return cidr->v4();
}

bool LooksLikeIpv6(std::string_view text) {
  return text.find(':') != std::string_view::npos;
}

}  // namespace hostnic
