// Owning pointers for libnl objects: each alias frees (or drops its reference
// to) the object with the function libnl provides for it.
#ifndef HOSTNIC_NETLINK_NL_PTR_H_
#define HOSTNIC_NETLINK_NL_PTR_H_

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <memory>

namespace hostnic {

template <auto Free>
struct NlDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using NlSockPtr = std::unique_ptr<nl_sock, NlDeleter<nl_socket_free>>;
using NlCachePtr = std::unique_ptr<nl_cache, NlDeleter<nl_cache_free>>;
using NlMsgPtr = std::unique_ptr<nl_msg, NlDeleter<nlmsg_free>>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlDeleter<nl_addr_put>>;
using NlObjectPtr = std::unique_ptr<nl_object, NlDeleter<nl_object_put>>;
using RtnlLinkPtr = std::unique_ptr<rtnl_link, NlDeleter<rtnl_link_put>>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, NlDeleter<rtnl_addr_put>>;
using RtnlRoutePtr = std::unique_ptr<rtnl_route, NlDeleter<rtnl_route_put>>;

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_NL_PTR_H_
