#include "netlink/netns_home.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/errno_status.h"

namespace hostnic {

Result<int> NetlinkNetnsHome::Hold(const std::string& netns_path) {
  const int fd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("opening the network namespace " + netns_path);
  return fd;
}

Result<bool> NetlinkNetnsHome::MoveHome(int held, const Mac& mac,
                                        const std::string& host_name) {
  return datapath_.MoveOut(mac, "/proc/self/fd/" + std::to_string(held),
                           host_name);
}

void NetlinkNetnsHome::Drop(int held) { ::close(held); }

}  // namespace hostnic
