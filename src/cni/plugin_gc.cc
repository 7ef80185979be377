#include <spdlog/spdlog.h>

#include "cni/ipam.h"
#include "cni/plugin_commands.h"

namespace hostnic::cni {

std::optional<Error> Plugin::Gc() {
  const NetConf& conf = request_.conf;
  if (!conf.valid_attachments_given) {
    // Without the list, every attachment would look stale: others' too.
    spdlog::warn(
        "GC of network {} without cni.dev/valid-attachments: "
        "nothing released",
        conf.name);
    return std::nullopt;
  }
  PayDebts();
  wire::StaleRequest ask;
  ask.network = conf.name;
  ask.identity = conf.identity;
  for (const Attachment& a : conf.valid_attachments) {
    ask.valid.push_back(
        {conf.name, conf.identity, a.container_id, a.ifname, ""});
  }
  Result<std::vector<AttachInfo>> stale = client_.Stale(ask);
  if (!stale.ok()) {
    return FromStatus(
        stale.status(), kNicRefused,
        "hostnic could not list the attachments of network " + conf.name);
  }
  // Release as many as possible; report the rest.
  std::string failures;
  for (const AttachInfo& attachment : *stale) {
    spdlog::info("GC: releasing NIC {} ({}) of endpoint {}",
                 attachment.original, attachment.mac, attachment.endpoint_id);
    if (auto error = Remove(attachment, attachment.netns)) {
      failures +=
          (failures.empty() ? "" : "; ") + error->msg + ": " + error->details;
    }
  }
  if (!conf.ipam.empty()) {
    Result<CniResult> ipam = RunIpam(request_, Command::kGc);
    if (!ipam.ok()) {
      failures += (failures.empty() ? "" : "; ") + ipam.status().message();
    }
  }
  if (!failures.empty()) {
    return Fail(kDatapathFailure,
                "hostnic could not release every stale attachment", failures);
  }
  return std::nullopt;
}

}  // namespace hostnic::cni
