#include "driver/inventory.h"

#include <algorithm>
#include <utility>

#include "common/await.h"

namespace hostnic {

namespace {

bool Enslaved(const Link& link) { return link.master != 0 || link.slave; }

// Several devices can share a MAC (a bond and its slaves, a bridge and its
// first port, VLANs and their parent). The lowest ifindex breaks ties so the
// answer does not depend on the order events arrived in.
const Link* Preferred(const std::vector<int>& ifindexes,
                      const std::unordered_map<int, Link>& by_index) {
  const Link* best = nullptr;
  for (int ifindex : ifindexes) {
    const Link& candidate = by_index.at(ifindex);
    if (best == nullptr || std::make_pair(Enslaved(candidate), ifindex) <
                               std::make_pair(Enslaved(*best), best->ifindex)) {
      best = &candidate;
    }
  }
  return best;
}

}  // namespace

Inventory::Inventory(Clock* clock) : clock_(clock) {}

Inventory::~Inventory() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (watch_thread_.joinable()) watch_thread_.join();
}

void Inventory::Reset(const std::vector<Link>& links,
                      const std::unordered_set<int>& default_route_links) {
  std::vector<Link> changed;
  Listener listener;
  {
    MutexLock lock(&mu_);
    const bool first = !ready_;
    const MonoTime now = clock_->Monotonic();
    std::unordered_map<int, Link> old = std::move(by_index_);
    std::unordered_map<int, MonoTime> old_changed_at = std::move(changed_at_);
    by_index_.clear();
    by_mac_.clear();
    by_name_.clear();
    changed_at_.clear();
    for (const Link& link : links) {
      by_index_[link.ifindex] = link;
      Index(link);
      // A resync must not restart the settle time of devices it merely
      // re-reads, or a waiter could be held back by an event overrun.
      auto prev = old.find(link.ifindex);
      auto at = old_changed_at.find(link.ifindex);
      if (prev != old.end() && prev->second.name == link.name &&
          at != old_changed_at.end()) {
        changed_at_[link.ifindex] = at->second;
      } else {
        changed_at_[link.ifindex] = now;
      }
      // After a resync the listener must still hear about what the lost
      // events would have told it; the first dump is not news to anyone.
      if (!first && (prev == old.end() || !(prev->second == link))) {
        changed.push_back(link);
      }
    }
    default_route_links_ = default_route_links;
    ready_ = true;
    listener = listener_;
  }
  changed_.notify_all();
  if (listener) {
    for (const Link& link : changed) listener(link);
  }
}

void Inventory::Upsert(const Link& link) {
  Listener listener;
  {
    MutexLock lock(&mu_);
    auto it = by_index_.find(link.ifindex);
    if (it != by_index_.end()) {
      if (it->second == link) return;  // Netlink repeats itself often.
      if (it->second.name != link.name)
        changed_at_[link.ifindex] = clock_->Monotonic();
      Unindex(it->second);
      it->second = link;
    } else {
      by_index_[link.ifindex] = link;
      changed_at_[link.ifindex] = clock_->Monotonic();
    }
    Index(link);
    listener = listener_;
  }
  changed_.notify_all();
  if (listener) listener(link);
}

void Inventory::Remove(int ifindex) {
  Link removed;
  Listener listener;
  {
    MutexLock lock(&mu_);
    auto it = by_index_.find(ifindex);
    if (it == by_index_.end()) return;
    removed = it->second;
    Unindex(it->second);
    by_index_.erase(it);
    changed_at_.erase(ifindex);
    default_route_links_.erase(ifindex);
    listener = removal_listener_;
  }
  changed_.notify_all();
  if (listener) listener(removed);
}

void Inventory::SetDefaultRouteLinks(const std::unordered_set<int>& ifindexes) {
  MutexLock lock(&mu_);
  default_route_links_ = ifindexes;
}

std::optional<Link> Inventory::FindByMac(const Mac& mac) const {
  MutexLock lock(&mu_);
  auto it = by_mac_.find(mac);
  if (it == by_mac_.end()) return std::nullopt;
  return *Preferred(it->second, by_index_);
}

std::optional<Link> Inventory::FindByName(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return by_index_.at(it->second);
}

std::optional<Link> Inventory::FindByIndex(int ifindex) const {
  MutexLock lock(&mu_);
  auto it = by_index_.find(ifindex);
  if (it == by_index_.end()) return std::nullopt;
  return it->second;
}

bool Inventory::HasDefaultRoute(int ifindex) const {
  MutexLock lock(&mu_);
  return default_route_links_.count(ifindex) > 0;
}

std::vector<Link> Inventory::All() const {
  std::vector<Link> links;
  {
    MutexLock lock(&mu_);
    links.reserve(by_index_.size());
    for (const auto& [ifindex, link] : by_index_) links.push_back(link);
  }
  std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) {
    return a.name != b.name ? a.name < b.name : a.ifindex < b.ifindex;
  });
  return links;
}

bool Inventory::Ready() const {
  MutexLock lock(&mu_);
  return ready_;
}

void Inventory::WatchMac(const Mac& mac, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds settle,
                         std::function<bool()> cancelled, WatchDone done) {
  MutexLock lock(&mu_);
  const MonoTime now = clock_->Monotonic();
  Watch watch{mac, now + timeout, settle, std::move(cancelled),
              std::move(done)};
  std::optional<Link> found;
  MonoTime wake = MonoTime::max();
  if (Answered(watch, now, &found, &wake)) {
    lock.Unlock();
    watch.done(std::move(found));
    return;
  }
  watches_.push_back(std::move(watch));
  if (!watch_thread_.joinable()) {
    watch_thread_ = std::thread([this] { WatchLoop(); });
  }
  lock.Unlock();
  changed_.notify_all();
}

std::optional<Link> Inventory::WaitForMac(const Mac& mac,
                                          std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds settle,
                                          std::function<bool()> cancelled) {
  return Await<std::optional<Link>>([&](WatchDone done) {
    WatchMac(mac, timeout, settle, std::move(cancelled), std::move(done));
  });
}

size_t Inventory::watching() const {
  MutexLock lock(&mu_);
  return watches_.size();
}

bool Inventory::Answered(const Watch& watch, MonoTime now,
                         std::optional<Link>* found, MonoTime* wake) const {
  if (watch.cancelled && watch.cancelled()) return true;
  if (auto it = by_mac_.find(watch.mac); it != by_mac_.end()) {
    const Link* link = Preferred(it->second, by_index_);
    const MonoTime settled_at = changed_at_.at(link->ifindex) + watch.settle;
    if (now >= settled_at) {
      *found = *link;
      return true;
    }
    *wake = std::min(*wake, settled_at);
  }
  if (now >= watch.deadline) return true;
  *wake = std::min(*wake, watch.deadline);
  return false;
}

void Inventory::WatchLoop() {
  MutexLock lock(&mu_);
  while (!stopping_) {
    if (watches_.empty()) {
      changed_.wait(*lock.native());
      continue;
    }
    const MonoTime now = clock_->Monotonic();
    MonoTime wake = MonoTime::max();
    std::vector<std::pair<WatchDone, std::optional<Link>>> answers;
    for (auto it = watches_.begin(); it != watches_.end();) {
      std::optional<Link> found;
      if (!Answered(*it, now, &found, &wake)) {
        ++it;
        continue;
      }
      answers.emplace_back(std::move(it->done), std::move(found));
      it = watches_.erase(it);
    }
    if (answers.empty()) {
      clock_->WaitUntil(&changed_, lock.native(), wake);
      continue;
    }
    lock.Unlock();
    for (auto& [done, found] : answers) done(std::move(found));
    lock.Lock();
  }
  std::list<Watch> left;
  left.swap(watches_);
  lock.Unlock();
  for (Watch& watch : left) watch.done(std::nullopt);
}

std::optional<Link> Inventory::WaitForName(
    const Mac& mac, const std::string& name,
    std::chrono::milliseconds timeout) const {
  MutexLock lock(&mu_);
  const MonoTime deadline = clock_->Monotonic() + timeout;
  for (;;) {
    if (auto it = by_mac_.find(mac); it != by_mac_.end()) {
      const Link* link = Preferred(it->second, by_index_);
      auto holder = by_name_.find(name);
      if (name.empty() || link->name == name ||
          (holder != by_name_.end() &&
           by_index_.at(holder->second).mac != mac)) {
        return *link;
      }
    }
    if (clock_->Monotonic() >= deadline) return std::nullopt;
    clock_->WaitUntil(&changed_, lock.native(), deadline);
  }
}

bool Inventory::WaitUntilGone(const std::vector<Mac>& macs,
                              std::chrono::milliseconds timeout) const {
  MutexLock lock(&mu_);
  const MonoTime deadline = clock_->Monotonic() + timeout;
  const auto present = [&]() REQUIRES(mu_) {
    return std::any_of(macs.begin(), macs.end(),
                       [&](const Mac& mac)
                           REQUIRES(mu_) { return by_mac_.count(mac) != 0; });
  };
  while (present()) {
    if (clock_->Monotonic() >= deadline) return false;
    clock_->WaitUntil(&changed_, lock.native(), deadline);
  }
  return true;
}

void Inventory::WakeWaiters() {
  // Taken so that the watch thread is not between asking a `cancelled` and
  // waiting: it asks again after this.
  { MutexLock lock(&mu_); }
  changed_.notify_all();
}

void Inventory::SetListener(Listener listener) {
  MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

void Inventory::SetRemovalListener(Listener listener) {
  MutexLock lock(&mu_);
  removal_listener_ = std::move(listener);
}

void Inventory::Index(const Link& link) {
  by_mac_[link.mac].push_back(link.ifindex);
  // Kernel names are unique, so a name still held by another ifindex is a
  // leftover of an event we have not seen yet; the newest holder wins.
  if (!link.name.empty()) by_name_[link.name] = link.ifindex;
}

void Inventory::Unindex(const Link& link) {
  auto mac = by_mac_.find(link.mac);
  if (mac != by_mac_.end()) {
    auto& ifindexes = mac->second;
    ifindexes.erase(
        std::remove(ifindexes.begin(), ifindexes.end(), link.ifindex),
        ifindexes.end());
    if (ifindexes.empty()) by_mac_.erase(mac);
  }
  auto name = by_name_.find(link.name);
  if (name != by_name_.end() && name->second == link.ifindex) {
    by_name_.erase(name);
  }
}

}  // namespace hostnic
