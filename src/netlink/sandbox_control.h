// NetlinkSandboxControl: hostnic::SandboxControl over rtnetlink, inside a
// container's network namespace.
#ifndef HOSTNIC_NETLINK_SANDBOX_CONTROL_H_
#define HOSTNIC_NETLINK_SANDBOX_CONTROL_H_

#include <string>
#include <vector>

#include "hostnic/address.h"

namespace hostnic {

// Each call enters the namespace with RunInNetns (common/netns.h) and opens
// its own netlink socket there, so calls from any number of threads share
// nothing and need no lock; the caller's namespace never changes. All input
// is checked before the namespace is entered.
//
// Errors common to both calls: kNotFound when `netns_path` does not exist,
// kIoError when it is not a network namespace or the kernel refuses; every
// message says what was being done, in which namespace, and names the NIC
// (name and MAC) when one is involved.
class NetlinkSandboxControl : public SandboxControl {
 public:
  // Adds, to the main table, a route of type unreachable (scope universe,
  // the kernel's default metric) for each CIDR in `destinations`, in order:
  // a packet or connect() to such a destination fails at once with
  // EHOSTUNREACH instead of leaving the container.
  //   * A destination must be "ADDRESS/LENGTH" with no bits set after the
  //     prefix (e.g. "169.254.169.254/32", "fd00:ec2::254/128"); anything
  //     else fails the whole call with kInvalidArgument before any change.
  //   * An unreachable route already there for the same destination is kept
  //     (the call is idempotent). Any other route with the same destination
  //     and metric (a unicast route, say) is left alone and the call fails
  //     with kAlreadyExists: the destination would stay reachable.
  //   * IPv6 destinations are added even when IPv6 is disabled in the
  //     namespace (disable_ipv6), so that enabling it later does not open
  //     the way. Only when the kernel has no IPv6 at all (booted with
  //     ipv6.disable=1), where no IPv6 packet can leave, are they skipped
  //     (logged at debug).
  // Routes added before a failure stay.
  Status AddUnreachableRoutes(
      const std::string& netns_path,
      const std::vector<std::string>& destinations) override;

  // Deletes the IPv4 address `cidr` ("10.0.1.23/24": address and prefix
  // length must both match) from every device with `mac` in the namespace
  // (normally one; a VLAN on it shares the MAC). OK when no such device
  // carries it. As always in Linux, deleting a primary address also deletes
  // the secondary addresses of its subnet on that device, unless
  // net.ipv4.conf.<device>.promote_secondaries is set. kInvalidArgument when
  // `cidr` is not an IPv4 CIDR or `mac` is zero; kNotFound when no device there
  // has `mac`.
  Status RemoveAddress(const std::string& netns_path, const Mac& mac,
                       const std::string& cidr) override;

  // NetnsDatapath::Configure with `cidr` and `routes`; kInvalidArgument
  // when `cidr` is not IPv4.
  Status InstallAddress(const std::string& netns_path, const Mac& mac,
                        const std::string& cidr,
                        const std::vector<Route>& routes) override;
};

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_SANDBOX_CONTROL_H_
