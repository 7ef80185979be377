// Unit tests assert on Status messages, not on logs: keep the output to
// gtest's own unless HOSTNIC_TEST_LOG is set.
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace {
const bool kQuiet = [] {
  if (std::getenv("HOSTNIC_TEST_LOG") == nullptr) {
    spdlog::set_level(spdlog::level::off);
  }
  return true;
}();
}  // namespace
