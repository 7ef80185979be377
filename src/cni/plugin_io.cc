#include "cni/plugin_io.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

namespace hostnic::cni {

void LogToStderr(const char* name) {
  auto logger = std::make_shared<spdlog::logger>(
      name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
  spdlog::set_pattern("hostnic: %l: %v");
}

std::string ReadStdin(size_t limit) {
  std::string input;
  char buffer[65536];
  size_t n;
  while (input.size() <= limit &&
         (n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
    input.append(buffer, n);
  }
  return input;
}

void PrintAnswer(const std::string& answer) {
  if (!answer.empty()) {
    const std::string line = answer + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  std::fflush(stdout);
}

}  // namespace hostnic::cni
