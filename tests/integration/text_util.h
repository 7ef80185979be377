// Text helpers shared by the integration tests: substring assertions with a
// message that quotes both sides, and reading a whole file.
#ifndef HOSTNIC_TESTS_INTEGRATION_TEXT_UTIL_H_
#define HOSTNIC_TESTS_INTEGRATION_TEXT_UTIL_H_

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hostnic::itest {

inline ::testing::AssertionResult Has(const std::string& text,
                                      const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\"" << text << "\" lacks \"" << part << "\"";
}

// The file's contents; empty when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace hostnic::itest

#endif  // HOSTNIC_TESTS_INTEGRATION_TEXT_UTIL_H_
