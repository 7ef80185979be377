// DaemonClient: the CNI plugin's side of the daemon's CNI API
// (cni/service.h) over the daemon's unix socket, its bodies encoded by
// the protocol's one codec (cni/wire.h).
#ifndef HOSTNIC_CNI_DAEMON_CLIENT_H_
#define HOSTNIC_CNI_DAEMON_CLIENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cni/request.h"
#include "cni/wire.h"
#include "hostnic/status.h"

namespace hostnic::cni {

// Where the daemon listens unless the configuration says "socket".
constexpr char kDefaultSocket[] = "/run/docker/plugins/hostnic.sock";

using AttachInfo = wire::Attachment;

class DaemonClient {
 public:
  explicit DaemonClient(std::string socket_path);

  // Every call fails with kTimeout, naming the socket, when the daemon does
  // not answer (not running, not yet listening, too slow): a runtime should
  // try again later. A socket that answers HTTP 404 (not hostnic's, or a
  // hostnic without CNI support) is kInvalidArgument: retrying cannot help.
  // Errors the daemon answers keep their code.
  Result<AttachInfo> Attach(const wire::AttachRequest& request) const;
  // nullopt when the daemon holds no NIC for the attachment.
  Result<std::optional<AttachInfo>> Get(const wire::AttachmentKey& key) const;
  // The NIC is home already (or gone).
  Status Release(const std::string& network_id,
                 const std::string& endpoint_id) const;
  // The NIC is still in `netns`: true when the daemon brings it home from
  // there after it answers (cni/service.h); false from a daemon older than
  // that, which released the endpoint and left the NIC in `netns`.
  Result<bool> ReleaseFrom(const std::string& network_id,
                           const std::string& endpoint_id,
                           const std::string& netns) const;
  // The attachments of the network that are not in `request.valid`.
  Result<std::vector<AttachInfo>> Stale(
      const wire::StaleRequest& request) const;
  // OK when the daemon answers and can serve; kFailedPrecondition with its
  // reason when it answers that it cannot yet.
  Status Health() const;
  // Whether anything accepts connections on the socket: false tells a
  // daemon that is not running from one that is slow.
  bool Listening() const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  Result<std::string> Call(const std::string& method, const std::string& body,
                           std::chrono::milliseconds timeout) const;

  const std::string socket_path_;
};

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_DAEMON_CLIENT_H_
