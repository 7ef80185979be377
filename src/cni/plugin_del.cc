#include <spdlog/spdlog.h>

#include "cni/plugin_commands.h"
#include "hostnic/mac.h"

namespace hostnic::cni {

std::optional<Error> Plugin::Del() {
  Result<std::optional<AttachInfo>> found = client_.Get(Key());
  if (!found.ok()) {
    if (found.status().code() == Code::kTimeout && !client_.Listening()) {
      return DelWithoutDaemon(found.status());
    }
    return FromStatus(found.status(), kNicRefused,
                      "hostnic could not look up " + Ids());
  }
  if (!*found) {
    // Added by a hostnic that named CNI networks by their name alone.
    wire::AttachmentKey legacy = Key();
    legacy.identity.clear();
    found = client_.Get(legacy);
    if (!found.ok()) {
      return FromStatus(found.status(), kNicRefused,
                        "hostnic could not look up " + Ids());
    }
  }
  std::optional<AttachInfo> attachment = *found;
  // The configuration changed since ADD (a new identity): its copy still
  // names the daemon's endpoint.
  if (!attachment) attachment = cache_.Get(Key());
  // IPAM first, while the NIC is still in the namespace: dhcp releases its
  // lease through it. Its failure is reported, but the NIC comes home.
  std::optional<Error> ipam_error = IpamDel();
  if (attachment) {
    // The runtime's CNI_NETNS, else where the daemon joined it.
    const std::string netns =
        !request_.netns.empty() ? request_.netns : attachment->netns;
    if (auto error = Remove(*attachment, netns)) return error;
  }
  cache_.Remove(Key());
  PayDebts();
  return ipam_error;
}

std::optional<Error> Plugin::DelWithoutDaemon(const Status& why) {
  std::optional<AttachInfo> attachment = cache_.Get(Key());
  std::optional<Mac> mac;
  std::string host_name;
  std::string netns = request_.netns;
  if (attachment) {
    mac = Mac::Parse(attachment->mac);
    host_name = attachment->original;
    if (netns.empty()) netns = attachment->netns;
  } else if (request_.conf.prev_result) {
    for (const Interface& iface : request_.conf.prev_result->interfaces) {
      if (iface.name == request_.ifname &&
          (iface.sandbox.empty() || iface.sandbox == netns)) {
        mac = Mac::Parse(iface.mac);
      }
    }
  }
  if (!mac && cache_.Owes(Key())) {
    // A DEL before this one brought the NIC home (a runtime repeats DEL,
    // containerd at RemovePodSandbox): DEL of what is gone succeeds.
    spdlog::info("{}; {} was released already, by a DEL without it",
                 why.message(), Ids());
    return IpamDel();
  }
  if (!mac) {
    return Fail(
        kTryAgainLater,
        "the hostnic daemon is down and this host has no copy of " + Ids(),
        why.message() + "; neither the state directory " +
            request_.conf.state_dir +
            " nor prevResult names its NIC: retry when the daemon "
            "is back");
  }
  if (host_name.empty()) host_name = FallbackName(*mac);
  spdlog::warn("{}; bringing NIC {} home as {} without it", why.message(),
               mac->ToString(), host_name);
  std::optional<Error> ipam_error = IpamDel();
  if (!netns.empty()) {
    if (auto error =
            BringHome(*mac, host_name, netns, "with the daemon down")) {
      return error;
    }
  }
  if (attachment) {
    if (Status owed = cache_.Owe(Key(), *attachment); !owed.ok()) {
      spdlog::error("{}; the daemon frees the NIC when it finds it home",
                    owed.message());
    }
  }
  return ipam_error;
}

}  // namespace hostnic::cni
