// The NIC's own address: obtaining it for a new endpoint (from a stored
// lease, DHCP or the address hook), keeping DHCP leases renewed while their
// containers run, and releasing them with their network.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"
#include "hostnic/driver.h"

namespace hostnic {

namespace {

// A renewal that got no answer is retried after half the time left until
// T2 (then expiry), as RFC 2131 4.4.5 suggests, but not sooner than this.
constexpr UnixSeconds kMinRetrySeconds = 10;
// How long KeepLeases may sleep when no lease is due.
constexpr UnixSeconds kIdleSeconds = 60;

std::string LeaseText(const Lease& lease) {
  std::string text = lease.address;
  if (!lease.gateway.empty()) text += " via " + lease.gateway;
  if (!lease.server.empty()) text += " from " + lease.server;
  return text;
}

}  // namespace

const Lease* Driver::LeaseOfLocked(const EndpointRecord& endpoint) const {
  auto it = leases_.find(endpoint.mac);
  if (it == leases_.end() || endpoint.address.empty() ||
      it->second.network_id != endpoint.network_id ||
      it->second.address != endpoint.address) {
    return nullptr;
  }
  return &it->second;
}

Result<CreateEndpointReply> Driver::AssignAddress(
    const CreateEndpointRequest& request, CreateEndpointReply reply,
    const std::string& doing) {
  AddressSource* source = nullptr;
  std::chrono::milliseconds timeout{0};
  std::optional<Lease> stored;
  Link link;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const NetworkRecord* net = table_->Network(request.network_id);
    const EndpointRecord* ep = table_->Endpoint(request.endpoint_id);
    if (net == nullptr || ep == nullptr) {
      return Status::NotFound(doing + ": the endpoint was deleted meanwhile");
    }
    const NetworkRecord& network = *net;
    const EndpointRecord& endpoint = *ep;
    // --ip on such a network is the user's own choice of address.
    if (network.address_source == "docker" || !request.address.empty()) {
      return reply;
    }
    if (!endpoint.address.empty()) {  // Docker replayed the request.
      reply.address = endpoint.address;
      return reply;
    }
    if (network.address_source == "dhcp") {
      source = addresses_.dhcp;
      timeout = std::chrono::milliseconds(network.dhcp_timeout_ms);
      // A DHCP lease is reused until T1; an address hook is asked each time
      // (it is the cloud's current word, and cheap).
      auto it = leases_.find(endpoint.mac);
      if (it != leases_.end() && it->second.network_id == network.id &&
          it->second.source == "dhcp" &&
          (!it->second.Expires() ||
           clock_->Now() < it->second.acquired + it->second.t1_seconds)) {
        stored = it->second;
      }
    } else {
      source = addresses_.hook;
      timeout = options_.address_hook_timeout;
    }
    std::optional<Link> found = inventory_->FindByMac(endpoint.mac);
    if (!found) {
      return Status::NotFound(doing + ": NIC " + endpoint.mac.ToString() +
                              " left the host before it got its address");
    }
    link = *found;
  }

  Result<Lease> lease = Status::Internal("no lease");
  if (stored) {
    counters_.leases_reused++;
    lease = *stored;
    spdlog::info("{}: NIC {} keeps its lease {}", doing, Describe(link),
                 LeaseText(*stored));
  } else {
    counters_.address_requests++;
    lease = source->Acquire(link, timeout);
    if (!lease.ok()) counters_.address_failures++;
  }

  std::optional<EndpointRecord> released;
  Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const NetworkRecord* net = table_->Network(request.network_id);
    const EndpointRecord* ep = table_->Endpoint(request.endpoint_id);
    if (ep == nullptr || ep->mac != link.mac) {
      return Status::NotFound(doing + ": the endpoint was deleted meanwhile");
    }
    EndpointRecord endpoint = *ep;
    status = lease.status();
    if (status.ok() && net == nullptr) {
      status = Status::NotFound("its network was deleted meanwhile");
    }
    if (status.ok()) {
      lease->mac = link.mac;
      lease->network_id = request.network_id;
      if (!stored) status = store_->PutLease(*lease);
    }
    if (status.ok()) {
      leases_[link.mac] = *lease;
      lease_states_.erase(link.mac);
      const unsigned mtu = net->mtu;  // hostnic.mtu wins.
      if (mtu == 0 && lease->mtu != 0) {
        Result<Link> fresh = links_->Refresh(link);
        status = fresh.status();
        if (status.ok() && fresh->mtu != lease->mtu) {
          status = links_->SetMtu(*fresh, lease->mtu);
        }
      }
    }
    if (status.ok()) {
      endpoint.address = lease->address;
      status = store_->PutEndpoint(endpoint);
    }
    if (status.ok()) status = table_->Update(endpoint);
    if (!status.ok()) {
      Status undone = ReleaseLocked(endpoint);
      if (!undone.ok()) spdlog::error("{}", undone.message());
      released = endpoint;
    }
  }
  if (released) {
    RunDetach(*released);
    return status.Annotate(doing + " (NIC " + Describe(link) +
                           " was put back as it was)");
  }
  spdlog::info("{}: NIC {} has its own address {}", doing, Describe(link),
               LeaseText(*lease));
  reply.address = lease->address;
  return reply;
}

Status Driver::BlockMetadata(const std::string& sandbox_key,
                             const std::vector<std::string>& addresses,
                             const std::string& doing) {
  std::vector<std::string> destinations;
  for (const std::string& a : addresses) {
    destinations.push_back(a + (LooksLikeIpv6(a) ? "/128" : "/32"));
  }
  Status s =
      addresses_.sandbox->AddUnreachableRoutes(sandbox_key, destinations);
  if (s.ok()) {
    spdlog::info("{}: metadata service unreachable in sandbox {}", doing,
                 sandbox_key);
  }
  return s;
}

void Driver::LoseLease(const Lease& lease, const std::string& sandbox_key,
                       const std::string& why) {
  counters_.leases_lost++;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = leases_.find(lease.mac);
    if (it == leases_.end() || !(it->second == lease)) return;
    leases_.erase(it);
    lease_states_[lease.mac] = {"lost: " + why, 0};
    Status s = store_->RemoveLease(lease.mac);
    if (!s.ok()) spdlog::warn("{}", s.message());
  }
  Status removed = addresses_.sandbox == nullptr
                       ? Status::FailedPrecondition("no sandbox control")
                       : addresses_.sandbox->RemoveAddress(
                             sandbox_key, lease.mac, lease.address);
  spdlog::error(
      "NIC {} lost its lease {}: {}; {}; restart the container to get its "
      "current address",
      lease.mac.ToString(), LeaseText(lease), why,
      removed.ok() ? "the address was removed from the container"
                   : "removing the address from the container failed: " +
                         removed.message());
}

UnixSeconds Driver::KeepLeases() {
  struct Due {
    Lease lease;
    std::string sandbox_key;
    bool rebinding = false;
    std::chrono::milliseconds timeout{0};
  };
  const UnixSeconds now = clock_->Now();
  UnixSeconds next = now + kIdleSeconds;
  std::vector<Due> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (addresses_.renewer == nullptr) return next;
    for (const auto& [mac, lease] : leases_) {
      const EndpointRecord* held = table_->HolderOf(mac);
      if (!lease.Expires() || held == nullptr) continue;
      const EndpointRecord& e = *held;
      if (!e.joined || e.sandbox_key.empty() || LeaseOfLocked(e) != &lease) {
        continue;
      }
      const UnixSeconds at = std::max(lease.acquired + lease.t1_seconds,
                                      lease_states_[mac].retry_at);
      if (now < at) {
        next = std::min(next, at);
        continue;
      }
      const NetworkRecord* net = table_->Network(e.network_id);
      due.push_back(
          {lease, e.sandbox_key, now >= lease.acquired + lease.t2_seconds,
           std::chrono::milliseconds(net == nullptr
                                         ? NetworkRecord().dhcp_timeout_ms
                                         : net->dhcp_timeout_ms)});
    }
  }
  for (const Due& d : due) {
    const Lease& lease = d.lease;
    if (now >= lease.expiry()) {
      LoseLease(lease, d.sandbox_key,
                "it expired without a renewal (server " + lease.server +
                    " did not answer)");
      continue;
    }
    Result<LeaseRenewer::Renewal> renewal =
        addresses_.renewer->Renew(d.sandbox_key, lease, d.rebinding, d.timeout);
    if (renewal.ok() && renewal->answer == LeaseRenewer::Answer::kNak) {
      LoseLease(lease, d.sandbox_key,
                "DHCP server " + lease.server + " refused to renew it (NAK)");
      continue;
    }
    if (renewal.ok() && renewal->lease.address != lease.address) {
      LoseLease(lease, d.sandbox_key,
                "DHCP server " + renewal->lease.server + " now gives " +
                    renewal->lease.address + " instead");
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = leases_.find(lease.mac);
    if (it == leases_.end() || !(it->second == lease)) continue;
    LeaseState& state = lease_states_[lease.mac];
    if (!renewal.ok()) {
      counters_.lease_renewal_failures++;
      const UnixSeconds limit =
          d.rebinding ? lease.expiry() : lease.acquired + lease.t2_seconds;
      state.retry_at = std::min(
          lease.expiry(), now + std::max(kMinRetrySeconds, (limit - now) / 2));
      state.state = std::string(d.rebinding ? "rebinding" : "renewing") +
                    " (last try: " + renewal.status().message() + ")";
      spdlog::warn("{} lease of NIC {} ({}): {}; next try in {} s",
                   d.rebinding ? "rebinding" : "renewing", lease.mac.ToString(),
                   LeaseText(lease), renewal.status().message(),
                   state.retry_at - now);
      next = std::min(next, state.retry_at);
      continue;
    }
    Lease renewed = renewal->lease;
    renewed.mac = lease.mac;
    renewed.network_id = lease.network_id;
    Status saved = store_->PutLease(renewed);
    if (!saved.ok()) spdlog::warn("{}", saved.message());
    it->second = renewed;
    state = {"bound", 0};
    counters_.lease_renewals++;
    spdlog::info("renewed the lease of NIC {}: {} for {} s",
                 lease.mac.ToString(), LeaseText(renewed),
                 renewed.lease_seconds);
    if (renewed.Expires()) {
      next = std::min(next, renewed.acquired + renewed.t1_seconds);
    }
  }
  return next;
}

void Driver::ReleaseLeasesLocked(const std::string& network_id) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    const Lease& lease = it->second;
    if (lease.network_id != network_id || table_->HolderOf(lease.mac)) {
      ++it;
      continue;
    }
    std::optional<Link> link = inventory_->FindByMac(lease.mac);
    if (lease.source == "dhcp" && addresses_.renewer != nullptr && link) {
      Status s = addresses_.renewer->Release(*link, lease);
      if (s.ok()) {
        counters_.leases_released++;
        spdlog::info("released the lease of NIC {}: {}", Describe(*link),
                     LeaseText(lease));
      } else {
        spdlog::warn("releasing the lease of NIC {}: {}", Describe(*link),
                     s.message());
      }
    }
    Status removed = store_->RemoveLease(lease.mac);
    if (!removed.ok()) spdlog::warn("{}", removed.message());
    lease_states_.erase(lease.mac);
    it = leases_.erase(it);
  }
}

void Driver::ReportLeaseLocked(NicReport* row) const {
  if (auto it = leases_.find(row->link.mac); it != leases_.end()) {
    row->lease = it->second;
    // A free NIC's lease is not renewed; the next container asks again.
    row->lease_state =
        it->second.Expires() && clock_->Now() >= it->second.expiry() ? "expired"
                                                                     : "bound";
  }
  if (auto it = lease_states_.find(row->link.mac);
      it != lease_states_.end() && !it->second.state.empty()) {
    row->lease_state = it->second.state;
  }
}

}  // namespace hostnic
