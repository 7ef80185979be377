// NetlinkLinkControl: hostnic::LinkControl over rtnetlink, in the network
// namespace of the threads that call it.
#ifndef HOSTNIC_NETLINK_LINK_CONTROL_H_
#define HOSTNIC_NETLINK_LINK_CONTROL_H_

#include <string>
#include <vector>

#include "common/mutex.h"
#include "hostnic/link.h"
#include "hostnic/status.h"
#include "netlink/nl_ptr.h"

namespace hostnic {

// Calls may come from any number of threads at once. Each borrows a
// connected NETLINK_ROUTE socket from a free list (opening one only when none
// is idle) and gives it back when done, so a steady stream of calls costs no
// socket set-up; the list never holds more sockets than calls ever ran at
// once. A socket reaches the namespace it was opened in: every call must come
// from a thread in one and the same network namespace (the daemon's own).
// After a call that failed with kIoError its socket is closed rather than
// given back, as replies may be left unread on it. Before changing anything a
// call reads the device at `link.ifindex` from the kernel and fails with
// kNotFound unless it still has `link.mac`.
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
  // Runs `call` with a borrowed socket: an idle one, else a new one.
  template <typename R, typename Call>
  R WithSocket(const std::string& doing, const Call& call);

  Result<bool> SetIpv6AddressGeneration(const Link& link, bool on,
                                        const std::string& doing);

  Mutex mu_;
  // Connected sockets no call is using.
  std::vector<NlSockPtr> idle_ GUARDED_BY(mu_);
};

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_LINK_CONTROL_H_
