// NetworkManagers: tells whether a host network manager (NetworkManager,
// systemd-networkd) manages a device, from the state files they keep under
// /run. A managed NIC handed to a container may be reconfigured by the
// manager when it comes back, so `hostnic status` warns about it.
#ifndef HOSTNIC_HOST_NETWORK_MANAGERS_H_
#define HOSTNIC_HOST_NETWORK_MANAGERS_H_

#include <string>

#include "hostnic/link.h"

namespace hostnic {

class NetworkManagers {
 public:
  // `root` prefixes every path read ("/" on a host; a temp dir in tests).
  explicit NetworkManagers(std::string root = "/");

  // "NetworkManager", "systemd-networkd", or empty when neither manages
  // `link` (or neither runs). Reads at most two small files.
  std::string ManagerOf(const Link& link) const;

 private:
  const std::string root_;
};

}  // namespace hostnic

#endif  // HOSTNIC_HOST_NETWORK_MANAGERS_H_
