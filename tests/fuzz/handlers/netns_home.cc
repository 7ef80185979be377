#include "fuzz/handlers/netns_home.h"

#include <utility>

#include "fuzz/handlers/host.h"

namespace hostnic::fuzz {

std::vector<Link> FuzzNetnsHome::TakeArrivals() {
  return std::exchange(arrivals_, {});
}

Result<int> FuzzNetnsHome::Hold(const std::string& netns_path) {
  if (mode_ == Mode::kGone) return Status::NotFound(netns_path + " is gone");
  if (mode_ == Mode::kFail) {
    return Status::IoError("opening " + netns_path + ": Permission denied");
  }
  return 3;
}

Result<bool> FuzzNetnsHome::MoveHome(int, const Mac& mac,
                                     const std::string& host_name) {
  if (mode_ == Mode::kFail) {
    return Status::IoError("netlink: Operation not permitted");
  }
  // A NIC on the host is not in the namespace.
  if (host_->FindByMac(mac)) return false;
  Link link = MakeLink((*next_ifindex_)++, host_name, mac.ToString());
  if (host_name.empty() || host_->FindByName(host_name)) {
    link.name = "hn";
    for (char c : mac.ToString()) {
      if (c != ':') link.name += c;
    }
    if (host_->FindByName(link.name)) {
      return Status::IoError("netlink: File exists");
    }
  }
  host_->Upsert(link);
  arrivals_.push_back(link);
  return true;
}

}  // namespace hostnic::fuzz
