#include "common/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

#include "common/errno_status.h"

namespace hostnic {

namespace {}  // namespace

Status RunInNetns(const std::string& netns_path, const std::string& doing,
                  const std::function<Status()>& work) {
  const int fd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoStatus(doing + ": opening network namespace " + netns_path,
                       errno);
  }
  Status status;
  // setns() changes only the calling thread; this one exists for that and
  // ends right after, so no pooled thread is ever left in another namespace.
  std::thread worker([&] {
    if (::setns(fd, CLONE_NEWNET) != 0) {
      status = ErrnoStatus(doing + ": entering network namespace " + netns_path,
                           errno);
      return;
    }
    status = work();
  });
  worker.join();
  ::close(fd);
  return status;
}

}  // namespace hostnic
