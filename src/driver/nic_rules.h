// Naming NICs in options: a spec is a MAC (any case) or an interface name.
#ifndef HOSTNIC_DRIVER_NIC_RULES_H_
#define HOSTNIC_DRIVER_NIC_RULES_H_

#include <string>
#include <vector>

#include "hostnic/link.h"

namespace hostnic {

// Whether `spec` (as in hostnic.nics, hostnic.nic or --allow-nic) names
// `link`.
bool Matches(const std::string& spec, const Link& link);
bool MatchesAny(const std::vector<std::string>& specs, const Link& link);

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_NIC_RULES_H_
