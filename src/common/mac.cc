#include "hostnic/mac.h"

namespace hostnic {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Mac> Mac::Parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  const char sep = text[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  std::array<uint8_t, 6> bytes{};
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = i * 3;
    if (i > 0 && text[at - 1] != sep) return std::nullopt;
    const int hi = HexValue(text[at]);
    const int lo = HexValue(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return Mac(bytes);
}

std::string NicLabel(std::string_view name, const Mac& mac) {
  return std::string(name) + " (" + mac.ToString() + ")";
}

// Every message and record names NICs by MAC: no printf machinery per call.
std::string Mac::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(17, ':');
  for (size_t i = 0; i < bytes_.size(); ++i) {
    text[i * 3] = kHex[bytes_[i] >> 4];
    text[i * 3 + 1] = kHex[bytes_[i] & 0xf];
  }
  return text;
}

bool Mac::IsZero() const { return bytes_ == std::array<uint8_t, 6>{}; }

}  // namespace hostnic
