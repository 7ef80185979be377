// Inventory: the current set of host devices, kept up to date from netlink
// events instead of being rescanned per request, so every lookup is O(1)
// whether the host has 4 NICs or 1,000.
//
// Writers: the netlink monitor, through LinkEvents (Reset once, then
// Upsert/Remove and SetDefaultRouteLinks on every event). Readers: the
// driver, from any thread.
#ifndef HOSTNIC_INVENTORY_H_
#define HOSTNIC_INVENTORY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hostnic/clock.h"
#include "hostnic/link.h"
#include "hostnic/mac.h"

namespace hostnic {

class Inventory : public LinkEvents {
 public:
  using Listener = std::function<void(const Link&)>;

  // `clock` times waits and settling; it must outlive the inventory.
  explicit Inventory(Clock* clock = SystemClock());

  // Replaces everything: used after the initial dump and after a resync.
  void Reset(const std::vector<Link>& links,
             const std::unordered_set<int>& default_route_links) override;
  // Adds or updates the device with `link.ifindex`.
  void Upsert(const Link& link) override;
  // Forgets the device (deleted or moved to another namespace).
  void Remove(int ifindex) override;
  // The ifindexes that carry a default route of the main routing table.
  void SetDefaultRouteLinks(const std::unordered_set<int>& ifindexes) override;

  // Returns the device with `mac`. When several devices share it (a bond and
  // its slaves, say) the one that is not enslaved wins; nullopt if none.
  std::optional<Link> FindByMac(const Mac& mac) const;
  std::optional<Link> FindByName(const std::string& name) const;
  std::optional<Link> FindByIndex(int ifindex) const;
  bool HasDefaultRoute(int ifindex) const;
  // A copy of every device, sorted by name.
  std::vector<Link> All() const;
  // Whether Reset has been called at least once.
  bool Ready() const;

  // Waits until a device with `mac` is present and its name has not changed
  // for `settle`, or for `timeout`, or until `cancelled` returns true
  // (asked at the start, on every change and on WakeWaiters; without the
  // lock, so it may consult the inventory). Returns the device or nullopt.
  std::optional<Link> WaitForMac(
      const Mac& mac, std::chrono::milliseconds timeout,
      std::chrono::milliseconds settle,
      const std::function<bool()>& cancelled = nullptr) const;
  // Waits until no device has any of `macs`, or for `timeout`. Returns
  // whether none has.
  bool WaitUntilGone(const std::vector<Mac>& macs,
                     std::chrono::milliseconds timeout) const;
  // Wakes every WaitForMac, so that it asks its `cancelled` again.
  void WakeWaiters();

  // Called (outside the lock, on the writer's thread) after a device appears
  // or changes. One listener; set it before the monitor starts.
  void SetListener(Listener listener);
  // Called (outside the lock, on the writer's thread) with the last known
  // state of a device after it is removed (deleted, or moved to another
  // namespace). One listener; set it before the monitor starts.
  void SetRemovalListener(Listener listener);

 private:
  void IndexLocked(const Link& link);
  void UnindexLocked(const Link& link);

  Clock* const clock_;
  mutable std::mutex mu_;  // Guards every member below.
  // Devices changed, or WakeWaiters was called.
  mutable std::condition_variable changed_;
  // Bumped by every change and by WakeWaiters, so that a waiter asking its
  // `cancelled` without the lock misses neither.
  uint64_t version_ = 0;
  bool ready_ = false;
  std::unordered_map<int, Link> by_index_;
  std::unordered_map<Mac, std::vector<int>> by_mac_;  // MAC -> ifindexes.
  std::unordered_map<std::string, int> by_name_;
  std::unordered_set<int> default_route_links_;
  // Last time each ifindex was added or renamed, for WaitForMac's settle.
  std::unordered_map<int, MonoTime> changed_at_;
  Listener listener_;
  Listener removal_listener_;
};

}  // namespace hostnic

#endif  // HOSTNIC_INVENTORY_H_
