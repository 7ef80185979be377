// Link: what hostnic knows about one network device of the host namespace;
// LinkEvents: how the netlink layer reports the host's devices; and
// LinkControl: the few changes the driver makes to such a device.
//
// The netlink layer produces Links (from a dump and then from link/route
// events), reports them to a LinkEvents and implements LinkControl; the
// driver's Inventory is the LinkEvents the daemon wires in. The driver never
// sees libnl and the netlink layer never sees the driver. Tests substitute
// fakes.
#ifndef HOSTNIC_LINK_H_
#define HOSTNIC_LINK_H_

#include <string>
#include <unordered_set>
#include <vector>

#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic {

struct Link {
  int ifindex = 0;
  std::string name;
  Mac mac;
  std::string kind;  // rtnl link kind: "veth", "bridge", "bond", "" (real).
  unsigned mtu = 0;
  bool up = false;        // IFF_UP (administrative state).
  bool loopback = false;  // IFF_LOOPBACK.
  int master = 0;         // ifindex of the bridge/bond it is enslaved to.
  bool slave = false;     // IFF_SLAVE, set on bond members.

  bool operator==(const Link& o) const {
    return ifindex == o.ifindex && name == o.name && mac == o.mac &&
           kind == o.kind && mtu == o.mtu && up == o.up &&
           loopback == o.loopback && master == o.master && slave == o.slave;
  }
};

inline std::string NicLabel(const Link& link) {
  return NicLabel(link.name, link.mac);
}

// The devices and default routes of the host namespace, as the netlink
// layer learns them: one Reset after a full dump, then one call per change.
// Called on the reporter's single thread, never concurrently.
class LinkEvents {
 public:
  virtual ~LinkEvents() = default;
  // Everything there is: after the initial dump and after a resync.
  // `default_route_links` are the ifindexes that carry a default route of
  // the main routing table.
  virtual void Reset(const std::vector<Link>& links,
                     const std::unordered_set<int>& default_route_links) = 0;
  // The device with `link.ifindex` appeared or changed.
  virtual void Upsert(const Link& link) = 0;
  // The device is gone (deleted or moved to another namespace).
  virtual void Remove(int ifindex) = 0;
  // The default-route ifindexes changed (as in Reset).
  virtual void SetDefaultRouteLinks(
      const std::unordered_set<int>& ifindexes) = 0;
};

// Changes to one host device. Each call names the device by `link.mac` and
// `link.ifindex` as last seen in the inventory; implementations must check
// that the device at that ifindex still has that MAC and fail with kNotFound
// otherwise, so a stale ifindex can never touch the wrong NIC.
// Implementations are thread-safe and never change the caller's namespace.
class LinkControl {
 public:
  virtual ~LinkControl() = default;
  // The device as the kernel has it now. The inventory follows events and
  // may lag behind changes just made; decisions that compare against the
  // current MTU, name or state read it here.
  virtual Result<Link> Refresh(const Link& link) = 0;
  virtual Status SetMtu(const Link& link, unsigned mtu) = 0;
  // Renames the device; fails with kAlreadyExists when `name` is taken.
  virtual Status SetName(const Link& link, const std::string& name) = 0;
  virtual Status SetUp(const Link& link, bool up) = 0;
  // Removes every IPv4 and IPv6 address from the device.
  virtual Status FlushAddresses(const Link& link) = 0;
  // Sets net.ipv6.conf.<name>.disable_ipv6 of the device, so that bringing
  // it up adds no link-local or SLAAC address (and no route); returns the
  // value it had before, to put back.
  virtual Result<bool> SetIpv6Disabled(const Link& link, bool disabled) = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_LINK_H_
