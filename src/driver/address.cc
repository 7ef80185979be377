// The NIC's own address: obtaining it for a new endpoint (from a stored
// lease, DHCP or the address hook), keeping DHCP leases renewed while their
// containers run, and releasing them with their network.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "driver/driver.h"
#include "driver/lease_book.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"

namespace hostnic {

namespace {

// KeepLeases handles the leases due in parallel, at most this many at a
// time: each may wait its network's DHCP timeout for an answer, and N NICs
// of a dead server one after another would take N timeouts.
constexpr size_t kParallelLeases = 8;

// How long KeepLeases may sleep when no lease is due.
constexpr std::chrono::seconds kIdle{60};

// Whole seconds from `now` to `then`, for the log.
int64_t SecondsUntil(MonoTime then, MonoTime now) {
  return std::chrono::duration_cast<std::chrono::seconds>(then - now).count();
}

// Whether two CIDRs name the same address, whatever their prefixes.
bool SameAddress(const std::string& a, const std::string& b) {
  return a.substr(0, a.find('/')) == b.substr(0, b.find('/'));
}

// Whether the NIC's IPv4 address source has the say over its MTU (the
// IPv6 lease's, the router's, is then not applied): the address hook always
// (its mtu, or none), a DHCP lease when it carries one (option 26).
bool Ipv4SaysMtu(const NetworkRecord& network, const EndpointRecord& endpoint,
                 const LeaseBook& book) {
  if (network.address_source == "hook") return true;
  const Lease* ipv4 = book.LeaseOf(endpoint);
  return ipv4 != nullptr && ipv4->mtu != 0;
}

std::string LeaseText(const Lease& lease) {
  std::string text = lease.address;
  if (!lease.gateway.empty()) text += " via " + lease.gateway;
  if (!lease.server.empty()) text += " from " + lease.server;
  return text;
}

}  // namespace

Result<CreateEndpointReply> Driver::AssignAddress(
    const CreateEndpointRequest& request, CreateEndpointReply reply,
    const std::string& doing, bool v6) {
  AddressSource* source = nullptr;
  std::chrono::milliseconds timeout{0};
  std::optional<Lease> stored;
  Link link;
  {
    MutexLock lock(&mu_);
    const NetworkRecord* net = table_->Network(request.network_id);
    const EndpointRecord* ep = table_->Endpoint(request.endpoint_id);
    if (net == nullptr || ep == nullptr) {
      return Status::NotFound(doing + ": the endpoint was deleted meanwhile");
    }
    const NetworkRecord& network = *net;
    const EndpointRecord& endpoint = *ep;
    const std::string& kind =
        v6 ? network.address6_source : network.address_source;
    // --ip on such a network is the user's own choice of address.
    if (kind.empty() || kind == "docker" ||
        !(v6 ? request.address6 : request.address).empty()) {
      return reply;
    }
    if (const std::string& had = v6 ? endpoint.address6 : endpoint.address;
        !had.empty()) {  // Docker replayed the request.
      (v6 ? reply.address6 : reply.address) = had;
      return reply;
    }
    if (kind == "dhcp" || kind == "dhcp6") {
      source = v6 ? addresses_.dhcp6 : addresses_.dhcp;
      timeout = std::chrono::milliseconds(network.dhcp_timeout_ms);
      // A DHCP lease is reused until T1; an address hook or the router's
      // prefix is asked each time (it is the cloud's current word).
      stored = (v6 ? book6_ : book_)
                   ->Reusable(endpoint.mac, network.id, clock_->Monotonic());
    } else if (kind == "slaac") {
      source = addresses_.slaac;
      timeout = std::chrono::milliseconds(network.dhcp_timeout_ms);
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
    spdlog::info("{}: NIC {} keeps its lease {}", doing, NicLabel(link),
                 LeaseText(*stored));
  } else {
    counters_.address_requests++;
    lease = source->Acquire(link, timeout);
    if (!lease.ok()) counters_.address_failures++;
  }
  // Within milliseconds of the answer: the source returns right after it.
  const MonoTime obtained = clock_->Monotonic();

  std::optional<EndpointRecord> released;
  Status status;
  {
    MutexLock lock(&mu_);
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
      if (status.ok() && lease->Ipv6() != v6) {
        status = Status::Internal("the address source gave a lease of " +
                                  lease->source);
      }
      // A reused lease is in the book already, with its own times.
      if (status.ok() && !stored) status = store_->PutLease(*lease);
      if (status.ok() && !stored) {
        status = (v6 ? book6_ : book_)->Put(*lease, obtained);
      }
    }
    // hostnic.mtu wins, then the IPv4 source's: the IPv4 server speaks for
    // the whole link, the router's RA (option 5) for IPv6 alone.
    if (status.ok() && net->mtu == 0 && lease->mtu != 0 &&
        !(v6 && Ipv4SaysMtu(*net, endpoint, *book_))) {
      Result<Link> fresh = links_->Refresh(link);
      status = fresh.status();
      if (status.ok() && fresh->mtu != lease->mtu) {
        status = links_->SetMtu(*fresh, lease->mtu);
        if (!status.ok() && v6) {
          // RFC 4861 6.3.4: an advertised MTU the link cannot take is
          // ignored, not a reason to fail the container.
          spdlog::warn("{}: NIC {} keeps its MTU {}: {}", doing, NicLabel(link),
                       fresh->mtu, status.message());
          status = Status::Ok();
        }
      }
    }
    if (status.ok()) {
      (v6 ? endpoint.address6 : endpoint.address) = lease->address;
      status = store_->PutEndpoint(endpoint);
    }
    if (status.ok()) status = table_->Update(endpoint);
    if (!status.ok()) {
      Status undone = ReleaseEndpoint(endpoint);
      if (!undone.ok()) spdlog::error("{}", undone.message());
      released = endpoint;
    }
  }
  if (released) {
    RunDetach(*released);
    return status.Annotate(doing + " (NIC " + NicLabel(link) +
                           " was put back as it was)");
  }
  spdlog::info("{}: NIC {} has its own {}address {}", doing, NicLabel(link),
               v6 ? "IPv6 " : "", LeaseText(*lease));
  (v6 ? reply.address6 : reply.address) = lease->address;
  return reply;
}

LeaseBook* Driver::BookOf(const Lease& lease) const {
  return lease.Ipv6() ? book6_.get() : book_.get();
}

LeaseRenewer* Driver::RenewerOf(const Lease& lease) const {
  return lease.source == "dhcp"    ? addresses_.renewer
         : lease.source == "dhcp6" ? addresses_.renewer6
                                   : nullptr;
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
                       const std::string& why, MonoTime retry_at,
                       bool ask_same_first) {
  {
    MutexLock lock(&mu_);
    std::optional<Lease> lost =
        BookOf(lease)->Lose(lease, why, retry_at, ask_same_first);
    if (!lost) return;
    counters_.leases_lost++;
    Status s = store_->PutLease(*lost);
    if (!s.ok()) spdlog::warn("{}", s.message());
  }
  Status removed = addresses_.sandbox == nullptr
                       ? Status::FailedPrecondition("no sandbox control")
                       : addresses_.sandbox->RemoveAddress(
                             sandbox_key, lease.mac, lease.address);
  spdlog::error(
      "NIC {} lost its lease {}: {}; {}; hostnic asks for an address again "
      "from inside the container every {} s until a server answers",
      lease.mac.ToString(), LeaseText(lease), why,
      removed.ok() ? "the address was removed from the container"
                   : "removing the address from the container failed: " +
                         removed.message(),
      LeaseBook::kLostRetry.count());
}

void Driver::Regain(const LeaseDue& due, Lease lease, MonoTime obtained,
                    MonoTime now, MonoTime* next) {
  const Lease& old = due.lease;
  lease.mac = old.mac;
  lease.network_id = old.network_id;
  const bool moved = !SameAddress(lease.address, old.address);
  if (!moved) lease.address = old.address;  // A prefix-less ACK keeps ours.
  if (Status fit = LeaseBook::Check(lease); !fit.ok()) {
    // Nothing is touched for an answer the book would refuse.
    counters_.lease_renewal_failures++;
    const std::string why =
        "ignoring DHCP server " + lease.server + "'s answer: " + fit.message();
    spdlog::warn("NIC {}: {}", old.mac.ToString(), why);
    MutexLock lock(&mu_);
    std::optional<MonoTime> retry =
        old.lost ? BookOf(old)->StillLost(old, now, why)
                 : BookOf(old)->NoAnswer(
                       old, due.action == LeaseAction::kRebind, now, why);
    if (retry) *next = std::min(*next, *retry);
    return;
  }
  // The old address goes first: it may be someone else's now.
  if (moved && !old.lost && addresses_.sandbox != nullptr) {
    Status s = addresses_.sandbox->RemoveAddress(due.sandbox_key, old.mac,
                                                 old.address);
    if (!s.ok()) spdlog::warn("{}", s.message());
  }
  std::vector<Route> routes = lease.routes;
  if (!lease.gateway.empty()) {
    routes.push_back({old.Ipv6() ? "::/0" : "0.0.0.0/0", lease.gateway});
  }
  Status installed = addresses_.sandbox == nullptr
                         ? Status::FailedPrecondition("no sandbox control")
                         : addresses_.sandbox->InstallAddress(
                               due.sandbox_key, old.mac, lease.address, routes);
  const std::string what =
      moved      ? "moved from " + old.address + " to " + lease.address
      : old.lost ? "re-acquired " + lease.address
                 : "renewed " + lease.address + " after its expiry";
  if (!installed.ok()) {
    const std::string why =
        "DHCP server " + lease.server + " " + what +
        " but installing it in the container failed: " + installed.message();
    if (!old.lost) {
      LoseLease(old, due.sandbox_key, why, now, /*ask_same_first=*/true);
      return;
    }
    MutexLock lock(&mu_);
    if (std::optional<MonoTime> retry = BookOf(old)->StillLost(old, now, why)) {
      *next = std::min(*next, *retry);
    }
    spdlog::error("NIC {}: {}", old.mac.ToString(), why);
    return;
  }
  {
    MutexLock lock(&mu_);
    if (moved) {
      // The endpoint follows its NIC's address, so that the lease stays its.
      const EndpointRecord* held = table_->HolderOf(old.mac);
      if (held != nullptr &&
          (old.Ipv6() ? held->address6 : held->address) == old.address) {
        EndpointRecord endpoint = *held;
        (old.Ipv6() ? endpoint.address6 : endpoint.address) = lease.address;
        Status s = store_->PutEndpoint(endpoint);
        if (s.ok()) s = table_->Update(endpoint);
        if (!s.ok()) spdlog::warn("{}", s.message());
      }
    }
    if (!BookOf(old)->Regained(
            old, lease, obtained,
            "bound (" + what + " at " + std::to_string(clock_->Now()) + ")")) {
      return;
    }
    Status saved = store_->PutLease(lease);
    if (!saved.ok()) spdlog::warn("{}", saved.message());
    if (old.lost) counters_.leases_reacquired++;
    if (moved) counters_.leases_moved++;
    if (!old.lost && !moved) counters_.lease_renewals++;
  }
  spdlog::warn(
      "NIC {}: DHCP server {} {}; the address, gateway and routes "
      "are back in container sandbox {}",
      old.mac.ToString(), lease.server, what, due.sandbox_key);
  if (lease.Expires()) {
    *next = std::min<MonoTime>(
        *next, obtained + std::chrono::seconds(lease.t1_seconds));
  }
}

void Driver::Reacquire(const LeaseDue& due, MonoTime now, MonoTime* next) {
  const Lease& lease = due.lease;
  const bool ask_same =
      due.action == LeaseAction::kAskFirst || due.ask_same_first;
  Result<Lease> got = RenewerOf(lease)->Reacquire(due.sandbox_key, lease,
                                                  ask_same, due.timeout);
  if (got.ok()) {
    Regain(due, *got, clock_->Monotonic(), now, next);
    return;
  }
  counters_.lease_renewal_failures++;
  if (due.action == LeaseAction::kAskFirst) {
    LoseLease(lease, due.sandbox_key,
              "it expired while hostnic was stopped and no DHCP server "
              "answered (" +
                  got.status().message() + ")",
              now + LeaseBook::kLostRetry, /*ask_same_first=*/true);
    *next = std::min<MonoTime>(*next, now + LeaseBook::kLostRetry);
    return;
  }
  MutexLock lock(&mu_);
  std::optional<MonoTime> retry =
      BookOf(lease)->StillLost(lease, now, got.status().message());
  if (!retry) return;
  spdlog::warn(
      "NIC {} still has no address in sandbox {}: {}; next try in "
      "{} s",
      lease.mac.ToString(), due.sandbox_key, got.status().message(),
      SecondsUntil(*retry, now));
  *next = std::min(*next, *retry);
}

void Driver::Renew(const LeaseDue& due, MonoTime now, MonoTime* next) {
  const Lease& lease = due.lease;
  const bool rebinding = due.action == LeaseAction::kRebind;
  Result<LeaseRenewer::Renewal> renewal =
      RenewerOf(lease)->Renew(due.sandbox_key, lease, rebinding, due.timeout);
  const MonoTime obtained = clock_->Monotonic();
  if (renewal.ok() && renewal->answer == LeaseRenewer::Answer::kNak) {
    // The server said no: asking for the same address again is pointless.
    LoseLease(lease, due.sandbox_key,
              "DHCP server " + lease.server + " refused to renew it (NAK)", now,
              /*ask_same_first=*/false);
    *next = now;
    return;
  }
  if (renewal.ok() && !SameAddress(renewal->lease.address, lease.address)) {
    Regain(due, renewal->lease, obtained, now, next);
    return;
  }
  MutexLock lock(&mu_);
  if (!renewal.ok()) {
    std::optional<MonoTime> retry = BookOf(lease)->NoAnswer(
        lease, rebinding, now, renewal.status().message());
    if (!retry) return;  // Lost or replaced meanwhile.
    counters_.lease_renewal_failures++;
    spdlog::warn("{} lease of NIC {} ({}): {}; next try in {} s",
                 rebinding ? "rebinding" : "renewing", lease.mac.ToString(),
                 LeaseText(lease), renewal.status().message(),
                 SecondsUntil(*retry, now));
    *next = std::min(*next, *retry);
    return;
  }
  LeaseBook* book = BookOf(lease);
  if (!book->Find(lease.mac) || !(*book->Find(lease.mac) == lease)) return;
  Lease renewed = renewal->lease;
  renewed.mac = lease.mac;
  renewed.network_id = lease.network_id;
  renewed.address = lease.address;  // Same address; a prefix-less ACK.
  if (Status kept = book->Put(renewed, obtained); !kept.ok()) {
    counters_.lease_renewal_failures++;
    spdlog::warn("renewing the lease of NIC {}: ignoring the answer: {}",
                 lease.mac.ToString(), kept.message());
    return;
  }
  Status saved = store_->PutLease(renewed);
  if (!saved.ok()) spdlog::warn("{}", saved.message());
  counters_.lease_renewals++;
  spdlog::info("renewed the lease of NIC {}: {} for {} s", lease.mac.ToString(),
               LeaseText(renewed), renewed.lease_seconds);
  if (renewed.Expires()) {
    *next = std::min<MonoTime>(
        *next, obtained + std::chrono::seconds(renewed.t1_seconds));
  }
}

MonoTime Driver::KeepLeases() {
  const MonoTime now = clock_->Monotonic();
  MonoTime next = now + kIdle;
  std::vector<LeaseDue> due;
  {
    MutexLock lock(&mu_);
    for (LeaseBook* book : {book_.get(), book6_.get()}) {
      for (LeaseDue& d : book->DueAt(now, *table_, &next)) {
        if (RenewerOf(d.lease) != nullptr) due.push_back(std::move(d));
      }
    }
  }
  // Each lease's own `next`, so that the workers share nothing but `due`.
  std::vector<MonoTime> nexts(due.size(), next);
  auto keep = [&](size_t i) {
    const LeaseDue& d = due[i];
    switch (d.action) {
      case LeaseAction::kRenew:
      case LeaseAction::kRebind:
        Renew(d, now, &nexts[i]);
        break;
      case LeaseAction::kExpire:
        LoseLease(d.lease, d.sandbox_key,
                  "it expired without a renewal (server " + d.lease.server +
                      " did not answer)",
                  now, /*ask_same_first=*/true);
        nexts[i] = now;  // Ask again at once.
        break;
      case LeaseAction::kAskFirst:
      case LeaseAction::kReacquire:
        Reacquire(d, now, &nexts[i]);
        break;
    }
  };
  std::atomic<size_t> taken{0};
  auto work = [&] {
    for (size_t i = taken++; i < due.size(); i = taken++) keep(i);
  };
  // Short-lived threads: the exchanges block for up to a DHCP timeout, and
  // a namespace is entered only by the transports' own threads.
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(due.size(), kParallelLeases); ++t) {
    helpers.emplace_back(work);
  }
  work();
  for (std::thread& helper : helpers) helper.join();
  for (MonoTime n : nexts) next = std::min(next, n);
  return next;
}

void Driver::ReleaseLeases(const std::string& network_id) {
  for (LeaseBook* book : {book_.get(), book6_.get()}) {
    ReleaseLeasesOf(network_id, book);
  }
}

void Driver::ReleaseLeasesOf(const std::string& network_id, LeaseBook* book) {
  for (const Lease& lease : book->Unheld(network_id, *table_)) {
    std::optional<Link> link = inventory_->FindByMac(lease.mac);
    LeaseRenewer* renewer = RenewerOf(lease);
    // A lost lease's address is no longer the NIC's to give back.
    if (renewer != nullptr && !lease.lost && link) {
      Status s = renewer->Release(*link, lease);
      if (s.ok()) {
        counters_.leases_released++;
        spdlog::info("released the lease of NIC {}: {}", NicLabel(*link),
                     LeaseText(lease));
      } else {
        spdlog::warn("releasing the lease of NIC {}: {}", NicLabel(*link),
                     s.message());
      }
    }
    Status removed = lease.Ipv6() ? store_->RemoveLease6(lease.mac)
                                  : store_->RemoveLease(lease.mac);
    if (!removed.ok()) spdlog::warn("{}", removed.message());
    book->Forget(lease.mac);
  }
}

}  // namespace hostnic
