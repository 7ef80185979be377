// Finding the NIC a spec names.
#ifndef HOSTNIC_DRIVER_NIC_RULES_H_
#define HOSTNIC_DRIVER_NIC_RULES_H_

#include <optional>

#include "driver/inventory.h"
#include "hostnic/link.h"
#include "hostnic/nic_spec.h"

namespace hostnic {

// The device of the host that `spec` names, or nullopt.
std::optional<Link> FindNic(const Inventory& inventory, const NicSpec& spec);

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_NIC_RULES_H_
