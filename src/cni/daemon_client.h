// DaemonClient: the CNI plugin's side of the daemon's CNI API
// (api/cni_service.h), over the daemon's unix socket.
#ifndef HOSTNIC_CNI_DAEMON_CLIENT_H_
#define HOSTNIC_CNI_DAEMON_CLIENT_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cni/request.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic::cni {

// Where the daemon listens unless the configuration says "socket".
constexpr char kDefaultSocket[] = "/run/docker/plugins/hostnic.sock";

struct AttachInfo {
  std::string network_id;
  std::string endpoint_id;
  std::string mac;
  std::string original;  // The NIC's own name on the host.
  std::string netns;     // Where it was joined, or empty.
  bool joined = false;
  // Attach only:
  std::string name;     // Its name on the host now.
  std::string address;  // The NIC's own address (CIDR), or empty.
  std::string gateway;  // Plain IPs, or empty.
  std::string gateway6;
  std::vector<Route> routes;
};

class DaemonClient {
 public:
  explicit DaemonClient(std::string socket_path);

  // Every call fails with kTimeout, naming the socket, when the daemon does
  // not answer (not running, not yet listening, too slow): a runtime should
  // try again later. Errors the daemon answers keep their code.
  Result<AttachInfo> Attach(const Request& request,
                            const std::string& wanted_nic) const;
  // nullopt when the daemon holds no NIC for the attachment.
  Result<std::optional<AttachInfo>> Get(const std::string& network,
                                        const std::string& container_id,
                                        const std::string& ifname) const;
  Status Release(const AttachInfo& attachment) const;
  // The attachments of `network` that are not in `valid`.
  Result<std::vector<AttachInfo>> Stale(
      const std::string& network, const std::vector<Attachment>& valid) const;
  // OK when the daemon answers and can serve; kFailedPrecondition with its
  // reason when it answers that it cannot yet.
  Status Health() const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  Result<std::string> Call(const std::string& method, const std::string& body,
                           std::chrono::milliseconds timeout) const;

  const std::string socket_path_;
};

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_DAEMON_CLIENT_H_
