#include "driver/lease_book.h"

#include <sys/socket.h>

#include <algorithm>

#include "common/cidr.h"
#include "driver/nic_table.h"

namespace hostnic {

namespace {

// Why `lease` may not be in the book (invariants 1-3), or empty.
std::string Unfit(const Lease& lease) {
  const std::string nic = "the lease of NIC " + lease.mac.ToString();
  if (lease.network_id.empty()) return nic + " names no network";
  if (lease.source != "dhcp" && lease.source != "hook") {
    return nic + " comes from \"" + lease.source + "\", not dhcp or hook";
  }
  std::optional<Cidr> address = ParseCidr(lease.address);
  if (!address || address->family != AF_INET) {
    return nic + " has address \"" + lease.address + "\", not an IPv4 CIDR";
  }
  if (lease.source == "hook" && lease.Expires()) {
    return nic + " comes from the address hook but expires";
  }
  if (lease.Expires() && !(lease.t1_seconds <= lease.t2_seconds &&
                           lease.t2_seconds <= lease.lease_seconds)) {
    return nic + " has T1 " + std::to_string(lease.t1_seconds) + " s, T2 " +
           std::to_string(lease.t2_seconds) + " s and lease time " +
           std::to_string(lease.lease_seconds) + " s out of order";
  }
  return "";
}

}  // namespace

const Lease* LeaseBook::Find(const Mac& mac) const {
  auto it = leases_.find(mac);
  return it == leases_.end() ? nullptr : &it->second;
}

const Lease* LeaseBook::LeaseOf(const EndpointRecord& endpoint) const {
  const Lease* lease = Find(endpoint.mac);
  if (lease == nullptr || endpoint.address.empty() ||
      lease->network_id != endpoint.network_id ||
      lease->address != endpoint.address) {
    return nullptr;
  }
  return lease;
}

std::optional<Lease> LeaseBook::Reusable(const Mac& mac,
                                         const std::string& network_id,
                                         UnixSeconds now) const {
  const Lease* lease = Find(mac);
  if (lease == nullptr || lease->network_id != network_id ||
      lease->source != "dhcp") {
    return std::nullopt;
  }
  if (lease->Expires() && now >= lease->acquired + lease->t1_seconds) {
    return std::nullopt;
  }
  return *lease;
}

Status LeaseBook::Check(const Lease& lease) {
  const std::string why = Unfit(lease);
  return why.empty() ? Status::Ok() : Status::InvalidArgument(why);
}

Status LeaseBook::Put(const Lease& lease) {
  HOSTNIC_RETURN_IF_ERROR(Check(lease));
  leases_[lease.mac] = lease;
  keeping_.erase(lease.mac);
  return Status::Ok();
}

void LeaseBook::Forget(const Mac& mac) {
  leases_.erase(mac);
  keeping_.erase(mac);
}

bool LeaseBook::Lose(const Lease& lease, const std::string& why) {
  auto it = leases_.find(lease.mac);
  if (it == leases_.end() || !(it->second == lease)) return false;
  leases_.erase(it);
  keeping_[lease.mac] = {"lost: " + why, 0};
  return true;
}

std::optional<UnixSeconds> LeaseBook::NoAnswer(const Lease& lease,
                                               bool rebinding, UnixSeconds now,
                                               const std::string& why) {
  auto it = leases_.find(lease.mac);
  if (it == leases_.end() || !(it->second == lease) || !lease.Expires()) {
    return std::nullopt;
  }
  const UnixSeconds limit =
      rebinding ? lease.expiry() : lease.acquired + lease.t2_seconds;
  Keeping& keeping = keeping_[lease.mac];
  keeping.retry_at = std::min(
      lease.expiry(), now + std::max(kMinRetrySeconds, (limit - now) / 2));
  keeping.state = std::string(rebinding ? "rebinding" : "renewing") +
                  " (last try: " + why + ")";
  return keeping.retry_at;
}

std::vector<LeaseBook::Due> LeaseBook::DueAt(UnixSeconds now,
                                             const NicTable& table,
                                             UnixSeconds* next) const {
  std::vector<Due> due;
  for (const auto& [mac, lease] : leases_) {
    const EndpointRecord* held = table.HolderOf(mac);
    if (!lease.Expires() || held == nullptr) continue;
    const EndpointRecord& e = *held;
    if (!e.joined || e.sandbox_key.empty() || LeaseOf(e) != &lease) continue;
    UnixSeconds at = lease.acquired + lease.t1_seconds;
    if (auto k = keeping_.find(mac); k != keeping_.end()) {
      at = std::max(at, k->second.retry_at);
    }
    if (now < at) {
      *next = std::min(*next, at);
      continue;
    }
    const NetworkRecord* net = table.Network(e.network_id);
    due.push_back(
        {lease, e.sandbox_key, now >= lease.acquired + lease.t2_seconds,
         now >= lease.expiry(),
         std::chrono::milliseconds(net == nullptr
                                       ? NetworkRecord().dhcp_timeout_ms
                                       : net->dhcp_timeout_ms)});
  }
  return due;
}

std::vector<Lease> LeaseBook::Unheld(const std::string& network_id,
                                     const NicTable& table) const {
  std::vector<Lease> unheld;
  for (const auto& [mac, lease] : leases_) {
    if (lease.network_id == network_id && table.HolderOf(mac) == nullptr) {
      unheld.push_back(lease);
    }
  }
  return unheld;
}

void LeaseBook::Report(NicReport* row, UnixSeconds now) const {
  if (const Lease* lease = Find(row->link.mac)) {
    row->lease = *lease;
    // A free NIC's lease is not renewed; the next container asks again.
    row->lease_state =
        lease->Expires() && now >= lease->expiry() ? "expired" : "bound";
  }
  if (auto it = keeping_.find(row->link.mac);
      it != keeping_.end() && !it->second.state.empty()) {
    row->lease_state = it->second.state;
  }
}

std::vector<std::string> LeaseBook::Violations() const {
  std::vector<std::string> broken;
  for (const auto& [mac, lease] : leases_) {
    if (lease.mac != mac) {
      broken.push_back("the lease filed under NIC " + mac.ToString() +
                       " is NIC " + lease.mac.ToString() + "'s");
    }
    if (std::string why = Unfit(lease); !why.empty()) broken.push_back(why);
  }
  for (const auto& [mac, keeping] : keeping_) {
    const std::string nic = "NIC " + mac.ToString();
    auto it = leases_.find(mac);
    if (it == leases_.end()) {
      if (keeping.state.rfind("lost: ", 0) != 0 || keeping.retry_at != 0) {
        broken.push_back(nic + " has no lease but is \"" + keeping.state +
                         "\" with a next try at " +
                         std::to_string(keeping.retry_at));
      }
      continue;
    }
    const Lease& lease = it->second;
    if (keeping.retry_at != 0 &&
        (!lease.Expires() || keeping.retry_at > lease.expiry())) {
      broken.push_back(
          nic + " is tried again at " + std::to_string(keeping.retry_at) +
          ", after its lease ends (" + std::to_string(lease.expiry()) + ")");
    }
    if (!lease.Expires() && !keeping.state.empty()) {
      broken.push_back(nic + " has a lease that never expires but is \"" +
                       keeping.state + "\"");
    }
  }
  return broken;
}

}  // namespace hostnic
