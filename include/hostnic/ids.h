// The IDs Docker (and the CNI front end) name networks and endpoints by.
// Shared by the driver, which refuses bad ones, and the store, which names
// its files after them.
#ifndef HOSTNIC_IDS_H_
#define HOSTNIC_IDS_H_

#include <string>

namespace hostnic {

// Docker IDs are 64 hex digits; hostnic accepts 1-128 characters of
// [A-Za-z0-9_-] so an ID can never name a path outside the state directory.
bool IsValidId(const std::string& id);

}  // namespace hostnic

#endif  // HOSTNIC_IDS_H_
