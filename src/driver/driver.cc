#include "hostnic/driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "driver/network_config.h"

namespace hostnic {

namespace {

constexpr char kOptNic[] = "hostnic.nic";
// How many candidates an error message lists before "and N more".
constexpr size_t kListedNics = 8;
// How long to wait for a NIC after an attach hook when neither the network
// (hostnic.wait) nor the daemon (--wait) says.
constexpr std::chrono::milliseconds kAttachWait{60000};

std::string Short(const std::string& id) { return id.substr(0, 12); }

std::string Describe(const Link& link) {
  return link.name + " (" + link.mac.ToString() + ")";
}

// Whether `spec` (a name or a MAC, as in hostnic.nics or --allow-nic) names
// `link`.
bool Matches(const std::string& spec, const Link& link) {
  if (auto mac = Mac::Parse(spec)) return *mac == link.mac;
  return spec == link.name;
}

Status CheckId(const char* what, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " ID '" + id +
                                 "' is not a valid ID (1-128 characters of "
                                 "A-Z, a-z, 0-9, '_' and '-')");
}

Status HeldBy(const std::string& nic, const EndpointRecord& holder) {
  return Status::Busy("NIC " + nic + " is already held by endpoint " +
                      Short(holder.id) + " of network " +
                      Short(holder.network_id));
}

bool MatchesAny(const std::vector<std::string>& specs, const Link& link) {
  return std::any_of(specs.begin(), specs.end(),
                     [&](const std::string& s) { return Matches(s, link); });
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kListedNics; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > kListedNics) {
    out += " and " + std::to_string(items.size() - kListedNics) + " more";
  }
  return out.empty() ? "none" : out;
}

}  // namespace

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Driver::Driver(DriverOptions options, Inventory* inventory, LinkControl* links,
               Store* store, Hooks* hooks)
    : options_(std::move(options)),
      inventory_(inventory),
      links_(links),
      store_(store),
      hooks_(hooks) {}

Result<std::vector<std::string>> Driver::Recover() {
  Result<Snapshot> snapshot = store_->Load();
  if (!snapshot.ok()) return snapshot.status();
  std::vector<std::string> problems = snapshot->problems;

  std::lock_guard<std::mutex> lock(mu_);
  for (const NetworkRecord& n : snapshot->networks) networks_[n.id] = n;
  for (const EndpointRecord& e : snapshot->endpoints) {
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
    if (!e.joined && !inventory_->FindByMac(e.mac)) {
      problems.push_back("NIC " + e.mac.ToString() + " (was " +
                         e.original.name + ") of endpoint " + Short(e.id) +
                         " is not on the host; it was detached or is in a "
                         "namespace hostnic does not know");
    }
  }
  for (const OrphanRecord& o : snapshot->orphans) orphans_[o.mac] = o;
  // NICs that came back while hostnic was down.
  for (const Link& link : inventory_->All()) {
    if (auto owed = OwedLocked(link)) {
      Status s = RestoreLocked(link, *owed, /*came_back=*/true);
      if (!s.ok()) problems.push_back(s.message());
    }
  }
  for (const std::string& p : problems) spdlog::warn("recovery: {}", p);
  spdlog::info("recovered {} networks, {} endpoints, {} NICs to put back",
               networks_.size(), endpoints_.size(), orphans_.size());
  return problems;
}

Status Driver::CreateNetwork(const CreateNetworkRequest& request) {
  HOSTNIC_RETURN_IF_ERROR(CheckId("network", request.network_id));
  Result<NetworkRecord> network = ParseNetwork(request);
  if (!network.ok()) {
    return network.status().Annotate("creating network " +
                                     Short(request.network_id));
  }
  std::lock_guard<std::mutex> lock(mu_);
  HOSTNIC_RETURN_IF_ERROR(store_->PutNetwork(*network).Annotate(
      "creating network " + Short(request.network_id)));
  networks_[network->id] = *network;
  return Status::Ok();
}

Status Driver::DeleteNetwork(const std::string& network_id) {
  HOSTNIC_RETURN_IF_ERROR(CheckId("network", network_id));
  std::vector<EndpointRecord> released;
  Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<EndpointRecord> remaining;
    for (const auto& [id, e] : endpoints_) {
      if (e.network_id == network_id) remaining.push_back(e);
    }
    for (const EndpointRecord& e : remaining) {
      status = ReleaseLocked(e);
      if (!status.ok()) break;
      released.push_back(e);
    }
    if (status.ok()) {
      status = store_->RemoveNetwork(network_id);
      if (status.ok()) networks_.erase(network_id);
    }
  }
  for (const EndpointRecord& e : released) RunDetach(e);
  return status.Annotate("deleting network " + Short(network_id));
}

Status Driver::Validate(const std::string& network_id,
                        const std::string& endpoint_id) const {
  HOSTNIC_RETURN_IF_ERROR(CheckId("network", network_id));
  return CheckId("endpoint", endpoint_id);
}

Result<CreateEndpointReply> Driver::CreateEndpoint(
    const CreateEndpointRequest& request) {
  HOSTNIC_RETURN_IF_ERROR(Validate(request.network_id, request.endpoint_id));
  const std::string doing = "creating endpoint " + Short(request.endpoint_id) +
                            " on network " + Short(request.network_id);

  // Which NIC the user asked for, if any: --mac-address or --driver-opt.
  std::string wanted;
  std::optional<Mac> wanted_mac;
  if (!request.mac.empty()) {
    wanted_mac = Mac::Parse(request.mac);
    if (!wanted_mac) {
      return Status::InvalidArgument(doing + ": '" + request.mac +
                                     "' is not a MAC address");
    }
    wanted = wanted_mac->ToString();
  }
  for (const auto& [key, value] : request.options) {
    if (key.compare(0, 8, "hostnic.") != 0) continue;
    if (key != kOptNic) {
      return Status::InvalidArgument(doing + ": unknown endpoint option '" +
                                     key + "'; hostnic knows " + kOptNic);
    }
    if (!wanted.empty() && Mac::Parse(value) != wanted_mac) {
      return Status::InvalidArgument(doing + ": " + kOptNic + "=" + value +
                                     " contradicts --mac-address " + wanted);
    }
    wanted = value;
    if (!wanted_mac) wanted_mac = Mac::Parse(value);
  }

  std::chrono::milliseconds wait = options_.default_wait;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto net = networks_.find(request.network_id);
    if (net == networks_.end()) {
      return Status::NotFound(doing + ": hostnic does not know network " +
                              Short(request.network_id) +
                              "; re-create it with docker network create");
    }
    if (net->second.wait_ms >= 0) {
      wait = std::chrono::milliseconds(net->second.wait_ms);
    }
  }
  const bool can_attach = hooks_ != nullptr && hooks_->HasAttach();
  // A cloud NIC shows up seconds after its attach call returns.
  const std::chrono::milliseconds attach_wait =
      wait.count() > 0 ? wait : kAttachWait;

  // The NIC asked for is absent: have it attached, or wait for it to be
  // hot-plugged -- without holding mu_, so other requests go on.
  if (wanted_mac && !inventory_->FindByMac(*wanted_mac)) {
    if (can_attach) {
      HOSTNIC_RETURN_IF_ERROR(RunAttach(request, wanted_mac, doing).status());
      HOSTNIC_RETURN_IF_ERROR(WaitForNic(*wanted_mac, attach_wait, doing));
    } else if (wait.count() > 0) {
      HOSTNIC_RETURN_IF_ERROR(WaitForNic(*wanted_mac, wait, doing));
    }
  }

  Result<CreateEndpointReply> reply = CreateEndpointNow(request, wanted, doing);
  if (reply.ok() || !wanted.empty() || !can_attach ||
      reply.status().code() != Code::kBusy) {
    return reply;
  }
  // No free NIC in the pool: ask the attach hook for one.
  Result<std::optional<Mac>> attached = RunAttach(request, std::nullopt, doing);
  if (!attached.ok()) return attached.status();
  if (!*attached) return CreateEndpointNow(request, "", doing);
  HOSTNIC_RETURN_IF_ERROR(WaitForNic(**attached, attach_wait, doing));
  return CreateEndpointNow(request, (*attached)->ToString(), doing);
}

Result<std::optional<Mac>> Driver::RunAttach(
    const CreateEndpointRequest& request, const std::optional<Mac>& mac,
    const std::string& doing) {
  HookRequest hook{request.network_id, request.endpoint_id, mac,
                   request.address, ""};
  Result<std::optional<Mac>> attached = hooks_->Attach(hook);
  counters_.hook_runs++;
  if (!attached.ok()) {
    counters_.hook_failures++;
    return attached.status().Annotate(doing + ": attach hook");
  }
  return attached;
}

Status Driver::WaitForNic(const Mac& mac, std::chrono::milliseconds wait,
                          const std::string& doing) {
  spdlog::info("{}: waiting up to {} ms for NIC {}", doing, wait.count(),
               mac.ToString());
  counters_.waits++;
  auto link = inventory_->WaitForMac(
      mac, std::chrono::steady_clock::now() + wait, options_.settle,
      [this] { return shutting_down_.load(); });
  if (link) return Status::Ok();
  counters_.wait_timeouts++;
  if (shutting_down_) {
    return Status::FailedPrecondition(doing + ": hostnic is shutting down");
  }
  return Status::Timeout(doing + ": NIC " + mac.ToString() +
                         " did not appear on the host within " +
                         std::to_string(wait.count() / 1000.0).substr(0, 5) +
                         " s (hostnic.wait / --wait)");
}

void Driver::Shutdown() { shutting_down_ = true; }

Result<CreateEndpointReply> Driver::CreateEndpointNow(
    const CreateEndpointRequest& request, const std::string& wanted,
    const std::string& doing) {
  std::lock_guard<std::mutex> lock(mu_);
  auto net = networks_.find(request.network_id);
  if (net == networks_.end()) {
    return Status::NotFound(doing + ": network " + Short(request.network_id) +
                            " was deleted meanwhile");
  }
  const std::optional<Mac> wanted_mac = Mac::Parse(wanted);
  if (auto existing = endpoints_.find(request.endpoint_id);
      existing != endpoints_.end()) {
    const EndpointRecord& e = existing->second;
    if (e.network_id == request.network_id &&
        (!wanted_mac || *wanted_mac == e.mac)) {
      return CreateEndpointReply{request.mac.empty() ? e.mac.ToString() : ""};
    }
    return Status::AlreadyExists(doing +
                                 ": the endpoint ID is already used "
                                 "with NIC " +
                                 e.mac.ToString());
  }

  Result<Link> nic = ChooseNicLocked(net->second, wanted);
  if (!nic.ok()) return nic.status().Annotate(doing);

  EndpointRecord endpoint;
  endpoint.id = request.endpoint_id;
  endpoint.network_id = request.network_id;
  endpoint.mac = nic->mac;
  endpoint.address = request.address;
  endpoint.address6 = request.address6;
  endpoint.original = {nic->name, nic->mtu, nic->up};
  // A NIC hostnic still owes a restore keeps its first known state.
  if (auto orphan = orphans_.find(nic->mac); orphan != orphans_.end()) {
    endpoint.original = orphan->second.original;
  }

  const unsigned mtu = net->second.mtu;
  if (mtu != 0 && mtu != nic->mtu) {
    HOSTNIC_RETURN_IF_ERROR(links_->SetMtu(*nic, mtu).Annotate(doing));
  }
  Status saved = store_->PutEndpoint(endpoint);
  if (!saved.ok()) {
    if (mtu != 0 && mtu != nic->mtu) {
      Status undo = links_->SetMtu(*nic, nic->mtu);
      if (!undo.ok()) {
        spdlog::error("{}: undoing MTU: {}", doing, undo.message());
      }
    }
    return saved.Annotate(doing);
  }
  if (orphans_.erase(nic->mac) > 0) {
    Status s = store_->RemoveOrphan(nic->mac);
    if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
  }
  endpoints_[endpoint.id] = endpoint;
  holders_[nic->mac] = endpoint.id;
  spdlog::info("endpoint {} of network {} holds NIC {}", Short(endpoint.id),
               Short(endpoint.network_id), Describe(*nic));
  return CreateEndpointReply{request.mac.empty() ? nic->mac.ToString() : ""};
}

Result<Link> Driver::ChooseNicLocked(const NetworkRecord& network,
                                     const std::string& wanted) {
  if (!wanted.empty()) {
    std::optional<Link> link;
    if (auto mac = Mac::Parse(wanted)) {
      link = inventory_->FindByMac(*mac);
    } else {
      link = inventory_->FindByName(wanted);
    }
    if (!link) {
      // A held NIC is usually away, in its container.
      for (const auto& [id, e] : endpoints_) {
        if (Mac::Parse(wanted) == e.mac || wanted == e.original.name) {
          return HeldBy(e.original.name + " (" + e.mac.ToString() + ")", e);
        }
      }
      std::vector<std::string> free;
      for (const Link& l : inventory_->All()) {
        if (!holders_.count(l.mac) && RefusalReason(l).empty() &&
            InPool(network, l)) {
          free.push_back(Describe(l));
        }
      }
      return Status::NotFound(
          "no NIC " + wanted +
          " on this host; free NICs of this network: " + JoinList(free));
    }
    if (std::string why = RefusalReason(*link); !why.empty()) {
      return Status::FailedPrecondition("refusing NIC " + Describe(*link) +
                                        ": " + why);
    }
    if (!InPool(network, *link)) {
      return Status::FailedPrecondition(
          "NIC " + Describe(*link) + " is not in this network's pool (" +
          "hostnic.nics=" + network.options.at("hostnic.nics") + ")");
    }
    if (auto held = holders_.find(link->mac); held != holders_.end()) {
      return HeldBy(Describe(*link), endpoints_.at(held->second));
    }
    return *link;
  }

  // No NIC named: the first free eligible one of the pool, in name order
  // (or in the pool's order) so the choice is predictable.
  std::vector<Link> candidates;
  if (network.nics.empty()) {
    candidates = inventory_->All();
  } else {
    for (const std::string& spec : network.nics) {
      auto mac = Mac::Parse(spec);
      auto link =
          mac ? inventory_->FindByMac(*mac) : inventory_->FindByName(spec);
      if (link) candidates.push_back(*link);
    }
  }
  std::vector<std::string> busy;
  for (const Link& link : candidates) {
    if (!RefusalReason(link).empty()) continue;
    if (auto held = holders_.find(link.mac); held != holders_.end()) {
      busy.push_back(link.name + " by " + Short(held->second));
      continue;
    }
    return link;
  }
  std::string message =
      "no free NIC for network " + Short(network.id) +
      (network.nics.empty()
           ? ""
           : " (hostnic.nics=" + network.options.at("hostnic.nics") + ")");
  message += "; held: " + JoinList(busy) +
             "; attach another NIC or stop a container that holds one";
  return Status::Busy(message);
}

bool Driver::InPool(const NetworkRecord& network, const Link& link) const {
  return network.nics.empty() || MatchesAny(network.nics, link);
}

bool Driver::Allowed(const Link& link) const {
  return options_.allowed_nics.empty() ||
         MatchesAny(options_.allowed_nics, link);
}

std::string Driver::RefusalReason(const Link& link) const {
  if (link.loopback) return "it is the loopback device";
  if (link.kind == "bridge") {
    if (link.name == "docker0" || link.name.compare(0, 3, "br-") == 0 ||
        link.name == "docker_gwbridge") {
      return "it is a Docker bridge";
    }
    return "it is a bridge";
  }
  if (link.kind == "bond" || link.kind == "team" ||
      link.kind == "openvswitch") {
    return "it is a " + link.kind + " device";
  }
  if (link.kind == "ifb") return "it is an ifb traffic-shaping device";
  if (link.master != 0 || link.slave) {
    auto master = inventory_->FindByIndex(link.master);
    return "it is enslaved to " +
           (master ? master->name : "device " + std::to_string(link.master));
  }
  if (inventory_->HasDefaultRoute(link.ifindex)) {
    return "it carries a default route of the host's main routing table";
  }
  if (link.mac.IsZero()) return "it has no MAC address";
  if (!Allowed(link)) return "it is not in the daemon's --allow-nic list";
  return "";
}

Result<JoinReply> Driver::Join(const std::string& network_id,
                               const std::string& endpoint_id,
                               const std::string& sandbox_key) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  const std::string doing = "joining endpoint " + Short(endpoint_id) +
                            " of network " + Short(network_id);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = endpoints_.find(endpoint_id);
  if (it == endpoints_.end() || it->second.network_id != network_id) {
    return Status::NotFound(doing + ": hostnic does not know this endpoint");
  }
  EndpointRecord endpoint = it->second;
  auto net = networks_.find(network_id);
  if (net == networks_.end()) {
    return Status::NotFound(doing + ": hostnic does not know the network");
  }
  std::optional<Link> link = inventory_->FindByMac(endpoint.mac);
  if (!link) {
    return Status::NotFound(doing + ": NIC " + endpoint.mac.ToString() +
                            " (was " + endpoint.original.name +
                            ") is not on the host; it is in another "
                            "namespace or was detached");
  }
  if (std::string why = RefusalReason(*link); !why.empty()) {
    return Status::FailedPrecondition(doing + ": refusing NIC " +
                                      Describe(*link) + ": " + why);
  }
  endpoint.joined = true;
  endpoint.sandbox_key = sandbox_key;
  HOSTNIC_RETURN_IF_ERROR(store_->PutEndpoint(endpoint).Annotate(doing));
  it->second = endpoint;

  const NetworkRecord& network = net->second;
  JoinReply reply;
  reply.src_name = link->name;
  if (!endpoint.address.empty()) reply.gateway = network.gateway;
  if (!endpoint.address6.empty()) reply.gateway6 = network.gateway6;
  for (const Route& route : network.routes) {
    const bool v6 = LooksLikeIpv6(route.destination);
    if (v6 ? !endpoint.address6.empty() : !endpoint.address.empty()) {
      reply.static_routes.push_back(route);
    }
  }
  spdlog::info("endpoint {} joins sandbox {} with NIC {}", Short(endpoint_id),
               sandbox_key, Describe(*link));
  return reply;
}

Status Driver::Leave(const std::string& network_id,
                     const std::string& endpoint_id) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = endpoints_.find(endpoint_id);
  if (it == endpoints_.end() || !it->second.joined) return Status::Ok();
  EndpointRecord endpoint = it->second;
  endpoint.joined = false;
  endpoint.sandbox_key.clear();
  HOSTNIC_RETURN_IF_ERROR(store_->PutEndpoint(endpoint).Annotate(
      "leaving endpoint " + Short(endpoint_id)));
  it->second = endpoint;
  return Status::Ok();
}

Status Driver::DeleteEndpoint(const std::string& network_id,
                              const std::string& endpoint_id) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  EndpointRecord endpoint;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = endpoints_.find(endpoint_id);
    if (it == endpoints_.end()) return Status::Ok();
    endpoint = it->second;
    HOSTNIC_RETURN_IF_ERROR(ReleaseLocked(endpoint));
  }
  RunDetach(endpoint);
  return Status::Ok();
}

void Driver::RunDetach(const EndpointRecord& endpoint) {
  if (hooks_ == nullptr || !hooks_->HasDetach()) return;
  HookRequest hook{endpoint.network_id, endpoint.id, endpoint.mac,
                   endpoint.address, endpoint.original.name};
  Status s = hooks_->Detach(hook);
  counters_.hook_runs++;
  if (!s.ok()) {
    // The NIC is released either way; the operator learns of the stray NIC.
    counters_.hook_failures++;
    spdlog::warn("detach hook for NIC {} of endpoint {}: {}",
                 endpoint.mac.ToString(), Short(endpoint.id), s.message());
  }
}

Status Driver::ReleaseLocked(const EndpointRecord& endpoint) {
  const std::string doing = "releasing NIC " + endpoint.mac.ToString() +
                            " of endpoint " + Short(endpoint.id);
  if (auto link = inventory_->FindByMac(endpoint.mac)) {
    HOSTNIC_RETURN_IF_ERROR(
        RestoreLocked(*link, endpoint.original, /*came_back=*/false));
  } else {
    // Still on its way back from the container: put it back when it shows.
    OrphanRecord orphan{endpoint.mac, endpoint.original, endpoint.id};
    HOSTNIC_RETURN_IF_ERROR(store_->PutOrphan(orphan).Annotate(doing));
    orphans_[orphan.mac] = orphan;
  }
  HOSTNIC_RETURN_IF_ERROR(store_->RemoveEndpoint(endpoint.id).Annotate(doing));
  spdlog::info("endpoint {} released NIC {}", Short(endpoint.id),
               endpoint.mac.ToString());
  auto held = holders_.find(endpoint.mac);
  if (held != holders_.end() && held->second == endpoint.id) {
    holders_.erase(held);
  }
  endpoints_.erase(endpoint.id);
  return Status::Ok();
}

Status Driver::RestoreLocked(const Link& link, const NicState& original,
                             bool came_back) {
  const std::string doing = "putting NIC " + Describe(link) + " back";
  Link current = link;
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
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<NicState> owed = OwedLocked(link);
  if (!owed) return;
  Status s = RestoreLocked(link, *owed, /*came_back=*/true);
  if (s.ok()) {
    spdlog::info("NIC {} came back to the host as {}; put back as {}",
                 link.mac.ToString(), link.name, owed->name);
  } else {
    spdlog::warn("{}", s.message());
  }
}

Result<std::map<std::string, std::string>> Driver::EndpointInfo(
    const std::string& network_id, const std::string& endpoint_id) const {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = endpoints_.find(endpoint_id);
  if (it == endpoints_.end()) {
    return Status::NotFound("endpoint " + Short(endpoint_id) +
                            " is not known to hostnic");
  }
  return std::map<std::string, std::string>{
      {"hostnic.mac", it->second.mac.ToString()},
      {"hostnic.nic", it->second.original.name}};
}

std::vector<NicReport> Driver::Report() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<NicReport> rows;
  std::unordered_map<Mac, bool> seen;
  for (const Link& link : inventory_->All()) {
    NicReport row;
    row.link = link;
    row.refused = RefusalReason(link);
    if (auto held = holders_.find(link.mac); held != holders_.end()) {
      const EndpointRecord& e = endpoints_.at(held->second);
      row.network_id = e.network_id;
      row.endpoint_id = e.id;
      row.joined = e.joined;
      row.sandbox_key = e.sandbox_key;
      seen[link.mac] = true;
    }
    rows.push_back(row);
  }
  for (const auto& [id, e] : endpoints_) {
    if (seen.count(e.mac)) continue;
    NicReport row;
    row.present = false;
    row.link.mac = e.mac;
    row.link.name = e.original.name;
    row.link.mtu = e.original.mtu;
    row.network_id = e.network_id;
    row.endpoint_id = e.id;
    row.joined = e.joined;
    row.sandbox_key = e.sandbox_key;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace hostnic
