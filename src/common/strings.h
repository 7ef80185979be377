// The string helpers the standard library lacks before C++20, once for
// every layer.
#ifndef HOSTNIC_COMMON_STRINGS_H_
#define HOSTNIC_COMMON_STRINGS_H_

#include <string_view>

namespace hostnic {

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

inline bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// `s` without the `blanks` (spaces and tabs unless told) it starts or ends
// with. A view into `s`: copy it before `s` goes.
inline std::string_view Trim(std::string_view s,
                             std::string_view blanks = " \t") {
  const size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_STRINGS_H_
