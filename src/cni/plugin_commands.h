// The CNI plugin's commands, one file each: internal to the plugin
// (cni/plugin.h is the contract, RunPlugin the entry point).
#ifndef HOSTNIC_CNI_PLUGIN_COMMANDS_H_
#define HOSTNIC_CNI_PLUGIN_COMMANDS_H_

#include <optional>
#include <string>

#include "cni/attachment_cache.h"
#include "cni/daemon_client.h"
#include "cni/request.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"
#include "netlink/netns_datapath.h"

namespace hostnic::cni {

// A daemon or datapath failure as the spec's error. A NIC held by another
// container (or a pool with none free) is no transient condition the
// plugin could promise to clear: it is `otherwise`, not "try again later".
Error FromStatus(const Status& s, int otherwise, const std::string& msg);

// One CNI command on one request: each method is a command (ADD, DEL,
// CHECK, GC, STATUS) as cni/plugin.h describes it, returning the spec's
// error when it fails. Defined in plugin_add.cc, plugin_del.cc,
// plugin_check.cc, plugin_gc.cc, plugin_status.cc; what they share in
// plugin_commands.cc.
class Plugin {
 public:
  explicit Plugin(Request request)
      : request_(std::move(request)),
        client_(request_.conf.socket.empty() ? kDefaultSocket
                                             : request_.conf.socket),
        cache_(request_.conf.state_dir) {}

  // ADD; `*out` is the result to print.
  std::optional<Error> Add(std::string* out);
  std::optional<Error> Del();
  std::optional<Error> Check();
  std::optional<Error> Gc();
  std::optional<Error> Ready();

 private:
  // Hands the attachment over to the daemon, which brings its NIC home from
  // `netns` (when that still holds it) after it answers, and releases it:
  // the move's waits in the kernel are most of what DEL would cost. A daemon
  // that answers it does not (one older than that) released the endpoint
  // only: the NIC is then brought home here (BringHome).
  std::optional<Error> Remove(const AttachInfo& attachment,
                              const std::string& netns);
  // Brings the NIC home from `netns` (flushed, down, named `host_name`) in
  // this process, as DEL did before the daemon took that over; a NIC not in
  // `netns` (or a namespace gone) is no error. `why` ends the error's
  // message ("with the daemon down").
  std::optional<Error> BringHome(const Mac& mac, const std::string& host_name,
                                 const std::string& netns,
                                 const std::string& why);
  // DEL while the daemon is down: from the cached copy of the attachment
  // (or prevResult's MAC), the NIC comes home and IPAM is released; the
  // release is owed to the daemon.
  std::optional<Error> DelWithoutDaemon(const Status& why);
  // Runs the IPAM plugin's DEL; the error to report, if any.
  std::optional<Error> IpamDel();
  // Sends the daemon the releases owed by DELs done while it was down.
  void PayDebts();
  // The NIC ADD should ask for: runtimeConfig.mac, CNI_ARGS MAC, the PCI
  // device's, the configuration's "mac" or "device"; empty: any of the pool.
  Result<std::string> WantedNic() const;
  wire::AttachmentKey Key() const {
    return {request_.conf.name, request_.conf.identity, request_.container_id,
            request_.ifname, ""};
  }
  std::string Ids() const {
    return "container " + request_.container_id + " " + request_.ifname +
           " on network " + request_.conf.name;
  }

  const Request request_;
  const DaemonClient client_;
  const AttachmentCache cache_;
  NetnsDatapath datapath_;
};

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_PLUGIN_COMMANDS_H_
