// Small helpers shared by the netlink layer: where libnl errors become
// Status, and where rtnl_link becomes hostnic::Link.
#ifndef HOSTNIC_NETLINK_NL_UTIL_H_
#define HOSTNIC_NETLINK_NL_UTIL_H_

#include <string>

#include "common/cidr.h"
#include "hostnic/link.h"
#include "hostnic/status.h"
#include "netlink/nl_ptr.h"

namespace hostnic {

// libnl's sentence for the (negative) libnl error code `err`.
std::string NlErrorText(int err);

// A Status for the libnl error `err` met while `doing`, e.g. "setting MTU
// 9000 on eth2 (52:54:0e:e5:00:f7): Invalid input data or parameter".
// NLE_EXIST is kAlreadyExists, NLE_OBJ_NOTFOUND/NLE_NODEV kNotFound, anything
// else kIoError.
Status NlStatus(int err, const std::string& doing);

// A socket connected to NETLINK_ROUTE, or why not (prefixed with `doing`).
Result<NlSockPtr> ConnectRoute(const std::string& doing);

// The MAC of `link`, or the zero MAC when its address is not EUI-48.
Mac LinkMac(rtnl_link* link);

Link ToLink(rtnl_link* link);

// The NIC with `mac` in the socket's namespace, or null when there is none.
// A VLAN or macvlan on the NIC may share its MAC; the NIC itself is the one
// found. Lists every device of the namespace.
Result<RtnlLinkPtr> FindNic(nl_sock* sock, const Mac& mac,
                            const std::string& doing);

// FindNic, asking first for the device named `name` alone (one request,
// where listing a host of many devices costs as much as moving a NIC), and
// listing them all only when that one is not the NIC (renamed meanwhile).
Result<RtnlLinkPtr> FindNicNamed(nl_sock* sock, const Mac& mac,
                                 const std::string& name,
                                 const std::string& doing);

// `cidr` as a libnl address with its prefix length (kIoError, prefixed with
// `doing`, when out of memory).
Result<NlAddrPtr> ToNlAddr(const Cidr& cidr, const std::string& doing);

// "10.0.1.23" (no prefix) for an address libnl holds; empty when it is not
// IPv4 or IPv6.
std::string IpText(nl_addr* addr);

// Removes every IPv4 and IPv6 address of the device `ifindex` in the
// socket's namespace; addresses already gone are no error.
Status FlushIfAddresses(nl_sock* sock, int ifindex, const std::string& doing);

// " in network namespace PATH", for messages.
std::string InNetns(const std::string& netns_path);

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_NL_UTIL_H_
