// The NIC's own address (DHCP or the daemon's address hook; DHCPv6 or SLAAC
// for IPv6), as the daemon hands it over with an attachment
// (wire::Attachment's address, address6, gateways and routes), turned into what
// the NIC gets in the container. Shared by the CNI and the netavark plugins.
#ifndef HOSTNIC_CNI_OWN_ADDRESS_H_
#define HOSTNIC_CNI_OWN_ADDRESS_H_

#include "cni/wire.h"
#include "netlink/netns_datapath.h"

namespace hostnic::cni {

// Adds `held`'s addresses (IPv4, IPv6: hostnic.address6) and routes to
// `config`, and a default route through each family's gateway unless the
// routes have one. Nothing when it has no address.
void AddOwnAddress(const wire::Attachment& held, SandboxConfig* config);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_OWN_ADDRESS_H_
