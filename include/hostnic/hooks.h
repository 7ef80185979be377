// Hooks: operator commands run when hostnic needs a NIC that is not there
// (attach) and when it gives one back (detach) -- the place for the cloud
// CLI calls (qingcloud, aliyun, aws) that attach or detach a cloud NIC.
//
// Contract of a hook command (see docs/hooks.md):
//   argv:   COMMAND attach|detach   (run directly, never through a shell)
//   env:    HOSTNIC_EVENT=attach|detach, HOSTNIC_NETWORK_ID,
//   HOSTNIC_ENDPOINT_ID,
//           HOSTNIC_MAC (the NIC wanted or released; empty when attach may
//           pick any), HOSTNIC_IP (the endpoint's IPv4 CIDR, may be empty),
//           HOSTNIC_NIC (detach: the NIC's host name), plus PATH.
//   stdin:  /dev/null.
//   stdout: for attach, the first word that parses as a MAC names the NIC
//           attached; hostnic then waits for it to appear.
//   exit:   0 success; anything else fails the request with the hook's
//           last output line. A hook still running at its timeout is killed
//           (SIGKILL to its process group) and fails.
//   Every output line is logged with the hook's name.
#ifndef HOSTNIC_HOOKS_H_
#define HOSTNIC_HOOKS_H_

#include <optional>
#include <string>

#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic {

struct HookRequest {
  std::string network_id;
  std::string endpoint_id;
  std::optional<Mac> mac;
  std::string address;
  std::string nic_name;  // Detach only.
};

class Hooks {
 public:
  virtual ~Hooks() = default;
  // Whether an attach (detach) command is configured.
  virtual bool HasAttach() const = 0;
  virtual bool HasDetach() const = 0;
  // Runs the attach command; returns the MAC it printed, if any.
  virtual Result<std::optional<Mac>> Attach(const HookRequest& request) = 0;
  virtual Status Detach(const HookRequest& request) = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_HOOKS_H_
