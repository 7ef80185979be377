// Turning Docker's CreateNetwork request into a validated NetworkRecord, and
// the small address helpers that go with it.
#ifndef HOSTNIC_DRIVER_NETWORK_CONFIG_H_
#define HOSTNIC_DRIVER_NETWORK_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "common/cidr.h"
#include "hostnic/records.h"
#include "hostnic/requests.h"
#include "hostnic/status.h"

namespace hostnic {

// Validates every field and option of `request` (IDs, CIDRs, gateways, the
// hostnic.* options) and returns the record to persist. Options outside
// "com.docker." that hostnic does not know are rejected, listing the known
// ones.
Result<NetworkRecord> ParseNetwork(const CreateNetworkRequest& request);

// The NIC a CreateEndpoint request asks for, by --mac-address or by the
// endpoint option hostnic.nic (a name or MAC), or nullopt for any free NIC
// of the pool. kInvalidArgument for a malformed MAC or name, an unknown
// hostnic.* endpoint option, or a hostnic.nic that contradicts
// --mac-address.
Result<std::optional<NicSpec>> ParseWantedNic(
    const CreateEndpointRequest& request);

// "192.168.1.1/24" -> "192.168.1.1"; a plain IP is returned as is. Fails when
// what remains is not an IPv4 (v6 = false) or IPv6 (v6 = true) address.
Result<std::string> PlainIp(const std::string& ip_or_cidr, bool v6);

// OK when `address` (a CIDR as Docker sends it) lies inside `subnet`, or
// either is empty; kInvalidArgument naming both otherwise (a cloud drops
// packets from addresses outside the NIC's subnet).
Status CheckInSubnet(const std::string& address, const std::string& subnet);

// How many addresses of each family hostnic.metadata-addresses may list (the
// guard's map size, src/guard/guard.bpf.c).
constexpr size_t kMaxGuardedAddresses = 64;

// The addresses `network`'s metadata guard drops answers from: its
// hostnic.metadata-addresses, or the clouds' metadata services (AWS's IPv4
// and IPv6 endpoints, shared by GCE, Azure, OpenStack and QingCloud on IPv4,
// and Alibaba Cloud's).
const std::vector<std::string>& GuardedAddresses(const NetworkRecord& network);

// The addresses of `guarded` outside every subnet of `own` (the NIC's own
// addresses, CIDRs; empty ones are skipped): those that get unreachable
// routes in the container. Docker refuses to give a NIC an address while its
// subnet holds another route, and the routes may go in first; the metadata
// guard covers the rest.
std::vector<std::string> OutsideOwnSubnets(
    const std::vector<std::string>& guarded,
    const std::vector<std::string>& own);

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_NETWORK_CONFIG_H_
