// The NIC's own address (DHCP or the daemon's address hook), as the daemon
// hands it over with an attachment (wire::Attachment's address,
// gateway and routes), turned into what the NIC gets in the container.
// Shared by the CNI and the netavark plugins.
#ifndef HOSTNIC_CNI_OWN_ADDRESS_H_
#define HOSTNIC_CNI_OWN_ADDRESS_H_

#include "cni/wire.h"
#include "netlink/netns_datapath.h"

namespace hostnic::cni {

// Adds `held`'s address and routes to `config`, and a default route through
// its gateway unless the routes have one. Nothing when it has no address.
void AddOwnAddress(const wire::Attachment& held, SandboxConfig* config);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_OWN_ADDRESS_H_
