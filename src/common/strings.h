// The string helpers the standard library lacks before C++20, once for
// every layer.
#ifndef HOSTNIC_COMMON_STRINGS_H_
#define HOSTNIC_COMMON_STRINGS_H_

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
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

// The whole of `text` as a finite decimal number in [min, max]; nullopt
// when it is empty, has anything after the number, or is out of range.
inline std::optional<double> ParseNumberIn(const std::string& text, double min,
                                           double max) {
  char* end = nullptr;
  errno = 0;
  const double n = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(n) ||
      n < min || n > max) {
    return std::nullopt;
  }
  return n;
}

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_STRINGS_H_
