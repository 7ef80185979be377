// LinkMonitor: reports the devices and default routes of the caller's
// network namespace to a LinkEvents (the daemon's Inventory), keeping it
// equal to them. Start dumps links and routes once; one
// background thread then applies link and route events as they come. There
// is no periodic rescan; a full resync happens only after the kernel reports
// that events were lost (ENOBUFS).
#ifndef HOSTNIC_NETLINK_LINK_MONITOR_H_
#define HOSTNIC_NETLINK_LINK_MONITOR_H_

#include <atomic>
#include <cstdint>
#include <thread>
#include <unordered_set>

#include "hostnic/link.h"
#include "hostnic/status.h"
#include "netlink/nl_ptr.h"

namespace hostnic {

class LinkMonitor {
 public:
  static constexpr int kDefaultReceiveBuffer = 4 << 20;

  // `receive_buffer_bytes` sizes the event socket's kernel buffer; a smaller
  // one overruns (and resyncs) sooner. Tests use that.
  explicit LinkMonitor(int receive_buffer_bytes = kDefaultReceiveBuffer);
  ~LinkMonitor();  // Stops.
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  // Fills `target` (LinkEvents::Reset) from a dump, then reports every
  // change to it from the event thread. `target` must outlive the monitor.
  // Fails with kIoError when netlink does, and with kFailedPrecondition when
  // already started.
  // Start and Stop must not be called concurrently with each other.
  Status Start(LinkEvents* target);
  // Wakes and joins the event thread. Idempotent; a stopped monitor may be
  // started again.
  void Stop();

  // Full resyncs done since construction (each one after lost events).
  uint64_t resyncs() const { return resyncs_.load(); }

 private:
  void Run();
  // Drains the event socket; returns false when events were lost.
  bool DrainEvents();
  void HandleMessage(struct nlmsghdr* hdr);
  void HandleRoute(struct nlmsghdr* hdr);
  // Dumps links and routes and resets the reported state (LinkEvents::Reset).
  Status Resync();
  // Dumps routes only, for the IPv4 route flushes the kernel does silently.
  Status RefreshRoutes();
  Status DumpDefaultRoutes();
  // Recomputes the default-route ifindexes and reports them if they
  // changed.
  void PublishDefaultRoutes();
  std::unordered_set<int> DefaultRouteLinks() const;

  const int receive_buffer_bytes_;
  LinkEvents* target_ = nullptr;
  // Everything below is used by Start before the thread exists and then only
  // by the thread, so it needs no lock.
  NlSockPtr events_;           // Subscribed to link, route and address groups.
  NlSockPtr requests_;         // For dumps.
  NlCachePtr default_routes_;  // Default routes of the main table only.
  std::unordered_set<int> default_route_links_;  // As last published.
  int wake_fd_ = -1;                             // eventfd that Stop writes to.
  std::thread thread_;
  std::atomic<uint64_t> resyncs_{0};
};

}  // namespace hostnic

#endif  // HOSTNIC_NETLINK_LINK_MONITOR_H_
