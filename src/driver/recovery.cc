// Recovery: reloading state at start, and putting back NICs hostnic owes
// something (released while away, or returned by the kernel under another
// name).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "driver/driver.h"
#include "driver/lease_book.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"
#include "driver/serial_queue.h"

namespace hostnic {

Result<std::vector<std::string>> Driver::Recover() {
  Result<Snapshot> snapshot = store_->Load();
  if (!snapshot.ok()) return snapshot.status();
  std::vector<std::string> problems = snapshot->problems;
  std::vector<EndpointRecord> returned = TakeIn(*snapshot, &problems);

  // A joined endpoint's NIC on the host is either about to be moved into a
  // sandbox that is still being made, or back from one torn down while
  // hostnic was down -- whose Leave/DeleteEndpoint Docker may have retried
  // with an empty body. Give Docker the grace to move it; what is still here
  // then came back. A left endpoint's NIC on the host is back for good, even
  // while its sandbox still exists: Docker is deleting that sandbox and its
  // DeleteEndpoint, cut by the restart, is retried with an empty body.
  std::vector<Mac> returned_macs;
  for (const EndpointRecord& e : returned) returned_macs.push_back(e.mac);
  inventory_->WaitUntilGone(returned_macs, options_.sandbox_grace);
  auto on_host = [&](const EndpointRecord& e) {
    return inventory_->FindByMac(e.mac).has_value();
  };
  std::vector<EndpointRecord> released;
  {
    MutexLock lock(&mu_);
    for (const EndpointRecord& e : returned) {
      const EndpointRecord* now = table_->Endpoint(e.id);
      if (!on_host(e) || now == nullptr || !(now->joined || now->left()) ||
          (now->joined && options_.sandbox_exists &&
           options_.sandbox_exists(now->sandbox_key))) {
        continue;
      }
      Status s = ReleaseEndpoint(*now);
      if (!s.ok()) {
        problems.push_back(s.message());
        continue;
      }
      problems.push_back("NIC " + e.mac.ToString() + " of endpoint " +
                         Short(e.id) +
                         " came back from its sandbox while hostnic was "
                         "down; released");
      released.push_back(e);
    }
  }
  for (const EndpointRecord& e : released) RunDetach(e);
  GuardRecovered(&problems);
  for (const std::string& p : problems) spdlog::warn("recovery: {}", p);
  MutexLock lock(&mu_);
  for (auto& [id, unjoined] : unjoined_) {
    unjoined.abandon_at = clock_->Now() + options_.unjoined_grace.count();
  }
  spdlog::info("recovered {} networks, {} endpoints, {} NICs to put back",
               table_->network_count(), table_->endpoints().size(),
               table_->orphan_count());
  return problems;
}

std::vector<EndpointRecord> Driver::TakeIn(
    const Snapshot& snapshot, std::vector<std::string>* problems_out) {
  std::vector<std::string>& problems = *problems_out;
  std::vector<EndpointRecord> returned;
  MutexLock lock(&mu_);
  for (const NetworkRecord& n : snapshot.networks) table_->PutNetwork(n);
  // A NIC is joined by one endpoint at a time, so a left endpoint whose NIC
  // a joined one records is older: a record whose removal failed. Kept, it
  // could take the NIC from the container that has it now.
  std::unordered_map<Mac, std::string> joined_by;
  for (const EndpointRecord& e : snapshot.endpoints) {
    if (e.joined) joined_by.emplace(e.mac, e.id);
  }
  for (const EndpointRecord& e : snapshot.endpoints) {
    if (auto holder = joined_by.find(e.mac);
        e.left() && holder != joined_by.end()) {
      problems.push_back("endpoint " + Short(e.id) + " left NIC " +
                         e.mac.ToString() + ", which endpoint " +
                         Short(holder->second) +
                         " has joined since; dropping its stale record");
      Status s = store_->RemoveEndpoint(e.id);
      if (!s.ok()) {
        problems.push_back(s.message());
        table_->RemovalFailed(e.id);
      }
      continue;
    }
    for (std::string& p : table_->AddRecovered(e)) {
      problems.push_back(std::move(p));
    }
    if (!e.joined && !e.left()) unjoined_[e.id] = {};
    if ((e.joined || e.left()) && inventory_->FindByMac(e.mac)) {
      returned.push_back(e);
    }
    // In its sandbox: when it comes back, the sandbox is being torn down.
    // Left before the restart, on its way back: no Join follows a Leave
    // across a restart, so its return is the sandbox's end too.
    if ((e.joined || e.left()) && !inventory_->FindByMac(e.mac)) {
      table_->MarkInSandbox(e.id);
    }
    if (!e.joined && !inventory_->FindByMac(e.mac)) {
      problems.push_back("NIC " + e.mac.ToString() + " (was " +
                         e.original.name + ") of endpoint " + Short(e.id) +
                         " is not on the host; it was detached or is in a "
                         "namespace hostnic does not know");
    }
  }
  for (const OrphanRecord& o : snapshot.orphans) {
    // A NIC a recorded endpoint holds is owed nothing (a crash between the
    // two writes of a hand-over).
    if (!table_->PutOrphan(o).ok()) {
      Status s = store_->RemoveOrphan(o.mac);
      if (!s.ok()) problems.push_back(s.message());
    }
  }
  // The stored leases' wall-clock times, converted once to the monotonic
  // clock that times them from now on.
  const UnixSeconds wall_now = clock_->Now();
  const MonoTime mono_now = clock_->Monotonic();
  for (const Lease& l : snapshot.leases) {
    Status s = (l.Ipv6() ? book6_ : book_)
                   ->Put(l, LeaseBook::ObtainedAt(l, wall_now, mono_now));
    if (!s.ok()) {
      problems.push_back("ignoring a stored lease: " + s.message());
    }
  }
  // NICs that came back while hostnic was down.
  for (const Link& link : inventory_->All()) {
    if (auto owed = Owed(link)) {
      Status s = Restore(link, *owed, /*came_back=*/true);
      if (!s.ok()) problems.push_back(s.message());
    }
  }
  return returned;
}

Status Driver::Restore(const Link& link, const NicState& original,
                       bool came_back) {
  const std::string doing = "putting NIC " + NicLabel(link) + " back";
  Result<Link> fresh = links_->Refresh(link);
  if (!fresh.ok()) return fresh.status().Annotate(doing);
  Link current = *fresh;
  if (came_back) {
    HOSTNIC_RETURN_IF_ERROR(links_->FlushAddresses(current).Annotate(doing));
  }
  if (original.mtu != 0 && current.mtu != original.mtu) {
    HOSTNIC_RETURN_IF_ERROR(
        links_->SetMtu(current, original.mtu).Annotate(doing));
    current.mtu = original.mtu;
  }
  if (!original.name.empty() && current.name != original.name) {
    // The kernel refuses to rename a device that is up.
    if (current.up) {
      HOSTNIC_RETURN_IF_ERROR(links_->SetUp(current, false).Annotate(doing));
      current.up = false;
    }
    Status renamed = links_->SetName(current, original.name);
    if (renamed.ok()) {
      current.name = original.name;
    } else {
      // Another device took the name meanwhile: keep the NIC usable under
      // the kernel's name rather than fail the release.
      spdlog::warn("{}: cannot rename it to {}: {}", doing, original.name,
                   renamed.message());
    }
  }
  if (current.up != original.up) {
    HOSTNIC_RETURN_IF_ERROR(
        links_->SetUp(current, original.up).Annotate(doing));
  }
  if (addresses_.guard != nullptr) {
    // Back from its container: the host does not keep the guard. One that
    // stays (logged) only keeps the host's own use of this NIC from the
    // metadata service; it must not keep the NIC from being released.
    Status s = addresses_.guard->Detach(link.mac, link.ifindex);
    if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
  }
  if (table_->RemoveOrphan(link.mac)) {
    Status s = store_->RemoveOrphan(link.mac);
    if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
  }
  return Status::Ok();
}

std::optional<NicState> Driver::Owed(const Link& link) const {
  if (const OrphanRecord* orphan = table_->Orphan(link.mac)) {
    return orphan->original;
  }
  const EndpointRecord* held = table_->HolderOf(link.mac);
  if (held == nullptr) return std::nullopt;
  // A joined endpoint's NIC belongs in its container. Seen here under
  // another name, the kernel gave it back (its namespace died): give it its
  // name back, and leave MTU and state to the release.
  const EndpointRecord& e = *held;
  if (!e.joined || link.name == e.original.name) return std::nullopt;
  return NicState{e.original.name, 0, link.up};
}

UnixSeconds Driver::ReleaseAbandoned() {
  std::vector<EndpointRecord> released;
  UnixSeconds next = kNever;
  {
    MutexLock lock(&mu_);
    const UnixSeconds now = clock_->Now();
    // ReleaseEndpoint erases from unjoined_: collect first.
    std::vector<std::pair<std::string, Unjoined>> due;
    for (const auto& [id, unjoined] : unjoined_) {
      if (now < unjoined.abandon_at) {
        next = std::min(next, unjoined.abandon_at);
      } else {
        due.emplace_back(id, unjoined);
      }
    }
    for (const auto& [id, unjoined] : due) {
      unjoined_.erase(id);
      const EndpointRecord* held = table_->Endpoint(id);
      if (held == nullptr) continue;
      EndpointRecord endpoint = *held;
      Status s = ReleaseEndpoint(endpoint);
      counters_.endpoints_abandoned++;
      if (!s.ok()) {
        spdlog::error("releasing abandoned endpoint {}: {}", Short(id),
                      s.message());
        continue;
      }
      spdlog::warn(
          "endpoint {} of network {} was {} and Docker has not joined it "
          "within {} s: Docker gave it up when {}; NIC {} released",
          Short(id), Short(endpoint.network_id),
          unjoined.late ? "answered past the call timeout"
                        : "created before hostnic restarted",
          options_.unjoined_grace.count(),
          unjoined.late ? "its call timed out"
                        : "its call was cut by the restart",
          endpoint.mac.ToString());
      released.push_back(endpoint);
    }
  }
  for (const EndpointRecord& e : released) RunDetach(e);
  return next;
}

Status Driver::ForgetOwedRestore(const Mac& mac) {
  MutexLock lock(&mu_);
  if (inventory_->FindByMac(mac) || !table_->RemoveOrphan(mac)) {
    return Status::Ok();
  }
  return store_->RemoveOrphan(mac).Annotate(
      "forgetting the restore owed to NIC " + mac.ToString());
}

void Driver::OnLinkChanged(const Link& link) {
  if (!link_events_->Post([this, link] { HandleLinkChanged(link); })) {
    HandleLinkChanged(link);
  }
}

void Driver::OnLinkRemoved(const Link& link) {
  if (!link_events_->Post([this, link] { HandleLinkRemoved(link); })) {
    HandleLinkRemoved(link);
  }
}

void Driver::DrainLinkEvents() { link_events_->Drain(); }

void Driver::HandleLinkChanged(const Link& link) {
  std::optional<EndpointRecord> released;
  {
    MutexLock lock(&mu_);
    const EndpointRecord* held = table_->HolderOf(link.mac);
    if (held != nullptr && table_->TakeInSandbox(held->id)) {
      // The NIC is back from its sandbox without a Leave: Docker is tearing
      // the sandbox down and Leave/DeleteEndpoint follow -- or were lost:
      // Docker retries a call that hit a restarting plugin with an empty
      // body. Release now; the calls that follow find nothing to do.
      EndpointRecord endpoint = *held;
      Status s = ReleaseEndpoint(endpoint);
      if (!s.ok()) {
        spdlog::warn("{}", s.message());
        return;
      }
      spdlog::info("NIC {} came back from sandbox {}: endpoint {} released",
                   NicLabel(link), endpoint.sandbox_key, Short(endpoint.id));
      released = endpoint;
    } else {
      std::optional<NicState> owed = Owed(link);
      if (!owed) return;
      Status s = Restore(link, *owed, /*came_back=*/true);
      if (!s.ok()) {
        spdlog::warn("{}", s.message());
        return;
      }
      spdlog::info("NIC {} came back to the host as {}; put back as {}",
                   link.mac.ToString(), link.name, owed->name);
    }
  }
  if (!released || !event_hooks_) return;  // Nothing to detach.
  if (!event_hooks_->Post(
          [this, endpoint = *released] { RunDetach(endpoint); })) {
    RunDetach(*released);
  }
}

void Driver::HandleLinkRemoved(const Link& link) {
  std::string sandbox_key;
  std::vector<std::string> guarded;
  {
    MutexLock lock(&mu_);
    const EndpointRecord* held = table_->HolderOf(link.mac);
    // A joined endpoint's NIC leaving the host is Docker moving it into the
    // sandbox.
    if (held == nullptr || !held->joined) return;
    table_->MarkInSandbox(held->id);
    if (table_->TakeMetadataPending(held->id)) sandbox_key = held->sandbox_key;
    if (const NetworkRecord* net = table_->Network(held->network_id)) {
      const Lease* lease = book_->LeaseOf(*held);
      guarded = OutsideOwnSubnets(
          GuardedAddresses(*net),
          {held->address, held->address6, lease ? lease->address : ""});
    }
  }
  if (sandbox_key.empty()) return;
  Status s =
      BlockMetadata(sandbox_key, guarded,
                    "NIC " + link.mac.ToString() + " moved into its sandbox");
  if (!s.ok()) {
    spdlog::error(
        "hostnic.block-metadata: the container on NIC {} can reach "
        "the metadata service: {}",
        link.mac.ToString(), s.message());
  }
}

}  // namespace hostnic
