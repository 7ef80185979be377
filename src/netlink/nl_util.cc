#include "netlink/nl_util.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace hostnic {

std::string NlErrorText(int err) { return nl_geterror(err); }

Status NlStatus(int err, const std::string& doing) {
  std::string message = doing + ": " + NlErrorText(err);
  switch (err < 0 ? -err : err) {
    case NLE_EXIST:
      return Status::AlreadyExists(std::move(message));
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      return Status::NotFound(std::move(message));
    default:
      return Status::IoError(std::move(message));
  }
}

Result<NlSockPtr> ConnectRoute(const std::string& doing) {
  NlSockPtr sock(nl_socket_alloc());
  if (!sock) return Status::IoError(doing + ": out of memory");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return NlStatus(err, doing + ": opening a netlink socket");
  }
  return sock;
}

Mac LinkMac(rtnl_link* link) {
  nl_addr* addr = rtnl_link_get_addr(link);
  if (addr == nullptr || nl_addr_get_len(addr) != 6) return Mac();
  std::array<uint8_t, 6> bytes;
  std::memcpy(bytes.data(), nl_addr_get_binary_addr(addr), bytes.size());
  return Mac(bytes);
}

Link ToLink(rtnl_link* link) {
  Link out;
  out.ifindex = rtnl_link_get_ifindex(link);
  if (const char* name = rtnl_link_get_name(link)) out.name = name;
  out.mac = LinkMac(link);
  if (const char* kind = rtnl_link_get_type(link)) out.kind = kind;
  out.mtu = rtnl_link_get_mtu(link);
  const unsigned flags = rtnl_link_get_flags(link);
  out.up = (flags & IFF_UP) != 0;
  out.loopback = (flags & IFF_LOOPBACK) != 0;
  out.master = rtnl_link_get_master(link);
  out.slave = (flags & IFF_SLAVE) != 0;
  return out;
}

namespace {

bool IsTheNic(rtnl_link* link, const Mac& mac) {
  if (LinkMac(link) != mac) return false;
  const char* kind = rtnl_link_get_type(link);
  const std::string k = kind ? kind : "";
  return k != "vlan" && k != "macvlan" && k != "macvtap" && k != "ipvlan";
}

}  // namespace

Result<RtnlLinkPtr> FindNic(nl_sock* sock, const Mac& mac,
                            const std::string& doing) {
  nl_cache* cache = nullptr;
  const int err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &cache);
  NlCachePtr links(cache);
  if (err < 0) return NlStatus(err, doing + ": listing devices");
  for (nl_object* obj = nl_cache_get_first(links.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    if (!IsTheNic(link, mac)) continue;
    nl_object_get(obj);
    return RtnlLinkPtr(link);
  }
  return RtnlLinkPtr();
}

Result<RtnlLinkPtr> FindNicNamed(nl_sock* sock, const Mac& mac,
                                 const std::string& name,
                                 const std::string& doing) {
  rtnl_link* named = nullptr;
  const int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &named);
  RtnlLinkPtr link(named);
  if (err >= 0 && IsTheNic(link.get(), mac)) return link;
  if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV) {
    return NlStatus(err, doing + ": reading device " + name);
  }
  return FindNic(sock, mac, doing);
}

Result<NlAddrPtr> ToNlAddr(const Cidr& cidr, const std::string& doing) {
  NlAddrPtr addr(nl_addr_build(cidr.family, cidr.bytes.data(), cidr.size()));
  if (!addr) return Status::IoError(doing + ": out of memory");
  nl_addr_set_prefixlen(addr.get(), static_cast<int>(cidr.prefix_len));
  return addr;
}

std::string InNetns(const std::string& netns_path) {
  return " in network namespace " + netns_path;
}

std::string IpText(nl_addr* addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr == nullptr) return "";
  const int family = nl_addr_get_family(addr);
  if ((family == AF_INET && nl_addr_get_len(addr) == 4) ||
      (family == AF_INET6 && nl_addr_get_len(addr) == 16)) {
    inet_ntop(family, nl_addr_get_binary_addr(addr), text, sizeof(text));
  }
  return text;
}

Status FlushIfAddresses(nl_sock* sock, int ifindex, const std::string& doing) {
  nl_cache* cache = nullptr;
  const int err = rtnl_addr_alloc_cache(sock, &cache);
  NlCachePtr addrs(cache);
  if (err < 0) return NlStatus(err, doing + ": listing addresses");
  for (nl_object* obj = nl_cache_get_first(addrs.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    const int family = rtnl_addr_get_family(addr);
    if (rtnl_addr_get_ifindex(addr) != ifindex ||
        (family != AF_INET && family != AF_INET6)) {
      continue;
    }
    const int del = rtnl_addr_delete(sock, addr, 0);
    // Deleting an IPv4 primary address takes its secondaries with it.
    if (del < 0 && del != -NLE_NOADDR && del != -NLE_OBJ_NOTFOUND) {
      return NlStatus(
          del, doing + ": deleting " + IpText(rtnl_addr_get_local(addr)));
    }
  }
  return Status::Ok();
}

}  // namespace hostnic
