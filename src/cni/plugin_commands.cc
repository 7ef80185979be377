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
  const std::string nic = attachment.original + " (" + attachment.mac + ")";
  if (netns.empty()) {
    Status released =
        client_.Release(attachment.network_id, attachment.endpoint_id);
    if (released.ok()) return std::nullopt;
    return FromStatus(released, kNicRefused,
                      "hostnic could not release NIC " + nic);
  }
  Result<bool> returning =
      client_.ReleaseFrom(attachment.network_id, attachment.endpoint_id, netns);
  if (!returning.ok()) {
    return FromStatus(returning.status(), kNicRefused,
                      "hostnic could not release NIC " + nic);
  }
  if (*returning) return std::nullopt;
  std::optional<Mac> mac = Mac::Parse(attachment.mac);
  if (!mac) {
    return Fail(kDatapathFailure,
                "hostnic could not bring NIC " + nic + " back from " + netns,
                "the daemon named no valid MAC");
  }
  spdlog::info(
      "the hostnic daemon on {} released NIC {} without bringing it home "
      "(it predates the asynchronous DEL); bringing it home from {}",
      client_.socket_path(), nic, netns);
  return BringHome(*mac, attachment.original, netns,
                   "after a daemon that leaves it to the plugin released it");
}

std::optional<Error> Plugin::BringHome(const Mac& mac,
                                       const std::string& host_name,
                                       const std::string& netns,
                                       const std::string& why) {
  Result<bool> back = datapath_.MoveOut(mac, netns, host_name);
  if (back.ok()) return std::nullopt;
  return FromStatus(back.status(), kDatapathFailure,
                    "hostnic could not bring NIC " + host_name + " (" +
                        mac.ToString() + ") back from " + netns + " " + why);
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
