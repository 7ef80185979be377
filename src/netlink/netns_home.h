// NetlinkNetnsHome: hostnic/netns_home.h over NetnsDatapath::MoveOut. A
// held namespace is an open file of it (O_RDONLY | O_CLOEXEC), which keeps
// the namespace alive when its path is deleted; MoveHome enters it through
// /proc/self/fd. Thread-safe, as NetnsDatapath.
#ifndef HOSTNIC_NETLINK_NETNS_HOME_H_
#define HOSTNIC_NETLINK_NETNS_HOME_H_

#include <string>

#include "hostnic/netns_home.h"
#include "netlink/netns_datapath.h"

namespace hostnic {

class NetlinkNetnsHome : public NetnsHome {
 public:
  Result<int> Hold(const std::string& netns_path) override;
  Result<bool> MoveHome(int held, const Mac& mac,
                        const std::string& host_name) override;
  void Drop(int held) override;

 private:
  NetnsDatapath datapath_;
};

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_NETNS_HOME_H_
