// NetnsHome: bringing a NIC home from a network namespace after the request
// that asked for it was answered (CNI DEL, src/driver/netns_returns.h). The
// netlink layer implements it (src/netlink/netns_home.h); tests use fakes.
#ifndef HOSTNIC_NETNS_HOME_H_
#define HOSTNIC_NETNS_HOME_H_

#include <string>

#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic {

class NetnsHome {
 public:
  virtual ~NetnsHome() = default;
  // Opens the namespace at `netns_path` and returns a handle that keeps it
  // alive, even once its path is deleted, until Drop. kNotFound when the
  // namespace is gone.
  virtual Result<int> Hold(const std::string& netns_path) = 0;
  // Brings the NIC with `mac` from the held namespace to the host:
  // addresses flushed, down, named `host_name` (or "hn" and its MAC's hex
  // digits when that name is taken). False, changing nothing, when the
  // namespace holds no device with `mac`.
  virtual Result<bool> MoveHome(int held, const Mac& mac,
                                const std::string& host_name) = 0;
  // Lets go of a namespace Hold returned.
  virtual void Drop(int held) = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_NETNS_HOME_H_
