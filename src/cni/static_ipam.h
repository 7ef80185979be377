// The "static" IPAM type applied by the plugin itself, instead of running
// containernetworking-plugins' static: the same addresses, routes and DNS,
// two process starts fewer per ADD and DEL (static keeps no state, so DEL,
// CHECK, GC and STATUS have nothing to do). Only a plain section is
// applied here; anything else runs the real plugin (cni/ipam.h).
#ifndef HOSTNIC_CNI_STATIC_IPAM_H_
#define HOSTNIC_CNI_STATIC_IPAM_H_

#include <optional>

#include "cni/request.h"
#include "cni/result.h"
#include "hostnic/status.h"

namespace hostnic::cni {

// nullopt when `request`'s ipam section is not a plain static one: type
// "static" with no keys but "addresses", "routes" and "dns", and no
// addresses from the runtime (CNI_ARGS IP or GATEWAY, "args" or
// runtimeConfig "ips"). Otherwise the outcome of `command`: for ADD the
// result (each address a CIDR, each gateway an address of its family, as
// static checks them; kInvalidArgument naming the value otherwise), an
// empty result for the other verbs.
std::optional<Result<CniResult>> RunStaticIpam(const Request& request,
                                               Command command);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_STATIC_IPAM_H_
