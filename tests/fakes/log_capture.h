// LogCapture: while it lives, spdlog's default logger writes into a string
// the test reads with text(); the logger before it is put back when it goes.
#ifndef HOSTNIC_TESTS_FAKES_LOG_CAPTURE_H_
#define HOSTNIC_TESTS_FAKES_LOG_CAPTURE_H_

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace hostnic {

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const { return log_.str(); }

 private:
  std::ostringstream log_;
  const std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_LOG_CAPTURE_H_
