#include "common/errno_status.h"

#include <system_error>

namespace hostnic {

std::string ErrnoText(int err) {
  return std::error_code(err < 0 ? -err : err, std::generic_category())
      .message();
}

Status ErrnoStatus(const std::string& doing, int err) {
  const std::string text = doing + ": " + ErrnoText(err);
  if (err == ENOENT || err == ENODEV || err == ENXIO) {
    return Status::NotFound(text);
  }
  return Status::IoError(text);
}

Status ErrnoIoError(const std::string& doing, int err) {
  return Status::IoError(doing + ": " + ErrnoText(err));
}

}  // namespace hostnic
