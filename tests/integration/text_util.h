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

inline ::testing::AssertionResult Lacks(const std::string& text,
                                        const std::string& part) {
  if (text.find(part) == std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\"" << text << "\" has \"" << part << "\"";
}

// A hook's environment (`env`'s output) holds the PATH hostnic gives it and
// nothing of the daemon's own: not HOSTNIC_TEST_LEAK (which the test sets in
// the daemon), not HOME.
inline void ExpectOnlyTheHookEnvironment(const std::string& env) {
  EXPECT_TRUE(Has(env,
                  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                  "/usr/bin:/sbin:/bin\n"));
  EXPECT_TRUE(Lacks(env, "HOSTNIC_TEST_LEAK"));
  EXPECT_TRUE(Lacks(env, "HOME="));
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
