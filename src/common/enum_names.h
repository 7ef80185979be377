// Names of the values of a dense enum (one that counts up from a first
// value without gaps) from a table in the enum's order, once for every
// layer; each table sits beside a static_assert that it has a name for
// every value. Names of sparse codes from a table of {code, name} pairs.
#ifndef HOSTNIC_COMMON_ENUM_NAMES_H_
#define HOSTNIC_COMMON_ENUM_NAMES_H_

#include <cstddef>
#include <string>
#include <utility>

namespace hostnic {

// The name of value `i` of a dense enum from its table in the enum's order
// (names[i]); `otherwise` when `i` is outside the table.
template <size_t N>
const char* NameAt(const char* const (&names)[N], long i,
                   const char* otherwise = "unknown") {
  return i >= 0 && static_cast<size_t>(i) < N ? names[i] : otherwise;
}

// The name of `code` in a table of {code, name} pairs (a sparse set of
// codes, such as a protocol's options); nullptr when it has none.
template <typename T, size_t N>
const char* NameIn(const std::pair<T, const char*> (&names)[N], long code) {
  for (const auto& [value, name] : names) {
    if (static_cast<long>(value) == code) return name;
  }
  return nullptr;
}

// "`kind` `code` (`name`)", e.g. "DHCP option 51 (lease time)"; without
// the name when it is null.
inline std::string NamedCode(const std::string& kind, long code,
                             const char* name) {
  std::string label = kind + " " + std::to_string(code);
  if (name != nullptr) label += std::string(" (") + name + ")";
  return label;
}

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_ENUM_NAMES_H_
