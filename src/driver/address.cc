// The NIC's own address: obtaining it for a new endpoint (from a stored
// lease, DHCP or the address hook), keeping DHCP leases renewed while their
// containers run, and releasing them with their network.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "driver/lease_book.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"
#include "hostnic/driver.h"

namespace hostnic {

namespace {

// How long KeepLeases may sleep when no lease is due.
constexpr UnixSeconds kIdleSeconds = 60;

std::string LeaseText(const Lease& lease) {
  std::string text = lease.address;
  if (!lease.gateway.empty()) text += " via " + lease.gateway;
  if (!lease.server.empty()) text += " from " + lease.server;
  return text;
}

}  // namespace

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
      stored = book_->Reusable(endpoint.mac, network.id, clock_->Now());
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
      status = LeaseBook::Check(*lease);
      if (status.ok() && !stored) status = store_->PutLease(*lease);
      if (status.ok()) status = book_->Put(*lease);
    }
    if (status.ok()) {
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
    if (!book_->Lose(lease, why)) return;
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
  const UnixSeconds now = clock_->Now();
  UnixSeconds next = now + kIdleSeconds;
  std::vector<LeaseBook::Due> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (addresses_.renewer == nullptr) return next;
    due = book_->DueAt(now, *table_, &next);
  }
  for (const LeaseBook::Due& d : due) {
    const Lease& lease = d.lease;
    if (d.expired) {
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
    if (!renewal.ok()) {
      std::optional<UnixSeconds> retry =
          book_->NoAnswer(lease, d.rebinding, now, renewal.status().message());
      if (!retry) continue;  // Lost or replaced meanwhile.
      counters_.lease_renewal_failures++;
      spdlog::warn("{} lease of NIC {} ({}): {}; next try in {} s",
                   d.rebinding ? "rebinding" : "renewing", lease.mac.ToString(),
                   LeaseText(lease), renewal.status().message(), *retry - now);
      next = std::min(next, *retry);
      continue;
    }
    const Lease* current = book_->Find(lease.mac);
    if (current == nullptr || !(*current == lease)) continue;
    Lease renewed = renewal->lease;
    renewed.mac = lease.mac;
    renewed.network_id = lease.network_id;
    if (Status kept = book_->Put(renewed); !kept.ok()) {
      counters_.lease_renewal_failures++;
      spdlog::warn("renewing the lease of NIC {}: ignoring the answer: {}",
                   lease.mac.ToString(), kept.message());
      continue;
    }
    Status saved = store_->PutLease(renewed);
    if (!saved.ok()) spdlog::warn("{}", saved.message());
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
  for (const Lease& lease : book_->Unheld(network_id, *table_)) {
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
    book_->Forget(lease.mac);
  }
}

}  // namespace hostnic
