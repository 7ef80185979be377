#include "netlink/link_control.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link/inet6.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <utility>

#include "common/errno_status.h"
#include "netlink/nl_ptr.h"
#include "netlink/nl_util.h"

namespace hostnic {

namespace {

// The device at `link.ifindex` as the kernel has it now, after checking that
// it is still the NIC the caller means.
Result<RtnlLinkPtr> ReadChecked(nl_sock* sock, const Link& link,
                                const std::string& doing) {
  // libnl asserts (and so aborts the daemon) on an ifindex of 0.
  if (link.ifindex <= 0) {
    return Status::NotFound(doing + ": " + NicLabel(link) + " has no ifindex");
  }
  rtnl_link* current = nullptr;
  const int err = rtnl_link_get_kernel(sock, link.ifindex, nullptr, &current);
  RtnlLinkPtr owned(current);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
    return Status::NotFound(doing + ": no device has ifindex " +
                            std::to_string(link.ifindex) + " any more");
  }
  if (err < 0) return NlStatus(err, doing + ": reading the device");
  const Mac mac = LinkMac(owned.get());
  if (mac != link.mac) {
    const char* name = rtnl_link_get_name(owned.get());
    return Status::NotFound(
        doing + ": ifindex " + std::to_string(link.ifindex) + " is now " +
        (name ? name : "?") + " with MAC " + mac.ToString());
  }
  return owned;
}

// Applies `set` to the device at `link.ifindex` once it is checked to be
// `link`.
Status Change(nl_sock* sock, const Link& link, const std::string& doing,
              const std::function<void(rtnl_link*)>& set) {
  Result<RtnlLinkPtr> current = ReadChecked(sock, link, doing);
  if (!current.ok()) return current.status();
  RtnlLinkPtr change(rtnl_link_alloc());
  if (!change) return Status::IoError(doing + ": out of memory");
  set(change.get());
  const int err = rtnl_link_change(sock, current->get(), change.get(), 0);
  if (err < 0) return NlStatus(err, doing);
  return Status::Ok();
}

Code CodeOf(const Status& status) { return status.code(); }

template <typename T>
Code CodeOf(const Result<T>& result) {
  return result.status().code();
}

}  // namespace

template <typename R, typename Call>
R NetlinkLinkControl::WithSocket(const std::string& doing, const Call& call) {
  NlSockPtr sock;
  {
    MutexLock lock(&mu_);
    if (!idle_.empty()) {
      sock = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!sock) {
    Result<NlSockPtr> opened = ConnectRoute(doing);
    if (!opened.ok()) return opened.status();
    sock = std::move(opened).value();
  }
  R result = call(sock.get());
  if (CodeOf(result) != Code::kIoError) {
    MutexLock lock(&mu_);
    idle_.push_back(std::move(sock));
  }
  return result;
}

Result<Link> NetlinkLinkControl::Refresh(const Link& link) {
  const std::string doing = "reading " + NicLabel(link);
  return WithSocket<Result<Link>>(doing, [&](nl_sock* sock) -> Result<Link> {
    Result<RtnlLinkPtr> current = ReadChecked(sock, link, doing);
    if (!current.ok()) return current.status();
    return ToLink(current->get());
  });
}

Status NetlinkLinkControl::SetMtu(const Link& link, unsigned mtu) {
  const std::string doing =
      "setting MTU " + std::to_string(mtu) + " on " + NicLabel(link);
  return WithSocket<Status>(doing, [&](nl_sock* sock) {
    return Change(sock, link, doing,
                  [mtu](rtnl_link* change) { rtnl_link_set_mtu(change, mtu); });
  });
}

Status NetlinkLinkControl::SetName(const Link& link, const std::string& name) {
  const std::string doing = "renaming " + NicLabel(link) + " to " + name;
  // libnl would silently truncate a long name.
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Status::InvalidArgument(doing + ": a device name has 1 to " +
                                   std::to_string(IFNAMSIZ - 1) +
                                   " characters");
  }
  return WithSocket<Status>(doing, [&](nl_sock* sock) {
    return Change(sock, link, doing, [&name](rtnl_link* change) {
      rtnl_link_set_name(change, name.c_str());
    });
  });
}

Status NetlinkLinkControl::SetUp(const Link& link, bool up) {
  const std::string doing =
      std::string(up ? "bringing up " : "bringing down ") + NicLabel(link);
  return WithSocket<Status>(doing, [&](nl_sock* sock) {
    return Change(sock, link, doing, [up](rtnl_link* change) {
      if (up) {
        rtnl_link_set_flags(change, IFF_UP);
      } else {
        rtnl_link_unset_flags(change, IFF_UP);
      }
    });
  });
}

Status NetlinkLinkControl::FlushAddresses(const Link& link) {
  const std::string doing = "removing the addresses of " + NicLabel(link);
  return WithSocket<Status>(doing, [&](nl_sock* sock) -> Status {
    Result<RtnlLinkPtr> current = ReadChecked(sock, link, doing);
    if (!current.ok()) return current.status();
    return FlushIfAddresses(sock, link.ifindex, doing);
  });
}

Result<bool> NetlinkLinkControl::SetIpv6Disabled(const Link& link,
                                                 bool disabled) {
  const std::string doing =
      std::string(disabled ? "turning off" : "turning on") + " IPv6 on " +
      NicLabel(link);
  // The sysctl is reached by name: make sure the name is this NIC's now.
  Result<std::string> name = WithSocket<Result<std::string>>(
      doing, [&](nl_sock* sock) -> Result<std::string> {
        Result<RtnlLinkPtr> current = ReadChecked(sock, link, doing);
        if (!current.ok()) return current.status();
        const char* kernel_name = rtnl_link_get_name(current->get());
        return std::string(kernel_name ? kernel_name : "");
      });
  if (!name.ok()) return name.status();
  const std::string path = "/proc/sys/net/ipv6/conf/" + *name + "/disable_ipv6";
  std::ifstream in(path);
  std::string before;
  if (!(in >> before)) {
    return ErrnoIoError(doing + ": reading " + path);
  }
  errno = 0;
  std::ofstream out(path);
  out << (disabled ? "1" : "0");
  out.flush();
  if (!out && errno == EROFS) {
    // A managed plugin's /proc/sys is read-only; the kernel still takes the
    // address generation mode over netlink.
    return SetIpv6AddressGeneration(link, !disabled, doing);
  }
  if (!out) {
    return ErrnoIoError(doing + ": writing " + path);
  }
  return before != "0";
}

Result<bool> NetlinkLinkControl::SetIpv6AddressGeneration(
    const Link& link, bool on, const std::string& doing) {
  return WithSocket<Result<bool>>(doing, [&](nl_sock* sock) -> Result<bool> {
    Result<RtnlLinkPtr> current = ReadChecked(sock, link, doing);
    if (!current.ok()) return current.status();
    uint8_t mode = IN6_ADDR_GEN_MODE_EUI64;
    int err = rtnl_link_inet6_get_addr_gen_mode(current->get(), &mode);
    if (err < 0 && err != -NLE_NOATTR) {
      return NlStatus(err,
                      doing + ": reading its IPv6 address generation mode");
    }
    const bool was_off = mode == IN6_ADDR_GEN_MODE_NONE;
    if (was_off != on) return was_off;
    const Status changed = Change(sock, link, doing, [on](rtnl_link* change) {
      rtnl_link_inet6_set_addr_gen_mode(
          change, on ? IN6_ADDR_GEN_MODE_EUI64 : IN6_ADDR_GEN_MODE_NONE);
    });
    if (!changed.ok()) return changed;
    return was_off;
  });
}

}  // namespace hostnic
