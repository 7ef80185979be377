// Delegation to a CNI IPAM plugin (static, host-local, dhcp, ...), as the
// spec says: the plugin named by "ipam.type" is found in CNI_PATH and run
// with the same environment and configuration, the verb changed to the one
// wanted.
#ifndef HOSTNIC_CNI_IPAM_H_
#define HOSTNIC_CNI_IPAM_H_

#include "cni/request.h"
#include "cni/result.h"
#include "hostnic/status.h"

namespace hostnic::cni {

// Runs the IPAM plugin of `request.conf` for `command` (a plain "static"
// section is applied without running it, cni/static_ipam.h). ADD returns its
// result (converted from whatever version it speaks); the other verbs an
// empty one. An IPAM plugin older than the configuration's cniVersion is
// given the newest version it speaks; one that does not know GC or STATUS
// (before 1.1.0) is not asked. Errors name the plugin and quote its error.
Result<CniResult> RunIpam(const Request& request, Command command);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_IPAM_H_
