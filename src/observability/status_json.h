// The daemon's status document (GET /status), shared by the server that
// writes it and the `hostnic status` command that prints it.
#ifndef HOSTNIC_OBSERVABILITY_STATUS_JSON_H_
#define HOSTNIC_OBSERVABILITY_STATUS_JSON_H_

#include <functional>
#include <string>
#include <vector>

#include "hostnic/requests.h"
#include "hostnic/link.h"
#include "hostnic/status.h"

namespace hostnic::observability {

// The host network manager (NetworkManager, systemd-networkd) that manages
// `link`, or "" (the daemon asks src/host/network_managers.h).
using ManagerOf = std::function<std::string(const Link& link)>;

// {"version": ..., "nics": [{"name", "mac", "ifindex", "kind", "mtu", "up",
// "state", "reason", "manager", "network", "endpoint", "sandbox"}, ...]}
// where manager names the host network manager that manages a NIC hostnic
// could hand out (per `manager_of`, which returns "" for none; may be null:
// none known), and state is
// one of "free", "held" (endpoint created), "in-container" (joined; the NIC
// is away), "away" (held but not on the host, not joined) or "refused"
// (reason says why), sorted by state then name.
std::string StatusToJson(const std::vector<NicReport>& rows,
                         const std::string& version,
                         const ManagerOf& manager_of);

// Renders a status document as an aligned text table for people. Fails when
// `json` is not a status document.
Result<std::string> StatusJsonToTable(const std::string& json);

}  // namespace hostnic::observability

#endif  // HOSTNIC_OBSERVABILITY_STATUS_JSON_H_
