#include "netlink/sandbox_control.h"

#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/cidr.h"
#include "common/netns.h"
#include "netlink/netns_datapath.h"
#include "netlink/nl_ptr.h"
#include "netlink/nl_util.h"

namespace hostnic {

namespace {

// The type of the main-table route to exactly `dst`, or nullopt when there
// is none.
Result<std::optional<uint8_t>> MainRouteType(nl_sock* sock, nl_addr* dst,
                                             const std::string& doing) {
  nl_cache* cache = nullptr;
  const int err =
      rtnl_route_alloc_cache(sock, nl_addr_get_family(dst), 0, &cache);
  NlCachePtr routes(cache);
  if (err < 0) return NlStatus(err, doing + ": listing routes");
  for (nl_object* obj = nl_cache_get_first(routes.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* route = reinterpret_cast<rtnl_route*>(obj);
    nl_addr* route_dst = rtnl_route_get_dst(route);
    if (rtnl_route_get_table(route) == RT_TABLE_MAIN && route_dst != nullptr &&
        nl_addr_cmp(route_dst, dst) == 0) {
      return std::optional<uint8_t>(rtnl_route_get_type(route));
    }
  }
  return std::optional<uint8_t>();
}

Status AddUnreachable(nl_sock* sock, const std::string& destination,
                      const Cidr& cidr, const std::string& netns_path) {
  const std::string doing =
      "adding an unreachable route to " + destination + InNetns(netns_path);
  Result<NlAddrPtr> dst = ToNlAddr(cidr, doing);
  if (!dst.ok()) return dst.status();
  RtnlRoutePtr route(rtnl_route_alloc());
  if (!route) return Status::IoError(doing + ": out of memory");
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(cidr.family));
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_type(route.get(), RTN_UNREACHABLE);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  if (int err = rtnl_route_set_dst(route.get(), dst->get()); err < 0) {
    return NlStatus(err, doing);
  }
  const int err = rtnl_route_add(sock, route.get(), NLM_F_EXCL);
  if (err == -NLE_AF_NOSUPPORT && cidr.family == AF_INET6) {
    // Without IPv6 in the kernel no IPv6 packet can leave at all.
    spdlog::debug("{}: skipped, the kernel has no IPv6", doing);
    return Status::Ok();
  }
  if (err != -NLE_EXIST) {
    return err < 0 ? NlStatus(err, doing) : Status::Ok();
  }
  // EEXIST says only that some route has this destination and metric.
  Result<std::optional<uint8_t>> type = MainRouteType(sock, dst->get(), doing);
  if (!type.ok()) return type.status();
  if (*type == RTN_UNREACHABLE) return Status::Ok();
  char type_name[32] = "unknown";
  if (type->has_value()) nl_rtntype2str(**type, type_name, sizeof(type_name));
  return Status::AlreadyExists(doing + ": a route of type " + type_name +
                               " to it is already there, so it would stay "
                               "reachable");
}

}  // namespace

Status NetlinkSandboxControl::AddUnreachableRoutes(
    const std::string& netns_path,
    const std::vector<std::string>& destinations) {
  std::vector<Cidr> cidrs;
  for (const std::string& destination : destinations) {
    std::optional<Cidr> cidr = ParseCidr(destination);
    if (!cidr || !cidr->IsNetwork()) {
      return Status::InvalidArgument(
          "adding unreachable routes" + InNetns(netns_path) + ": \"" +
          destination +
          "\" is not a destination such as 169.254.169.254/32 (an address, "
          "a prefix length, no bits set after the prefix)");
    }
    cidrs.push_back(*cidr);
  }
  const std::string doing = "adding unreachable routes";
  return RunInNetns(netns_path, doing, [&]() -> Status {
    Result<NlSockPtr> sock = ConnectRoute(doing + InNetns(netns_path));
    if (!sock.ok()) return sock.status();
    for (size_t i = 0; i < cidrs.size(); ++i) {
      HOSTNIC_RETURN_IF_ERROR(
          AddUnreachable(sock->get(), destinations[i], cidrs[i], netns_path));
    }
    return Status::Ok();
  });
}

Status NetlinkSandboxControl::RemoveAddress(const std::string& netns_path,
                                            const Mac& mac,
                                            const std::string& cidr) {
  const std::string doing = "removing " + cidr + " from the NIC with MAC " +
                            mac.ToString() + InNetns(netns_path);
  const std::optional<Cidr> parsed = ParseCidr(cidr);
  if (!parsed) {
    return Status::InvalidArgument(doing + ": not a CIDR such as 10.0.1.23/24");
  }
  if (mac.IsZero()) return Status::InvalidArgument(doing + ": no MAC given");
  return RunInNetns(netns_path, doing, [&]() -> Status {
    Result<NlSockPtr> sock = ConnectRoute(doing);
    if (!sock.ok()) return sock.status();
    nl_cache* cache = nullptr;
    const int err = rtnl_link_alloc_cache(sock->get(), AF_UNSPEC, &cache);
    NlCachePtr links(cache);
    if (err < 0) return NlStatus(err, doing + ": listing devices");
    Result<NlAddrPtr> local = ToNlAddr(*parsed, doing);
    if (!local.ok()) return local.status();
    bool found = false;
    for (nl_object* obj = nl_cache_get_first(links.get()); obj != nullptr;
         obj = nl_cache_get_next(obj)) {
      auto* link = reinterpret_cast<rtnl_link*>(obj);
      if (LinkMac(link) != mac) continue;
      found = true;
      const char* name = rtnl_link_get_name(link);
      RtnlAddrPtr addr(rtnl_addr_alloc());
      if (!addr) return Status::IoError(doing + ": out of memory");
      rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link));
      rtnl_addr_set_family(addr.get(), parsed->family);
      if (int set = rtnl_addr_set_local(addr.get(), local->get()); set < 0) {
        return NlStatus(set, doing);
      }
      const int del = rtnl_addr_delete(sock->get(), addr.get(), 0);
      if (del < 0 && del != -NLE_NOADDR && del != -NLE_OBJ_NOTFOUND) {
        return NlStatus(del, "removing " + cidr + " from " +
                                 NicLabel(name ? name : "?", mac) +
                                 InNetns(netns_path));
      }
    }
    if (!found) return Status::NotFound(doing + ": no device has that MAC");
    return Status::Ok();
  });
}

Status NetlinkSandboxControl::InstallAddress(const std::string& netns_path,
                                             const Mac& mac,
                                             const std::string& cidr,
                                             const std::vector<Route>& routes) {
  const std::optional<Cidr> parsed = ParseCidr(cidr);
  if (!parsed) {
    return Status::InvalidArgument("installing " + cidr + InNetns(netns_path) +
                                   ": not a CIDR such as 10.0.1.23/24");
  }
  SandboxConfig config;
  config.addresses = {cidr};
  config.routes = routes;
  return NetnsDatapath().Configure(mac, netns_path, config).status();
}

}  // namespace hostnic
