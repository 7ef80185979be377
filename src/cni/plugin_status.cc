#include "cni/ipam.h"
#include "cni/plugin_commands.h"

namespace hostnic::cni {

std::optional<Error> Plugin::Ready() {
  hostnic::Status health = client_.Health();
  if (!health.ok()) {
    return Fail(
        kNotAvailable, "the hostnic daemon cannot hand out NICs",
        health.message() + "; start it (scripts/run.sh) or check its log");
  }
  PayDebts();
  if (!request_.conf.ipam.empty()) {
    Result<CniResult> ipam = RunIpam(request_, Command::kStatus);
    if (!ipam.ok()) {
      return Fail(
          kNotAvailable,
          "the IPAM plugin " + request_.conf.ipam_type + " is not available",
          ipam.status().message());
    }
  }
  return std::nullopt;
}

}  // namespace hostnic::cni
