// CniService: the daemon's API for the CNI plugin (the same `hostnic`
// executable run by a container runtime), on the daemon's socket beside the
// Docker protocol. The daemon stays the single owner of the host's NICs: a
// CNI network is a driver network, an attachment (network, container ID,
// ifname) is an endpoint, so every rule of the driver (safety, pools, waits,
// hooks, addresses, store, recovery, status) applies to pods as to Docker
// containers. The plugin does the datapath itself (src/netlink/
// netns_datapath.h), but for the NIC's return at DEL: the service brings it
// home after it answers (driver/netns_returns.h).
//
// POST bodies and replies are JSON, encoded and decoded by cni/wire.h
// alone; an error is 200 {"Err": sentence, "Code": CodeName} (404 for a
// method it does not have). Every attachment may carry "identity" beside
// "network" (same-named networks of two runtimes). Methods:
//   /Cni.Attach  {"network", "options", "containerId", "ifname", "netns",
//                 "nic"} -> the attachment (below) plus "address",
//                 "gateway", "gateway6", "routes": [{"dst", "gw"}] and
//                 "name" (the NIC's name on the host now). Creates (or, if
//                 it holds no NIC, re-creates with new options) the network,
//                 holds a NIC for the endpoint and joins it to "netns"; the
//                 plugin then moves the NIC there.
//   /Cni.Get     {"network", "containerId", "ifname"} -> {"network",
//                 "endpoint", "mac", "original", "netns", "joined"};
//                 Code "not found" when there is no such attachment.
//   /Cni.Release {"network", "endpoint", "netns"} -> {}: Leave and
//                 DeleteEndpoint; OK for an unknown one. With "netns" the
//                 NIC is still there: the answer, {"returning": true}, comes
//                 once its return is owed (NetnsReturns::Begin), the
//                 release once it is home. Until then Get and Stale do not
//                 list the attachment, and an Attach that needs its NIC
//                 waits for it. Without "returning" (a daemon older than
//                 this answers {}) the plugin brings the NIC home itself.
//   /Cni.Stale   {"network", "valid": [{"containerId", "ifname"}]} ->
//                 {"attachments": [...]}: those of the network not listed.
//
// Thread-safe.
#ifndef HOSTNIC_CNI_SERVICE_H_
#define HOSTNIC_CNI_SERVICE_H_

#include <string>

#include "common/mutex.h"
#include "driver/driver.h"
#include "driver/netns_returns.h"
#include "http/reply.h"

namespace hostnic::cni {

class CniService {
 public:
  // `returns` (null: Release with a "netns" is refused) must outlive this.
  explicit CniService(Driver* driver, NetnsReturns* returns = nullptr);

  // Whether `path` is one of this service's methods.
  static bool Owns(const std::string& path);
  http::Reply Handle(const std::string& path, const std::string& body);

  // The driver IDs of a CNI network and attachment: "cni-NAME", and with an
  // `identity` (cni/wire.h) "cni-NAME-" and 8 hex digits of a SHA-256
  // of both, so that same-named networks of two runtimes are two networks;
  // "cni-" and a longer SHA-256 prefix where the name is no valid ID.
  // Always IsValidId.
  static std::string NetworkId(const std::string& name,
                               const std::string& identity = "");
  // The same for podman 5's networks (wire::kRuntimeNetavark):
  // "podman-" and podman's network ID, never a Docker network's 64 hex
  // digits or a CNI one's "cni-..."; endpoints "podman" and a SHA-256
  // prefix. `network` must be 1 to 64 of [A-Za-z0-9_-].
  static std::string PodmanNetworkId(const std::string& network);
  static std::string PodmanEndpointId(const std::string& network,
                                      const std::string& container_id,
                                      const std::string& ifname);
  static std::string EndpointId(const std::string& network,
                                const std::string& identity,
                                const std::string& container_id,
                                const std::string& ifname);

 private:
  Result<std::string> Attach(const std::string& body, std::string* ids);
  Result<std::string> Get(const std::string& body, std::string* ids);
  Result<std::string> Release(const std::string& body, std::string* ids);
  Result<std::string> Stale(const std::string& body, std::string* ids);
  // Whether the endpoint's NIC is on its way home (see Release).
  bool Returning(const std::string& endpoint_id) const {
    return returns_ != nullptr && returns_->Returning(endpoint_id);
  }
  Status EnsureNetwork(const std::string& network_id,
                       const std::map<std::string, std::string>& options)
      EXCLUDES(networks_mu_);

  Driver* const driver_;
  NetnsReturns* const returns_;
  // Guards no member: held while EnsureNetwork creates or re-creates a
  // network, so that two ADDs never remove each other's network.
  Mutex networks_mu_;
};

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_SERVICE_H_
