// NetlinkLinkControl: hostnic::LinkControl over rtnetlink, in the caller's
// network namespace.
#ifndef HOSTNIC_NETLINK_LINK_CONTROL_H_
#define HOSTNIC_NETLINK_LINK_CONTROL_H_

#include <string>

#include "hostnic/link.h"
#include "hostnic/status.h"

namespace hostnic {

// Each call opens its own netlink socket, so calls from any number of
// threads share nothing and need no lock. Before changing anything a call
// reads the device at `link.ifindex` from the kernel and fails with kNotFound
// unless it still has `link.mac`.
class NetlinkLinkControl : public LinkControl {
 public:
  Result<Link> Refresh(const Link& link) override;
  Status SetMtu(const Link& link, unsigned mtu) override;
  Status SetName(const Link& link, const std::string& name) override;
  Status SetUp(const Link& link, bool up) override;
  Status FlushAddresses(const Link& link) override;
  // Through /proc/sys/net/ipv6/conf/NAME (the kernel offers no netlink
  // write); the name is checked against the MAC first. Where /proc/sys is
  // read-only (a managed plugin's container), the NIC's IPv6 address
  // generation mode is set instead ("none" while disabled, the kernel's
  // default "eui64" when enabled again), which keeps link-local and SLAAC
  // addresses and their routes off it all the same; the value returned is
  // then whether generation was already off.
  Result<bool> SetIpv6Disabled(const Link& link, bool disabled) override;

 private:
  Result<bool> SetIpv6AddressGeneration(const Link& link, bool on,
                                        const std::string& doing);
};

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_LINK_CONTROL_H_
