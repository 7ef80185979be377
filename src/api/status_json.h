// The daemon's status document (GET /status), shared by the server that
// writes it and the `hostnic status` command that prints it.
#ifndef HOSTNIC_API_STATUS_JSON_H_
#define HOSTNIC_API_STATUS_JSON_H_

#include <string>
#include <vector>

#include "host/network_managers.h"
#include "hostnic/driver.h"
#include "hostnic/status.h"

namespace hostnic::api {

// {"version": ..., "nics": [{"name", "mac", "ifindex", "kind", "mtu", "up",
// "state", "reason", "manager", "network", "endpoint", "sandbox"}, ...]}
// where manager names the host network manager (per `managers`, may be null)
// that manages a NIC hostnic could hand out, and state is
// one of "free", "held" (endpoint created), "in-container" (joined; the NIC
// is away), "away" (held but not on the host, not joined) or "refused"
// (reason says why), sorted by state then name.
std::string StatusToJson(const std::vector<NicReport>& rows,
                         const std::string& version,
                         const NetworkManagers* managers);

// Renders a status document as an aligned text table for people. Fails when
// `json` is not a status document.
Result<std::string> StatusJsonToTable(const std::string& json);

}  // namespace hostnic::api

#endif  // HOSTNIC_API_STATUS_JSON_H_
