// Turning Docker's CreateNetwork request into a validated NetworkRecord, and
// the small address helpers that go with it.
#ifndef HOSTNIC_DRIVER_NETWORK_CONFIG_H_
#define HOSTNIC_DRIVER_NETWORK_CONFIG_H_

#include <optional>
#include <string>

#include "hostnic/driver.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

// The network options hostnic understands, comma separated, for messages.
extern const char kKnownNetworkOptions[];

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

// Whether `text` is an IPv6 address or CIDR (contains ':').
bool LooksLikeIpv6(const std::string& text);

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_NETWORK_CONFIG_H_
