// The namespaces the handlers fuzzer's NICs come home from after a CNI DEL
// (hostnic/netns_home.h, driven by NetnsReturns): a NIC a script sent away
// (!gone) is in "the container's namespace" until MoveHome brings it back
// onto the fake host under its host name (or its fallback name, when that
// is taken), with a new ifindex, as the kernel does. `!home` picks how the
// next calls go.
#ifndef HOSTNIC_TESTS_FUZZ_HANDLERS_NETNS_HOME_H_
#define HOSTNIC_TESTS_FUZZ_HANDLERS_NETNS_HOME_H_

#include <string>
#include <vector>

#include "driver/inventory.h"
#include "hostnic/netns_home.h"

namespace hostnic::fuzz {

class FuzzNetnsHome : public NetnsHome {
 public:
  enum class Mode {
    kOk,    // The namespace is there and holds every NIC not on the host.
    kGone,  // The namespace is gone (Hold: kNotFound).
    kFail,  // The kernel refuses (Hold and MoveHome: kIoError).
  };

  // `host` must outlive this; new devices get ifindexes from `next_ifindex`.
  FuzzNetnsHome(Inventory* host, int* next_ifindex)
      : host_(host), next_ifindex_(next_ifindex) {}

  void set_mode(Mode mode) { mode_ = mode; }

  // The devices MoveHome brought home since the last call: the world tells
  // the driver of them as the link monitor would, after the step.
  std::vector<Link> TakeArrivals();

  Result<int> Hold(const std::string& netns_path) override;
  Result<bool> MoveHome(int held, const Mac& mac,
                        const std::string& host_name) override;
  void Drop(int) override {}

 private:
  Inventory* const host_;
  int* const next_ifindex_;
  Mode mode_ = Mode::kOk;
  std::vector<Link> arrivals_;
};

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_HANDLERS_NETNS_HOME_H_
