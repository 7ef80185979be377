// How the driver names things in its messages: short IDs, "eth2 (MAC)",
// bounded lists. One place, so every error reads the same.
#ifndef HOSTNIC_DRIVER_MESSAGES_H_
#define HOSTNIC_DRIVER_MESSAGES_H_

#include <string>
#include <vector>

#include "hostnic/link.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

// The first 12 characters of a Docker ID, as `docker` prints them.
std::string Short(const std::string& id);
// "a, b, c and 5 more", or "none".
std::string JoinList(const std::vector<std::string>& items);
// kInvalidArgument naming `what` ("network", "endpoint") unless IsValidId.
Status CheckId(const char* what, const std::string& id);
// kBusy: NIC `nic` is held by `holder`.
Status HeldBy(const std::string& nic, const EndpointRecord& holder);

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_MESSAGES_H_
