// Recovery: reloading state at start, and putting back NICs hostnic owes
// something (released while away, or returned by the kernel under another
// name).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "driver/messages.h"
#include "hostnic/driver.h"

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
  // then came back.
  const auto deadline =
      std::chrono::steady_clock::now() + options_.sandbox_grace;
  auto on_host = [&](const EndpointRecord& e) {
    return inventory_->FindByMac(e.mac).has_value();
  };
  while (std::any_of(returned.begin(), returned.end(), on_host) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<EndpointRecord> released;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const EndpointRecord& e : returned) {
      auto it = endpoints_.find(e.id);
      if (!on_host(e) || it == endpoints_.end() ||
          !(it->second.joined || it->second.left()) ||
          (options_.sandbox_exists &&
           options_.sandbox_exists(it->second.sandbox_key))) {
        continue;
      }
      Status s = ReleaseLocked(it->second);
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
  for (const std::string& p : problems) spdlog::warn("recovery: {}", p);
  std::lock_guard<std::mutex> lock(mu_);
  spdlog::info("recovered {} networks, {} endpoints, {} NICs to put back",
               networks_.size(), endpoints_.size(), orphans_.size());
  return problems;
}

std::vector<EndpointRecord> Driver::TakeIn(
    const Snapshot& snapshot, std::vector<std::string>* problems_out) {
  std::vector<std::string>& problems = *problems_out;
  std::vector<EndpointRecord> returned;
  std::lock_guard<std::mutex> lock(mu_);
  for (const NetworkRecord& n : snapshot.networks) networks_[n.id] = n;
  for (const EndpointRecord& e : snapshot.endpoints) {
    if (auto held = holders_.find(e.mac); held != holders_.end()) {
      problems.push_back("endpoint " + Short(e.id) + " and endpoint " +
                         Short(held->second) + " both record NIC " +
                         e.mac.ToString() + "; keeping both records, " +
                         "delete the stale container");
    }
    if (!networks_.count(e.network_id)) {
      problems.push_back("endpoint " + Short(e.id) +
                         " belongs to unknown network " + Short(e.network_id) +
                         "; its NIC " + e.mac.ToString() +
                         " stays held until Docker deletes it");
    }
    endpoints_[e.id] = e;
    holders_.emplace(e.mac, e.id);
    if ((e.joined || e.left()) && inventory_->FindByMac(e.mac)) {
      returned.push_back(e);
    }
    // In its sandbox: when it comes back, the sandbox is being torn down.
    if (e.joined && !inventory_->FindByMac(e.mac)) in_sandbox_.insert(e.id);
    if (!e.joined && !inventory_->FindByMac(e.mac)) {
      problems.push_back("NIC " + e.mac.ToString() + " (was " +
                         e.original.name + ") of endpoint " + Short(e.id) +
                         " is not on the host; it was detached or is in a "
                         "namespace hostnic does not know");
    }
  }
  for (const OrphanRecord& o : snapshot.orphans) orphans_[o.mac] = o;
  for (const Lease& l : snapshot.leases) leases_[l.mac] = l;
  // NICs that came back while hostnic was down.
  for (const Link& link : inventory_->All()) {
    if (auto owed = OwedLocked(link)) {
      Status s = RestoreLocked(link, *owed, /*came_back=*/true);
      if (!s.ok()) problems.push_back(s.message());
    }
  }
  return returned;
}

Status Driver::RestoreLocked(const Link& link, const NicState& original,
                             bool came_back) {
  const std::string doing = "putting NIC " + Describe(link) + " back";
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
  if (orphans_.erase(link.mac) > 0) {
    Status s = store_->RemoveOrphan(link.mac);
    if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
  }
  return Status::Ok();
}

std::optional<NicState> Driver::OwedLocked(const Link& link) const {
  if (auto orphan = orphans_.find(link.mac); orphan != orphans_.end()) {
    return orphan->second.original;
  }
  auto held = holders_.find(link.mac);
  if (held == holders_.end()) return std::nullopt;
  // A joined endpoint's NIC belongs in its container. Seen here under
  // another name, the kernel gave it back (its namespace died): give it its
  // name back, and leave MTU and state to the release.
  const EndpointRecord& e = endpoints_.at(held->second);
  if (!e.joined || link.name == e.original.name) return std::nullopt;
  return NicState{e.original.name, 0, link.up};
}

void Driver::OnLinkChanged(const Link& link) {
  std::optional<EndpointRecord> released;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto held = holders_.find(link.mac);
    if (held != holders_.end() && (in_sandbox_.erase(held->second) > 0 ||
                                   endpoints_.at(held->second).left())) {
      // The NIC is back from its sandbox (seen leaving, or after Leave):
      // Docker is tearing the sandbox down and DeleteEndpoint follows -- or
      // was lost: Docker retries a call that hit a restarting plugin with an
      // empty body. Release now; the calls that follow find nothing to do.
      EndpointRecord endpoint = endpoints_.at(held->second);
      Status s = ReleaseLocked(endpoint);
      if (!s.ok()) {
        spdlog::warn("{}", s.message());
        return;
      }
      spdlog::info("NIC {} came back from sandbox {}: endpoint {} released",
                   Describe(link), endpoint.sandbox_key, Short(endpoint.id));
      released = endpoint;
    } else {
      std::optional<NicState> owed = OwedLocked(link);
      if (!owed) return;
      Status s = RestoreLocked(link, *owed, /*came_back=*/true);
      if (!s.ok()) {
        spdlog::warn("{}", s.message());
        return;
      }
      spdlog::info("NIC {} came back to the host as {}; put back as {}",
                   link.mac.ToString(), link.name, owed->name);
    }
  }
  if (released) RunDetach(*released);
}

void Driver::OnLinkRemoved(const Link& link) {
  std::string sandbox_key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto held = holders_.find(link.mac);
    if (held == holders_.end()) return;
    // A joined endpoint's NIC leaving the host is Docker moving it into the
    // sandbox.
    const EndpointRecord& e = endpoints_.at(held->second);
    if (!e.joined) return;
    in_sandbox_.insert(e.id);
    if (metadata_pending_.erase(e.id) > 0) sandbox_key = e.sandbox_key;
  }
  if (sandbox_key.empty()) return;
  Status s = BlockMetadata(
      sandbox_key, "NIC " + link.mac.ToString() + " moved into its sandbox");
  if (!s.ok()) {
    spdlog::error(
        "hostnic.block-metadata: the container on NIC {} can reach "
        "the metadata service: {}",
        link.mac.ToString(), s.message());
  }
}

}  // namespace hostnic
