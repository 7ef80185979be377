#include "netlink/link_monitor.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <malloc.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/errno_status.h"
#include "netlink/nl_util.h"

namespace hostnic {

namespace {

// A dump the kernel marks as interrupted (NLM_F_DUMP_INTR) is retried this
// many times before the error is reported.
constexpr int kDumpAttempts = 5;
constexpr int kResyncRetryMs = 1000;

bool IsMainDefaultRoute(rtnl_route* route) {
  const int family = rtnl_route_get_family(route);
  if (family != AF_INET && family != AF_INET6) return false;
  if (rtnl_route_get_table(route) != RT_TABLE_MAIN) return false;
  // IPv6 reports "unreachable default" with dev lo; it routes nothing.
  if (rtnl_route_get_type(route) != RTN_UNICAST) return false;
  nl_addr* dst = rtnl_route_get_dst(route);
  return dst == nullptr || nl_addr_get_prefixlen(dst) == 0;
}

// The single object libnl parses out of one rtnetlink message, or null.
NlObjectPtr ParseObject(nlmsghdr* hdr) {
  NlMsgPtr msg(nlmsg_convert(hdr));
  if (!msg) return nullptr;
  nlmsg_set_proto(msg.get(), NETLINK_ROUTE);
  nl_object* parsed = nullptr;
  nl_msg_parse(
      msg.get(),
      [](nl_object* obj, void* arg) {
        auto** out = static_cast<nl_object**>(arg);
        if (*out == nullptr) {
          nl_object_get(obj);  // libnl drops its own reference on return.
          *out = obj;
        }
      },
      &parsed);
  return NlObjectPtr(parsed);
}

template <typename T>
std::vector<T*> Objects(nl_cache* cache) {
  std::vector<T*> out;
  for (nl_object* obj = nl_cache_get_first(cache); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    out.push_back(reinterpret_cast<T*>(obj));
  }
  return out;
}

}  // namespace

LinkMonitor::LinkMonitor(int receive_buffer_bytes)
    : receive_buffer_bytes_(receive_buffer_bytes) {}

LinkMonitor::~LinkMonitor() { Stop(); }

Status LinkMonitor::Start(LinkEvents* target) {
  if (thread_.joinable()) {
    return Status::FailedPrecondition("the link monitor is already running");
  }
  const std::string doing = "starting the link monitor";
  Result<NlSockPtr> events = ConnectRoute(doing);
  if (!events.ok()) return events.status();
  Result<NlSockPtr> requests = ConnectRoute(doing);
  if (!requests.ok()) return requests.status();
  nl_sock* sock = events->get();
  // Subscribing before the dump means no event is missed between the two;
  // events already reflected in the dump are applied again, harmlessly.
  // IPv4 address deletions matter because the kernel flushes the routes
  // that depended on an address without saying so.
  if (int err =
          nl_socket_add_memberships(sock, RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE,
                                    RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR, 0);
      err < 0) {
    return NlStatus(err, doing + ": subscribing to link and route events");
  }
  if (int err = nl_socket_set_buffer_size(sock, receive_buffer_bytes_, 0);
      err < 0) {
    return NlStatus(err, doing + ": sizing the event socket");
  }
  if (int err = nl_socket_set_nonblocking(sock); err < 0) {
    return NlStatus(err, doing + ": making the event socket non-blocking");
  }
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    return ErrnoStatus(doing + ": eventfd");
  }

  target_ = target;
  events_ = std::move(events).value();
  requests_ = std::move(requests).value();
  wake_fd_ = wake_fd;
  if (Status status = Resync(); !status.ok()) {
    Stop();
    return status.Annotate(doing);
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void LinkMonitor::Stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    if (write(wake_fd_, &one, sizeof(one)) != sizeof(one)) {
      spdlog::error("link monitor: waking the event thread: {}",
                    ErrnoText(errno));
    }
    thread_.join();
  }
  if (wake_fd_ >= 0) close(wake_fd_);
  wake_fd_ = -1;
  events_.reset();
  requests_.reset();
  default_routes_.reset();
  default_route_links_.clear();
}

void LinkMonitor::Run() {
  pollfd fds[2] = {{nl_socket_get_fd(events_.get()), POLLIN, 0},
                   {wake_fd_, POLLIN, 0}};
  bool resync_pending = false;
  while (true) {
    // A failed resync is retried; otherwise the thread sleeps until an
    // event or Stop.
    const int timeout_ms = resync_pending ? kResyncRetryMs : -1;
    if (poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("link monitor: poll: {}; no longer following links",
                    ErrnoText(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0 && !DrainEvents()) {
      resyncs_.fetch_add(1);
      spdlog::warn("link monitor: netlink events were lost; resyncing");
      resync_pending = true;
    }
    if (resync_pending) {
      Status status = Resync();
      resync_pending = !status.ok();
      if (resync_pending) spdlog::error("link monitor: {}", status.message());
    }
  }
}

bool LinkMonitor::DrainEvents() {
  const int fd = nl_socket_get_fd(events_.get());
  std::vector<char> buffer(64 * 1024);
  bool lost = false;
  while (true) {
    // Peek at the size first: a truncated datagram would be lost for good.
    ssize_t size = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (size > static_cast<ssize_t>(buffer.size())) buffer.resize(size);
    ssize_t n =
        size < 0 ? size : recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return !lost;
      if (errno == ENOBUFS) {
        lost = true;
        continue;
      }
      spdlog::error("link monitor: reading netlink events: {}",
                    ErrnoText(errno));
      return !lost;
    }
    // After an overrun the dump that follows supersedes whatever is queued.
    if (lost) continue;
    auto* hdr = reinterpret_cast<nlmsghdr*>(buffer.data());
    for (int left = static_cast<int>(n); nlmsg_ok(hdr, left);
         hdr = nlmsg_next(hdr, &left)) {
      HandleMessage(hdr);
    }
  }
}

void LinkMonitor::HandleMessage(nlmsghdr* hdr) {
  switch (hdr->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return;
      const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(hdr));
      // The bridge announces port changes as AF_BRIDGE link messages,
      // including an RTM_DELLINK when a port leaves; they are not devices.
      if (ifi->ifi_family != AF_UNSPEC) return;
      const int ifindex = ifi->ifi_index;
      const bool had_default = default_route_links_.count(ifindex) > 0;
      if (hdr->nlmsg_type == RTM_DELLINK) {
        target_->Remove(ifindex);
      } else {
        NlObjectPtr obj = ParseObject(hdr);
        if (!obj) {
          spdlog::warn("link monitor: unparsable link message for ifindex {}",
                       ifindex);
          return;
        }
        target_->Upsert(ToLink(reinterpret_cast<rtnl_link*>(obj.get())));
      }
      // Taking a device down or deleting it flushes its IPv4 routes without
      // any route event.
      if (had_default &&
          (hdr->nlmsg_type == RTM_DELLINK || (ifi->ifi_flags & IFF_UP) == 0)) {
        if (Status status = RefreshRoutes(); !status.ok()) {
          spdlog::error("link monitor: {}", status.message());
        }
      }
      return;
    }
    case RTM_DELADDR: {
      if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) return;
      const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(hdr));
      // Removing an IPv4 address silently flushes routes through it.
      if (ifa->ifa_family == AF_INET &&
          default_route_links_.count(static_cast<int>(ifa->ifa_index)) > 0) {
        if (Status status = RefreshRoutes(); !status.ok()) {
          spdlog::error("link monitor: {}", status.message());
        }
      }
      return;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      HandleRoute(hdr);
      return;
    default:
      return;
  }
}

void LinkMonitor::HandleRoute(nlmsghdr* hdr) {
  if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return;
  const auto* rtm = static_cast<const rtmsg*>(NLMSG_DATA(hdr));
  if (rtm->rtm_dst_len != 0) return;  // Cheap filter before parsing.
  // libnl identifies a route by family, table, dst, tos and metric, but the
  // IPv4 FIB can hold several such routes ("ip route append"); only a dump
  // tells which remain. Default-route events are rare enough for that.
  if (rtm->rtm_family == AF_INET) {
    if (rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST) {
      return;
    }
    if (Status status = RefreshRoutes(); !status.ok()) {
      spdlog::error("link monitor: {}", status.message());
    }
    return;
  }
  NlObjectPtr obj = ParseObject(hdr);
  if (!obj || !IsMainDefaultRoute(reinterpret_cast<rtnl_route*>(obj.get()))) {
    return;
  }
  // For IPv6, nl_cache_include applies NEW/DEL the way libnl's own caches
  // do, including multipath routes that grow one nexthop at a time.
  if (int err =
          nl_cache_include(default_routes_.get(), obj.get(), nullptr, nullptr);
      err < 0) {
    spdlog::warn("link monitor: applying a default route event: {}",
                 NlErrorText(err));
  }
  PublishDefaultRoutes();
}

Status LinkMonitor::Resync() {
  std::vector<Link> links;
  int err = 0;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    nl_cache* cache = nullptr;
    err = rtnl_link_alloc_cache(requests_.get(), AF_UNSPEC, &cache);
    NlCachePtr owned(cache);
    if (err == -NLE_DUMP_INTR) continue;
    if (err < 0) break;
    for (rtnl_link* link : Objects<rtnl_link>(owned.get())) {
      links.push_back(ToLink(link));
    }
    break;
  }
  if (err < 0) return NlStatus(err, "dumping network devices");
  HOSTNIC_RETURN_IF_ERROR(DumpDefaultRoutes());
  default_route_links_ = DefaultRouteLinks();
  target_->Reset(links, default_route_links_);
  links = {};
  // The dump allocated and freed about 3 KiB per link; glibc keeps freed
  // heap unless asked, which at 1,024 NICs was 3 MB an idle daemon held.
  malloc_trim(0);
  return Status::Ok();
}

Status LinkMonitor::RefreshRoutes() {
  HOSTNIC_RETURN_IF_ERROR(DumpDefaultRoutes());
  PublishDefaultRoutes();
  return Status::Ok();
}

Status LinkMonitor::DumpDefaultRoutes() {
  int err = 0;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    nl_cache* cache = nullptr;
    err = rtnl_route_alloc_cache(requests_.get(), AF_UNSPEC, 0, &cache);
    NlCachePtr all(cache);
    if (err == -NLE_DUMP_INTR) continue;
    if (err < 0) break;
    nl_cache* defaults = nullptr;
    if (err = nl_cache_alloc_name("route/route", &defaults); err < 0) break;
    NlCachePtr owned(defaults);
    for (rtnl_route* route : Objects<rtnl_route>(all.get())) {
      if (!IsMainDefaultRoute(route)) continue;
      if (err = nl_cache_add(defaults, reinterpret_cast<nl_object*>(route));
          err < 0) {
        break;
      }
    }
    if (err < 0) break;
    default_routes_ = std::move(owned);
    return Status::Ok();
  }
  return NlStatus(err, "dumping routes");
}

void LinkMonitor::PublishDefaultRoutes() {
  std::unordered_set<int> links = DefaultRouteLinks();
  if (links == default_route_links_) return;
  default_route_links_ = links;
  target_->SetDefaultRouteLinks(links);
}

std::unordered_set<int> LinkMonitor::DefaultRouteLinks() const {
  std::unordered_set<int> links;
  if (!default_routes_) return links;
  for (rtnl_route* route : Objects<rtnl_route>(default_routes_.get())) {
    rtnl_route_foreach_nexthop(
        route,
        [](rtnl_nexthop* nh, void* arg) {
          if (int ifindex = rtnl_route_nh_get_ifindex(nh); ifindex > 0) {
            static_cast<std::unordered_set<int>*>(arg)->insert(ifindex);
          }
        },
        &links);
  }
  return links;
}

}  // namespace hostnic
