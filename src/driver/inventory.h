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
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/mutex.h"
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
             const std::unordered_set<int>& default_route_links)
      EXCLUDES(mu_) override;
  // Adds or updates the device with `link.ifindex`.
  void Upsert(const Link& link) EXCLUDES(mu_) override;
  // Forgets the device (deleted or moved to another namespace).
  void Remove(int ifindex) EXCLUDES(mu_) override;
  // The ifindexes that carry a default route of the main routing table.
  void SetDefaultRouteLinks(const std::unordered_set<int>& ifindexes)
      EXCLUDES(mu_) override;

  // Returns the device with `mac`. When several devices share it (a bond and
  // its slaves, say) the one that is not enslaved wins; nullopt if none.
  std::optional<Link> FindByMac(const Mac& mac) const EXCLUDES(mu_);
  std::optional<Link> FindByName(const std::string& name) const EXCLUDES(mu_);
  std::optional<Link> FindByIndex(int ifindex) const EXCLUDES(mu_);
  bool HasDefaultRoute(int ifindex) const EXCLUDES(mu_);
  // A copy of every device, sorted by name.
  std::vector<Link> All() const EXCLUDES(mu_);
  // Whether Reset has been called at least once.
  bool Ready() const EXCLUDES(mu_);

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
                std::function<bool()> cancelled, WatchDone done) EXCLUDES(mu_);
  // WatchMac, blocking the caller until its answer, which it returns.
  std::optional<Link> WaitForMac(const Mac& mac,
                                 std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds settle,
                                 std::function<bool()> cancelled = nullptr)
      EXCLUDES(mu_);
  // Watches not yet answered.
  size_t watching() const EXCLUDES(mu_);
  // Waits until the device with `mac` is present under `name`, or under
  // another name while `name` is another device's (it cannot take it), or
  // for `timeout` (an empty `name`: once it is present). Returns the device
  // then, or nullopt. A device moved into the host under a name and renamed
  // at once shows up under both, one event after the other: this tells the
  // two apart.
  std::optional<Link> WaitForName(const Mac& mac, const std::string& name,
                                  std::chrono::milliseconds timeout) const
      EXCLUDES(mu_);
  // Waits until no device has any of `macs`, or for `timeout`. Returns
  // whether none has.
  bool WaitUntilGone(const std::vector<Mac>& macs,
                     std::chrono::milliseconds timeout) const EXCLUDES(mu_);
  // Has every watch ask its `cancelled` again.
  void WakeWaiters() EXCLUDES(mu_);

  // Called (outside the lock, on the writer's thread) after a device appears
  // or changes. One listener; set it before the monitor starts.
  void SetListener(Listener listener) EXCLUDES(mu_);
  // Called (outside the lock, on the writer's thread) with the last known
  // state of a device after it is removed (deleted, or moved to another
  // namespace). One listener; set it before the monitor starts.
  void SetRemovalListener(Listener listener) EXCLUDES(mu_);

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
  bool Answered(const Watch& watch, MonoTime now, std::optional<Link>* found,
                MonoTime* wake) const REQUIRES(mu_);
  // The watch thread: answers watches as devices change and time passes.
  void WatchLoop() EXCLUDES(mu_);
  void Index(const Link& link) REQUIRES(mu_);
  void Unindex(const Link& link) REQUIRES(mu_);

  Clock* const clock_;
  mutable Mutex mu_;
  // Under mu_: devices changed, a watch was added, WakeWaiters was called,
  // or the inventory is being destroyed.
  mutable std::condition_variable changed_;
  std::list<Watch> watches_ GUARDED_BY(mu_);  // Not yet answered.
  // Started by the first watch that waits.
  std::thread watch_thread_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;  // The destructor runs.
  bool ready_ GUARDED_BY(mu_) = false;
  std::unordered_map<int, Link> by_index_ GUARDED_BY(mu_);
  // MAC -> ifindexes.
  std::unordered_map<Mac, std::vector<int>> by_mac_ GUARDED_BY(mu_);
  std::unordered_map<std::string, int> by_name_ GUARDED_BY(mu_);
  std::unordered_set<int> default_route_links_ GUARDED_BY(mu_);
  // Last time each ifindex was added or renamed, for WatchMac's settle.
  std::unordered_map<int, MonoTime> changed_at_ GUARDED_BY(mu_);
  Listener listener_ GUARDED_BY(mu_);
  Listener removal_listener_ GUARDED_BY(mu_);
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_INVENTORY_H_
