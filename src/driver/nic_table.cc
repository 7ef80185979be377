#include "driver/nic_table.h"

#include "driver/messages.h"

namespace hostnic {

const NetworkRecord* NicTable::Network(const std::string& id) const {
  auto it = networks_.find(id);
  return it == networks_.end() ? nullptr : &it->second;
}

void NicTable::PutNetwork(const NetworkRecord& network) {
  networks_[network.id] = network;
}

Status NicTable::RemoveNetwork(const std::string& id) {
  for (const auto& [endpoint_id, e] : endpoints_) {
    if (e.network_id == id) {
      return Status::FailedPrecondition(
          "network " + Short(id) + " still has endpoint " + Short(endpoint_id));
    }
  }
  networks_.erase(id);
  return Status::Ok();
}

const EndpointRecord* NicTable::Endpoint(const std::string& id) const {
  auto it = endpoints_.find(id);
  return it == endpoints_.end() ? nullptr : &it->second;
}

const EndpointRecord* NicTable::HolderOf(const Mac& mac) const {
  auto it = holders_.find(mac);
  return it == holders_.end() ? nullptr : &endpoints_.at(it->second);
}

std::vector<EndpointRecord> NicTable::EndpointsOf(
    const std::string& network_id) const {
  std::vector<EndpointRecord> found;
  for (const auto& [id, e] : endpoints_) {
    if (e.network_id == network_id) found.push_back(e);
  }
  return found;
}

Status NicTable::Hold(const EndpointRecord& endpoint) {
  if (!networks_.count(endpoint.network_id)) {
    return Status::FailedPrecondition(
        "endpoint " + Short(endpoint.id) + " cannot hold a NIC: network " +
        Short(endpoint.network_id) + " is unknown");
  }
  if (endpoints_.count(endpoint.id)) {
    return Status::FailedPrecondition("endpoint " + Short(endpoint.id) +
                                      " already holds a NIC");
  }
  if (const EndpointRecord* holder = HolderOf(endpoint.mac)) {
    return HeldBy(endpoint.mac.ToString(), *holder);
  }
  orphans_.erase(endpoint.mac);
  pending_removals_.erase(endpoint.id);
  endpoints_[endpoint.id] = endpoint;
  holders_[endpoint.mac] = endpoint.id;
  return Status::Ok();
}

Status NicTable::Update(const EndpointRecord& endpoint) {
  auto it = endpoints_.find(endpoint.id);
  if (it == endpoints_.end() || it->second.network_id != endpoint.network_id ||
      it->second.mac != endpoint.mac) {
    return Status::FailedPrecondition(
        "endpoint " + Short(endpoint.id) +
        " is unknown or would change its network or NIC");
  }
  if (endpoint.joined != it->second.joined) {
    in_sandbox_.erase(endpoint.id);
    metadata_pending_.erase(endpoint.id);
  }
  it->second = endpoint;
  return Status::Ok();
}

bool NicTable::Release(const std::string& endpoint_id, bool owed_restore,
                       bool record_removed) {
  auto it = endpoints_.find(endpoint_id);
  if (it == endpoints_.end()) return false;
  const EndpointRecord endpoint = it->second;
  endpoints_.erase(it);
  in_sandbox_.erase(endpoint_id);
  metadata_pending_.erase(endpoint_id);
  if (!record_removed) pending_removals_.insert(endpoint_id);
  auto held = holders_.find(endpoint.mac);
  if (held == holders_.end() || held->second != endpoint_id) return false;
  holders_.erase(held);
  // Another record of the NIC (from a damaged state directory) takes over.
  for (const auto& [id, e] : endpoints_) {
    if (e.mac == endpoint.mac) {
      holders_[e.mac] = id;
      return false;
    }
  }
  if (owed_restore) {
    orphans_[endpoint.mac] =
        OrphanRecord{endpoint.mac, endpoint.original, endpoint.id};
  }
  return true;
}

std::vector<std::string> NicTable::AddRecovered(
    const EndpointRecord& endpoint) {
  std::vector<std::string> problems;
  if (const EndpointRecord* holder = HolderOf(endpoint.mac);
      holder != nullptr && holder->id != endpoint.id) {
    problems.push_back("endpoint " + Short(endpoint.id) + " and endpoint " +
                       Short(holder->id) + " both record NIC " +
                       endpoint.mac.ToString() +
                       "; keeping both records, delete the stale container");
  }
  if (!networks_.count(endpoint.network_id)) {
    problems.push_back(
        "endpoint " + Short(endpoint.id) + " belongs to unknown network " +
        Short(endpoint.network_id) + "; its NIC " + endpoint.mac.ToString() +
        " stays held until Docker deletes it");
  }
  if (auto old = endpoints_.find(endpoint.id);
      old != endpoints_.end() && old->second.mac != endpoint.mac) {
    Release(endpoint.id, /*owed_restore=*/false, /*record_removed=*/true);
  }
  endpoints_[endpoint.id] = endpoint;
  holders_.emplace(endpoint.mac, endpoint.id);
  orphans_.erase(endpoint.mac);
  pending_removals_.erase(endpoint.id);
  return problems;
}

void NicTable::MarkInSandbox(const std::string& endpoint_id) {
  const EndpointRecord* e = Endpoint(endpoint_id);
  if (e != nullptr && (e->joined || e->left())) in_sandbox_.insert(endpoint_id);
}

bool NicTable::TakeInSandbox(const std::string& endpoint_id) {
  return in_sandbox_.erase(endpoint_id) > 0;
}

void NicTable::MarkMetadataPending(const std::string& endpoint_id) {
  const EndpointRecord* e = Endpoint(endpoint_id);
  if (e != nullptr && e->joined) metadata_pending_.insert(endpoint_id);
}

bool NicTable::TakeMetadataPending(const std::string& endpoint_id) {
  return metadata_pending_.erase(endpoint_id) > 0;
}

const OrphanRecord* NicTable::Orphan(const Mac& mac) const {
  auto it = orphans_.find(mac);
  return it == orphans_.end() ? nullptr : &it->second;
}

Status NicTable::PutOrphan(const OrphanRecord& orphan) {
  if (const EndpointRecord* holder = HolderOf(orphan.mac)) {
    return HeldBy(orphan.mac.ToString(), *holder);
  }
  orphans_[orphan.mac] = orphan;
  return Status::Ok();
}

bool NicTable::RemoveOrphan(const Mac& mac) { return orphans_.erase(mac) > 0; }

void NicTable::RemovalFailed(const std::string& endpoint_id) {
  if (!endpoints_.count(endpoint_id)) pending_removals_.insert(endpoint_id);
}

void NicTable::RemovalDone(const std::string& endpoint_id) {
  pending_removals_.erase(endpoint_id);
}

std::vector<std::string> NicTable::Violations() const {
  std::vector<std::string> broken;
  for (const auto& [mac, id] : holders_) {
    auto e = endpoints_.find(id);
    if (e == endpoints_.end()) {
      broken.push_back("NIC " + mac.ToString() + " is held by endpoint " +
                       Short(id) + ", which is unknown");
    } else if (e->second.mac != mac) {
      broken.push_back("NIC " + mac.ToString() + " is held by endpoint " +
                       Short(id) + ", which records NIC " +
                       e->second.mac.ToString());
    }
    if (orphans_.count(mac)) {
      broken.push_back("NIC " + mac.ToString() +
                       " is both held and owed a restore");
    }
  }
  for (const auto& [id, e] : endpoints_) {
    if (id != e.id) {
      broken.push_back("endpoint " + Short(id) + " is filed as " + Short(e.id));
    }
    if (!holders_.count(e.mac)) {
      broken.push_back("NIC " + e.mac.ToString() + " of endpoint " + Short(id) +
                       " has no holder");
    }
    if (pending_removals_.count(id)) {
      broken.push_back("endpoint " + Short(id) +
                       " is live and pending removal");
    }
  }
  for (const auto& [mac, orphan] : orphans_) {
    if (orphan.mac != mac) {
      broken.push_back("the restore owed to NIC " + orphan.mac.ToString() +
                       " is filed under " + mac.ToString());
    }
  }
  for (const std::string& id : in_sandbox_) {
    const EndpointRecord* e = Endpoint(id);
    if (e == nullptr || !(e->joined || e->left())) {
      broken.push_back("endpoint " + Short(id) +
                       " is marked in its sandbox but never joined one");
    }
  }
  for (const std::string& id : metadata_pending_) {
    const EndpointRecord* e = Endpoint(id);
    if (e == nullptr || !e->joined) {
      broken.push_back("endpoint " + Short(id) +
                       " awaits its sandbox but is not joined");
    }
  }
  return broken;
}

}  // namespace hostnic
