// Names of the values of a dense enum (one that counts up from a first
// value without gaps) from a table in the enum's order, once for every
// layer; each table sits beside a static_assert that it has a name for
// every value.
#ifndef HOSTNIC_COMMON_ENUM_NAMES_H_
#define HOSTNIC_COMMON_ENUM_NAMES_H_

#include <cstddef>

namespace hostnic {

// The name of value `i` of a dense enum from its table in the enum's order
// (names[i]); `otherwise` when `i` is outside the table.
template <size_t N>
const char* NameAt(const char* const (&names)[N], long i,
                   const char* otherwise = "unknown") {
  return i >= 0 && static_cast<size_t>(i) < N ? names[i] : otherwise;
}

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_ENUM_NAMES_H_
