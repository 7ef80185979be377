// Mac: an Ethernet (EUI-48) address, the only stable identity of a NIC.
// Names and ifindexes change when Docker or the kernel move and rename a
// device; the MAC does not, so hostnic keys every NIC by it.
#ifndef HOSTNIC_MAC_H_
#define HOSTNIC_MAC_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hostnic {

class Mac {
 public:
  Mac() = default;  // 00:00:00:00:00:00, "unset".
  explicit Mac(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}

  // Parses "52:54:0e:e5:00:f7" or "52-54-0E-E5-00-F7", case-insensitively.
  // Returns nullopt for anything else.
  static std::optional<Mac> Parse(std::string_view text);

  // Lowercase, colon separated: "52:54:0e:e5:00:f7".
  std::string ToString() const;
  bool IsZero() const;
  const std::array<uint8_t, 6>& bytes() const { return bytes_; }

  bool operator==(const Mac& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const Mac& o) const { return bytes_ != o.bytes_; }
  bool operator<(const Mac& o) const { return bytes_ < o.bytes_; }

 private:
  std::array<uint8_t, 6> bytes_{};
};

// "eth2 (52:54:0e:e5:00:f7)": how every message names a NIC, by its name as
// last seen and its MAC, which says which NIC it is.
std::string NicLabel(std::string_view name, const Mac& mac);

}  // namespace hostnic

template <>
struct std::hash<hostnic::Mac> {
  size_t operator()(const hostnic::Mac& m) const noexcept {
    uint64_t v = 0;
    for (uint8_t b : m.bytes()) v = (v << 8) | b;
    return std::hash<uint64_t>()(v);
  }
};

#endif  // HOSTNIC_MAC_H_
