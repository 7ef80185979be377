// Inventory: the current set of host devices, kept up to date from netlink
// events instead of being rescanned per request, so every lookup is O(1)
// whether the host has 4 NICs or 1,000.
//
// Writers: the netlink monitor, through LinkEvents (Reset once, then
// Upsert/Remove and SetDefaultRouteLinks on every event). Readers: the
// driver, from any thread.
#ifndef HOSTNIC_DRIVER_INVENTORY_H_
#define HOSTNIC_DRIVER_INVENTORY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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
  // Answers the watches left (nullopt) and ends the watch thread.
  ~Inventory() override;

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

  // Called once with the device found by WatchMac, or with nullopt.
  using WatchDone = std::function<void(std::optional<Link>)>;

  // Calls `done` once: with the device once one with `mac` is present and
  // its name has not changed for `settle`; with nullopt after `timeout`, or
  // once `cancelled` returns true (asked on every change and on WakeWaiters,
  // with the inventory's lock held: it must not call the inventory). `done`
  // runs on the caller's thread, before WatchMac returns, when that is
  // decided at once; else later, without the lock, on the inventory's one
  // watch thread (started by the first watch that has to wait, ended by the
  // destructor, which gives every watch left nullopt). So any number of
  // watches needs no thread of its own; `done` must be quick, as it delays
  // the others.
  void WatchMac(const Mac& mac, std::chrono::milliseconds timeout,
                std::chrono::milliseconds settle,
                std::function<bool()> cancelled, WatchDone done);
  // WatchMac, blocking the caller until its answer, which it returns.
  std::optional<Link> WaitForMac(const Mac& mac,
                                 std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds settle,
                                 std::function<bool()> cancelled = nullptr);
  // Watches not yet answered.
  size_t watching() const;
  // Waits until no device has any of `macs`, or for `timeout`. Returns
  // whether none has.
  bool WaitUntilGone(const std::vector<Mac>& macs,
                     std::chrono::milliseconds timeout) const;
  // Has every watch ask its `cancelled` again.
  void WakeWaiters();

  // Called (outside the lock, on the writer's thread) after a device appears
  // or changes. One listener; set it before the monitor starts.
  void SetListener(Listener listener);
  // Called (outside the lock, on the writer's thread) with the last known
  // state of a device after it is removed (deleted, or moved to another
  // namespace). One listener; set it before the monitor starts.
  void SetRemovalListener(Listener listener);

 private:
  struct Watch {
    Mac mac;
    MonoTime deadline;
    std::chrono::milliseconds settle;
    std::function<bool()> cancelled;
    WatchDone done;
  };
  // Whether `watch` is answered at `now`: true with the device in `found`
  // or nullopt; false (and `*wake` lowered to when to look again) if not.
  bool AnsweredLocked(const Watch& watch, MonoTime now,
                      std::optional<Link>* found, MonoTime* wake) const;
  // The watch thread: answers watches as devices change and time passes.
  void WatchLoop();
  void IndexLocked(const Link& link);
  void UnindexLocked(const Link& link);

  Clock* const clock_;
  mutable std::mutex mu_;  // Guards every member below.
  // Devices changed, a watch was added, WakeWaiters was called, or the
  // inventory is being destroyed.
  mutable std::condition_variable changed_;
  std::list<Watch> watches_;  // Not yet answered.
  std::thread watch_thread_;  // Started by the first watch that waits.
  bool stopping_ = false;     // The destructor runs.
  bool ready_ = false;
  std::unordered_map<int, Link> by_index_;
  std::unordered_map<Mac, std::vector<int>> by_mac_;  // MAC -> ifindexes.
  std::unordered_map<std::string, int> by_name_;
  std::unordered_set<int> default_route_links_;
  // Last time each ifindex was added or renamed, for WatchMac's settle.
  std::unordered_map<int, MonoTime> changed_at_;
  Listener listener_;
  Listener removal_listener_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_INVENTORY_H_
