#include "dhcp/transport_util.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace hostnic::dhcp {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Status ErrnoStatus(const std::string& doing, int err) {
  const std::string text =
      doing + ": " + std::error_code(err, std::generic_category()).message();
  if (err == ENOENT || err == ENODEV || err == ENXIO) {
    return Status::NotFound(text);
  }
  return Status::IoError(text);
}

Result<bool> WaitReadable(int fd, MonoTime deadline, const std::string& doing) {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(
        &p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return ErrnoStatus(doing, errno);
  }
}

}  // namespace hostnic::dhcp
