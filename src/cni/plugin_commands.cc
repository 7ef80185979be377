#include "cni/plugin_commands.h"

#include <spdlog/spdlog.h>

#include "cni/ipam.h"

namespace hostnic::cni {

Error FromStatus(const Status& s, int otherwise, const std::string& msg) {
  int code = otherwise;
  switch (s.code()) {
    case Code::kInvalidArgument:
      code = kInvalidConfig;
      break;
    case Code::kTimeout:
      code = kTryAgainLater;
      break;
    default:
      break;
  }
  return Fail(code, msg, s.message());
}

std::optional<Error> Plugin::Remove(const AttachInfo& attachment,
                                    const std::string& netns) {
  Status released =
      client_.Release(attachment.network_id, attachment.endpoint_id, netns);
  if (!released.ok()) {
    return FromStatus(released, kNicRefused,
                      "hostnic could not release NIC " + attachment.original +
                          " (" + attachment.mac + ")");
  }
  return std::nullopt;
}

std::optional<Error> Plugin::IpamDel() {
  if (request_.conf.ipam.empty()) return std::nullopt;
  Result<CniResult> ipam = RunIpam(request_, Command::kDel);
  if (ipam.ok()) return std::nullopt;
  return Fail(kIpamFailure,
              "the IPAM plugin " + request_.conf.ipam_type + " failed",
              ipam.status().message());
}

void Plugin::PayDebts() {
  const size_t left = cache_.PayDebts([this](const AttachInfo& a) {
    Status s = client_.Release(a.network_id, a.endpoint_id);
    if (s.ok()) {
      spdlog::info(
          "released NIC {} ({}) of endpoint {}, brought home while "
          "the daemon was down",
          a.original, a.mac, a.endpoint_id);
    }
    return s;
  });
  if (left > 0) {
    spdlog::warn("{} NIC releases still owed to the daemon on {}", left,
                 client_.socket_path());
  }
}

}  // namespace hostnic::cni
