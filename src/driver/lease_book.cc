#include "driver/lease_book.h"

#include <sys/socket.h>

#include <algorithm>

#include "common/cidr.h"
#include "driver/nic_table.h"

namespace hostnic {

namespace {

// Whether `lease` comes from a server that renews it (DHCP, DHCPv6); the
// others never expire.
bool Renewed(const Lease& lease) {
  return lease.source == "dhcp" || lease.source == "dhcp6";
}

// Why `lease` may not be in the book (invariants 1-3), or empty.
std::string Unfit(const Lease& lease) {
  const std::string nic = "the lease of NIC " + lease.mac.ToString();
  if (lease.network_id.empty()) return nic + " names no network";
  if (lease.source != "dhcp" && lease.source != "hook" && !lease.Ipv6()) {
    return nic + " comes from \"" + lease.source +
           "\", not dhcp, hook, dhcp6 or slaac";
  }
  std::optional<Cidr> address = ParseCidr(lease.address);
  const int family = lease.Ipv6() ? AF_INET6 : AF_INET;
  if (!address || address->family != family) {
    return nic + " has address \"" + lease.address + "\", not an IPv" +
           (lease.Ipv6() ? "6" : "4") + " CIDR";
  }
  if (!Renewed(lease) && (lease.Expires() || lease.lost)) {
    return nic + " comes from " + lease.source + " but expires or is lost";
  }
  if (lease.Expires() && !(lease.t1_seconds <= lease.t2_seconds &&
                           lease.t2_seconds <= lease.lease_seconds)) {
    return nic + " has T1 " + std::to_string(lease.t1_seconds) + " s, T2 " +
           std::to_string(lease.t2_seconds) + " s and lease time " +
           std::to_string(lease.lease_seconds) + " s out of order";
  }
  return "";
}

// A lease's times in seconds, on the monotonic clock's scale.
MonoTime::duration Seconds(int64_t s) {
  return std::chrono::duration_cast<MonoTime::duration>(
      std::chrono::seconds(s));
}

}  // namespace

MonoTime LeaseBook::At(const Mac& mac, uint32_t seconds) const {
  return obtained_.at(mac) + Seconds(seconds);
}

MonoTime LeaseBook::ObtainedAt(const Lease& lease, UnixSeconds wall_now,
                               MonoTime mono_now) {
  // Bounded both ways: a damaged record's `acquired` cannot overflow, and
  // no lease time (32 bits) outlasts an age of 2^32 s.
  constexpr int64_t kOldest = int64_t{1} << 32;
  int64_t age = 0;
  if (lease.acquired < wall_now) {
    age = lease.acquired < wall_now - kOldest ? kOldest
                                              : wall_now - lease.acquired;
  }
  return mono_now - Seconds(age);
}

bool LeaseBook::Current(const Lease& lease) const {
  const Lease* now = Find(lease.mac);
  return now != nullptr && *now == lease;
}

const Lease* LeaseBook::Find(const Mac& mac) const {
  auto it = leases_.find(mac);
  return it == leases_.end() ? nullptr : &it->second;
}

const Lease* LeaseBook::LeaseOf(const EndpointRecord& endpoint) const {
  const Lease* lease = Find(endpoint.mac);
  const std::string& own =
      lease != nullptr && lease->Ipv6() ? endpoint.address6 : endpoint.address;
  if (lease == nullptr || own.empty() ||
      lease->network_id != endpoint.network_id || lease->address != own) {
    return nullptr;
  }
  return lease;
}

std::optional<Lease> LeaseBook::Reusable(const Mac& mac,
                                         const std::string& network_id,
                                         MonoTime now) const {
  const Lease* lease = Find(mac);
  if (lease == nullptr || lease->network_id != network_id || !Renewed(*lease) ||
      lease->lost) {
    return std::nullopt;
  }
  if (lease->Expires() && now >= At(mac, lease->t1_seconds)) {
    return std::nullopt;
  }
  return *lease;
}

Status LeaseBook::Check(const Lease& lease) {
  const std::string why = Unfit(lease);
  return why.empty() ? Status::Ok() : Status::InvalidArgument(why);
}

Status LeaseBook::Put(const Lease& lease, MonoTime obtained) {
  HOSTNIC_RETURN_IF_ERROR(Check(lease));
  leases_[lease.mac] = lease;
  obtained_[lease.mac] = obtained;
  keeping_.erase(lease.mac);
  return Status::Ok();
}

bool LeaseBook::Regained(const Lease& old, const Lease& lease,
                         MonoTime obtained, const std::string& note) {
  if (old.mac != lease.mac || lease.lost || !Current(old) ||
      !Check(lease).ok()) {
    return false;
  }
  leases_[lease.mac] = lease;
  obtained_[lease.mac] = obtained;
  keeping_[lease.mac] = {Phase::kBound, note, MonoTime(), true};
  return true;
}

void LeaseBook::Forget(const Mac& mac) {
  leases_.erase(mac);
  obtained_.erase(mac);
  keeping_.erase(mac);
}

std::optional<Lease> LeaseBook::Lose(const Lease& lease, const std::string& why,
                                     MonoTime retry_at, bool ask_same_first) {
  if (!Current(lease) || !Renewed(lease)) return std::nullopt;
  Lease& lost = leases_[lease.mac];
  lost.lost = true;
  keeping_[lease.mac] = {Phase::kLost, "lost: " + why, retry_at,
                         ask_same_first};
  return lost;
}

std::optional<MonoTime> LeaseBook::NoAnswer(const Lease& lease, bool rebinding,
                                            MonoTime now,
                                            const std::string& why) {
  if (!Current(lease) || !lease.Expires() || lease.lost) return std::nullopt;
  const MonoTime expiry = At(lease.mac, lease.lease_seconds);
  const MonoTime limit = rebinding ? expiry : At(lease.mac, lease.t2_seconds);
  // Whole seconds, as RFC 2131's timers.
  const auto half =
      std::chrono::duration_cast<std::chrono::seconds>((limit - now) / 2);
  Keeping& keeping = keeping_[lease.mac];
  keeping.phase = rebinding ? Phase::kRebinding : Phase::kRenewing;
  keeping.retry_at = std::min<MonoTime>(
      expiry, now + std::max<MonoTime::duration>(kMinRetry, half));
  keeping.state = std::string(rebinding ? "rebinding" : "renewing") +
                  " (last try: " + why + ")";
  return keeping.retry_at;
}

std::optional<MonoTime> LeaseBook::StillLost(const Lease& lease, MonoTime now,
                                             const std::string& why) {
  if (!Current(lease) || !lease.lost) return std::nullopt;
  Keeping& keeping = keeping_[lease.mac];
  if (keeping.phase != Phase::kLost) {  // Loaded lost at start.
    keeping = {Phase::kLost, "lost", MonoTime(), true};
  }
  const std::string reason = keeping.state.substr(0, keeping.state.find(";"));
  keeping.state = reason + "; asking again every " +
                  std::to_string(kLostRetry.count()) + " s (last try: " + why +
                  ")";
  keeping.retry_at = now + kLostRetry;
  return keeping.retry_at;
}

std::vector<LeaseDue> LeaseBook::DueAt(MonoTime now, const NicTable& table,
                                       MonoTime* next) const {
  std::vector<LeaseDue> due;
  for (const auto& [mac, lease] : leases_) {
    const EndpointRecord* held = table.HolderOf(mac);
    if (!lease.Expires() || held == nullptr) continue;
    const EndpointRecord& e = *held;
    if (!e.joined || e.sandbox_key.empty() || LeaseOf(e) != &lease) continue;
    auto k = keeping_.find(mac);
    const Keeping keeping = k == keeping_.end() ? Keeping() : k->second;
    const MonoTime at =
        lease.lost ? keeping.retry_at
                   : std::max(At(mac, lease.t1_seconds), keeping.retry_at);
    if (now < at) {
      *next = std::min(*next, at);
      continue;
    }
    LeaseDue d;
    d.lease = lease;
    d.sandbox_key = e.sandbox_key;
    d.ask_same_first = keeping.ask_same_first;
    if (lease.lost) {
      d.action = LeaseAction::kReacquire;
    } else if (now >= At(mac, lease.lease_seconds)) {
      d.action = keeping.phase == Phase::kBound ? LeaseAction::kAskFirst
                                                : LeaseAction::kExpire;
    } else if (now >= At(mac, lease.t2_seconds)) {
      d.action = LeaseAction::kRebind;
    } else {
      d.action = LeaseAction::kRenew;
    }
    const NetworkRecord* net = table.Network(e.network_id);
    d.timeout = std::chrono::milliseconds(net == nullptr
                                              ? NetworkRecord().dhcp_timeout_ms
                                              : net->dhcp_timeout_ms);
    if (d.action == LeaseAction::kReacquire) {
      // A try and the pause after it stay within twice kLostRetry.
      d.timeout = std::min<std::chrono::milliseconds>(d.timeout, kLostRetry);
    }
    due.push_back(d);
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

void LeaseBook::Report(NicReport* row, UnixSeconds wall_now,
                       MonoTime mono_now) const {
  const Mac& mac = row->link.mac;
  const Lease* lease = Find(mac);
  if (lease == nullptr) return;
  std::string& state = lease->Ipv6() ? row->lease6_state : row->lease_state;
  std::optional<Lease>& shown = lease->Ipv6() ? row->lease6 : row->lease;
  shown = *lease;
  if (Renewed(*lease)) {
    shown->acquired =
        wall_now - std::chrono::duration_cast<std::chrono::seconds>(
                       mono_now - obtained_.at(mac))
                       .count();
  }
  // A free NIC's lease is not renewed; the next container asks again.
  const bool expired =
      lease->Expires() && mono_now >= At(mac, lease->lease_seconds);
  state = lease->lost ? "lost" : expired ? "expired" : "bound";
  if (auto it = keeping_.find(mac);
      it != keeping_.end() && !it->second.state.empty()) {
    state = it->second.state;
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
    if (obtained_.count(mac) == 0) {
      broken.push_back("the lease of NIC " + mac.ToString() +
                       " has no time it was obtained");
    }
  }
  for (const auto& [mac, obtained] : obtained_) {
    if (leases_.count(mac) == 0) {
      broken.push_back("NIC " + mac.ToString() +
                       " has a time it obtained a lease but no lease");
    }
  }
  for (const auto& [mac, keeping] : keeping_) {
    const std::string nic = "NIC " + mac.ToString();
    auto it = leases_.find(mac);
    if (it == leases_.end()) {
      broken.push_back(nic + " has no lease but is \"" + keeping.state + "\"");
      continue;
    }
    const Lease& lease = it->second;
    if ((keeping.phase == Phase::kLost) != lease.lost) {
      broken.push_back(nic + " is \"" + keeping.state + "\" but its lease " +
                       (lease.lost ? "is" : "is not") + " marked lost");
    }
    const bool renewing =
        keeping.phase == Phase::kRenewing || keeping.phase == Phase::kRebinding;
    if (renewing && (!lease.Expires() || obtained_.count(mac) == 0 ||
                     keeping.retry_at > At(mac, lease.lease_seconds))) {
      broken.push_back(nic + " is \"" + keeping.state +
                       "\" but is tried again after its lease ends");
    }
  }
  return broken;
}

}  // namespace hostnic
