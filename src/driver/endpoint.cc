// Endpoints: waiting for or attaching a NIC (choose_nic.cc chooses it),
// holding it, and releasing it.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "common/await.h"
#include "common/worker_pool.h"
#include "driver/driver.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_rules.h"
#include "driver/nic_table.h"

namespace hostnic {

namespace {

// How long to wait for a NIC after an attach hook when neither the network
// (hostnic.wait) nor the daemon (--wait) says.
constexpr std::chrono::milliseconds kAttachWait{60000};

// Kept free before the caller's deadline for the work after a wait (netlink,
// the store) and the answer's way back.
constexpr std::chrono::milliseconds kAnswerMargin{2000};

std::string SecondsText(std::chrono::milliseconds ms) {
  return std::to_string(ms.count() / 1000.0).substr(0, 5) + " s";
}

}  // namespace

// One CreateEndpoint under way, carried through a wait for its NIC.
struct Driver::Creation {
  CreateEndpointRequest request;
  std::string doing;
  UnixSeconds started = 0;
  UnixSeconds answer_by = kNever;
  CreateEndpointDone done;
};

Result<CreateEndpointReply> Driver::CreateEndpoint(
    const CreateEndpointRequest& request) {
  return Await<Result<CreateEndpointReply>>([&](CreateEndpointDone done) {
    CreateEndpoint(request, std::move(done));
  });
}

void Driver::CreateEndpoint(const CreateEndpointRequest& request,
                            CreateEndpointDone done) {
  if (Status valid = Validate(request.network_id, request.endpoint_id);
      !valid.ok()) {
    done(std::move(valid));
    return;
  }
  auto creation = std::make_shared<Creation>();
  creation->request = request;
  creation->doing = "creating endpoint " + Short(request.endpoint_id) +
                    " on network " + Short(request.network_id);
  creation->started = clock_->Now();
  if (options_.call_timeout.count() > 0) {
    creation->answer_by = creation->started + options_.call_timeout.count();
  }
  creation->done = std::move(done);
  HoldNic(creation);
}

void Driver::Finish(const std::shared_ptr<Creation>& creation,
                    Result<CreateEndpointReply> reply) {
  if (reply.ok()) {
    reply = AssignAddress(creation->request, *reply, creation->doing,
                          /*v6=*/false);
  }
  if (reply.ok()) {
    reply = AssignAddress(creation->request, *reply, creation->doing,
                          /*v6=*/true);
  }
  if (reply.ok()) {
    reply = GuardNic(creation->request, *reply, creation->doing);
  }
  // Seconds granularity: an answer in the deadline's second counts as late;
  // if Docker did get it, its Join keeps the endpoint.
  if (reply.ok() && clock_->Now() >= creation->answer_by) {
    MarkLate(creation->request.endpoint_id, creation->started, creation->doing);
  }
  creation->done(std::move(reply));
}

void Driver::MarkLate(const std::string& endpoint_id, UnixSeconds started,
                      const std::string& doing) {
  MutexLock lock(&mu_);
  const EndpointRecord* endpoint = table_->Endpoint(endpoint_id);
  if (endpoint == nullptr || endpoint->joined) return;
  const UnixSeconds now = clock_->Now();
  unjoined_[endpoint_id] = {now + options_.unjoined_grace.count(), true};
  spdlog::warn(
      "{}: answered {} s after the call began, past the caller's {} s "
      "timeout (--call-timeout): Docker has probably rolled the endpoint "
      "back; NIC {} goes to the next endpoint that asks for it and is "
      "released unless Docker joins the endpoint within {} s "
      "(--unjoined-grace)",
      doing, now - started, options_.call_timeout.count(),
      endpoint->mac.ToString(), options_.unjoined_grace.count());
}

std::chrono::milliseconds Driver::FitWait(
    std::chrono::milliseconds wait, UnixSeconds answer_by,
    std::chrono::milliseconds reserve) const {
  if (answer_by == kNever) return wait;
  const auto left = std::chrono::seconds(answer_by - clock_->Now()) - reserve;
  return std::clamp<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(left),
      std::chrono::milliseconds(0), wait);
}

void Driver::HoldNic(const std::shared_ptr<Creation>& creation) {
  const CreateEndpointRequest& request = creation->request;
  const std::string& doing = creation->doing;
  // Which NIC the user asked for, if any: --mac-address or --driver-opt.
  Result<std::optional<NicSpec>> parsed = ParseWantedNic(request);
  if (!parsed.ok()) return Finish(creation, parsed.status().Annotate(doing));
  const std::optional<NicSpec> wanted = *parsed;
  const std::optional<Mac> wanted_mac =
      wanted ? wanted->mac() : std::optional<Mac>();

  std::chrono::milliseconds wait = options_.default_wait;
  // What a wait must leave for the rest of the call.
  std::chrono::milliseconds reserve = kAnswerMargin;
  Status valid = Status::Ok();
  {
    MutexLock lock(&mu_);
    const NetworkRecord* net = table_->Network(request.network_id);
    if (net == nullptr) {
      valid = Status::NotFound(doing + ": hostnic does not know network " +
                               Short(request.network_id) +
                               "; re-create it with docker network create");
    } else {
      if (net->wait_ms >= 0) wait = std::chrono::milliseconds(net->wait_ms);
      if (net->address_source == "dhcp") {
        reserve += std::chrono::milliseconds(net->dhcp_timeout_ms);
      }
      if (!net->address6_source.empty()) {
        reserve += std::chrono::milliseconds(net->dhcp_timeout_ms);
      }
      valid = CheckInSubnet(request.address, net->subnet).Annotate(doing);
      if (valid.ok()) {
        valid = CheckInSubnet(request.address6, net->subnet6).Annotate(doing);
      }
    }
  }
  if (!valid.ok()) return Finish(creation, std::move(valid));
  const bool can_attach = hooks_ != nullptr && hooks_->HasAttach();
  // A cloud NIC shows up seconds after its attach call returns.
  const std::chrono::milliseconds attach_wait =
      wait.count() > 0 ? wait : kAttachWait;
  const UnixSeconds answer_by = creation->answer_by;

  // The NIC asked for is absent: have it attached, or wait for it to be
  // hot-plugged -- without holding mu_ or a thread, so other requests go on.
  if (wanted_mac && !inventory_->FindByMac(*wanted_mac)) {
    if (can_attach) {
      Status attached = RunAttach(request, wanted_mac, doing).status();
      if (!attached.ok()) return Finish(creation, std::move(attached));
      wait = attach_wait;
    }
    if (wait.count() > 0) {
      return AwaitNic(creation, *wanted_mac, FitWait(wait, answer_by, reserve),
                      wait, [this, creation, wanted] {
                        Finish(creation,
                               CreateEndpointNow(creation->request, wanted,
                                                 creation->doing));
                      });
    }
  }

  Result<CreateEndpointReply> reply = CreateEndpointNow(request, wanted, doing);
  if (reply.ok() || wanted || !can_attach ||
      reply.status().code() != Code::kBusy) {
    return Finish(creation, std::move(reply));
  }
  // No free NIC in the pool: ask the attach hook for one.
  Result<std::optional<Mac>> attached = RunAttach(request, std::nullopt, doing);
  if (!attached.ok()) return Finish(creation, attached.status());
  if (!*attached) {
    return Finish(creation, CreateEndpointNow(request, std::nullopt, doing));
  }
  const Mac mac = **attached;
  AwaitNic(creation, mac, FitWait(attach_wait, answer_by, reserve), attach_wait,
           [this, creation, mac] {
             Finish(creation,
                    CreateEndpointNow(creation->request, NicSpec::OfMac(mac),
                                      creation->doing));
           });
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

void Driver::AwaitNic(const std::shared_ptr<Creation>& creation, const Mac& mac,
                      std::chrono::milliseconds wait,
                      std::chrono::milliseconds asked,
                      std::function<void()> then) {
  spdlog::info("{}: waiting up to {} ms for NIC {}", creation->doing,
               wait.count(), mac.ToString());
  counters_.waits++;
  {
    MutexLock lock(&waits_mu_);
    ++waits_;
  }
  // The answer comes on the inventory's watch thread, which must not do a
  // claim's netlink, store and DHCP work: that goes to a resume thread.
  inventory_->WatchMac(
      mac, wait, options_.settle, [this] { return shutting_down_.load(); },
      [this, creation, mac, wait, asked,
       then = std::move(then)](std::optional<Link> link) mutable {
        resumes_->Submit([this, creation, mac, wait, asked,
                          found = link.has_value(), then = std::move(then)] {
          if (found) {
            then();
          } else {
            Finish(creation, WaitFailed(mac, wait, asked, creation->doing));
          }
          {
            MutexLock lock(&waits_mu_);
            --waits_;
          }
          waits_done_.notify_all();
        });
      });
}

Status Driver::WaitFailed(const Mac& mac, std::chrono::milliseconds wait,
                          std::chrono::milliseconds asked,
                          const std::string& doing) {
  counters_.wait_timeouts++;
  if (shutting_down_) {
    return Status::FailedPrecondition(doing + ": hostnic is shutting down");
  }
  std::string message = doing + ": NIC " + mac.ToString() +
                        " did not appear on the host within " +
                        SecondsText(wait) + " (hostnic.wait / --wait)";
  if (wait < asked) {
    message += "; the wait of " + SecondsText(asked) +
               " was cut so that hostnic answers before Docker gives up on "
               "the call after " +
               std::to_string(options_.call_timeout.count()) +
               " s (--call-timeout; for the managed plugin raise "
               "`docker plugin enable --timeout` and set CALL_TIMEOUT to "
               "match)";
  }
  return Status::Timeout(message);
}

Result<CreateEndpointReply> Driver::CreateEndpointNow(
    const CreateEndpointRequest& request, const std::optional<NicSpec>& wanted,
    const std::string& doing) {
  MutexLock lock(&mu_);
  const NetworkRecord* net = table_->Network(request.network_id);
  if (net == nullptr) {
    return Status::NotFound(doing + ": network " + Short(request.network_id) +
                            " was deleted meanwhile");
  }
  if (const EndpointRecord* existing = table_->Endpoint(request.endpoint_id)) {
    const EndpointRecord& e = *existing;
    if (e.network_id == request.network_id &&
        (!wanted || !wanted->mac() || *wanted->mac() == e.mac)) {
      return CreateEndpointReply{request.mac.empty() ? e.mac.ToString() : "",
                                 "", ""};
    }
    return Status::AlreadyExists(doing +
                                 ": the endpoint ID is already used "
                                 "with NIC " +
                                 e.mac.ToString());
  }

  RetryRemovals();
  Result<Link> nic = wanted ? WantedNic(*net, *wanted) : FreeNic(*net);
  if (!nic.ok()) return nic.status().Annotate(doing);
  // The inventory may lag behind a change just made (the previous holder's
  // MTU restore, say): record and compare the kernel's view.
  nic = links_->Refresh(*nic);
  if (!nic.ok()) return nic.status().Annotate(doing);

  EndpointRecord endpoint;
  endpoint.id = request.endpoint_id;
  endpoint.network_id = request.network_id;
  endpoint.mac = nic->mac;
  endpoint.address = request.address;
  endpoint.address6 = request.address6;
  endpoint.original = {nic->name, nic->mtu, nic->up};
  // A NIC hostnic still owes a restore keeps its first known state.
  const bool owed = table_->Orphan(nic->mac) != nullptr;
  if (owed) endpoint.original = table_->Orphan(nic->mac)->original;

  const unsigned mtu = net->mtu;
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
  // Cannot fail: the network is known, the ID unused and the NIC free (all
  // checked above under the same lock).
  HOSTNIC_RETURN_IF_ERROR(table_->Hold(endpoint).Annotate(doing));
  if (owed) {
    Status s = store_->RemoveOrphan(nic->mac);
    if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
  }
  spdlog::info("endpoint {} of network {} holds NIC {}", Short(endpoint.id),
               Short(endpoint.network_id), NicLabel(*nic));
  return CreateEndpointReply{request.mac.empty() ? nic->mac.ToString() : "", "",
                             ""};
}

Status Driver::DeleteEndpoint(const std::string& network_id,
                              const std::string& endpoint_id) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  EndpointRecord endpoint;
  {
    MutexLock lock(&mu_);
    const EndpointRecord* e = table_->Endpoint(endpoint_id);
    if (e == nullptr) return Status::Ok();
    HOSTNIC_RETURN_IF_ERROR(
        CheckNetworkOf(*e, network_id, "deleting endpoint"));
    endpoint = *e;
    HOSTNIC_RETURN_IF_ERROR(ReleaseEndpoint(endpoint));
  }
  RunDetach(endpoint);
  return Status::Ok();
}

Status Driver::CheckNetworkOf(const EndpointRecord& endpoint,
                              const std::string& network_id,
                              const std::string& doing) const {
  if (endpoint.network_id == network_id) return Status::Ok();
  return Status::InvalidArgument(doing + " " + Short(endpoint.id) +
                                 ": it belongs to network " +
                                 Short(endpoint.network_id) + ", not " +
                                 Short(network_id) + "; nothing was changed");
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

Status Driver::ReleaseEndpoint(EndpointRecord endpoint) {
  const std::string doing = "releasing NIC " + endpoint.mac.ToString() +
                            " of endpoint " + Short(endpoint.id);
  RetryRemovals();
  const std::optional<Link> link = inventory_->FindByMac(endpoint.mac);
  if (link) {
    HOSTNIC_RETURN_IF_ERROR(
        Restore(*link, endpoint.original, /*came_back=*/false));
  } else {
    if (addresses_.guard != nullptr) {
      // Forgets it; the NIC is detached from the guard when it shows.
      Status s = addresses_.guard->Detach(endpoint.mac, 0);
      if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
    }
    // Still on its way back from the container: put it back when it shows.
    OrphanRecord orphan{endpoint.mac, endpoint.original, endpoint.id};
    HOSTNIC_RETURN_IF_ERROR(store_->PutOrphan(orphan).Annotate(doing));
  }
  // The NIC is back (or owed) either way: release it now, so a full or
  // read-only state directory cannot strand it; a record that could not be
  // removed is removed by a later request.
  Status removed = store_->RemoveEndpoint(endpoint.id);
  const bool freed = table_->Release(endpoint.id, /*owed_restore=*/!link,
                                     /*record_removed=*/removed.ok());
  if (!link && !freed) {
    // Another record of the NIC took it over: nothing is owed.
    Status s = store_->RemoveOrphan(endpoint.mac);
    if (!s.ok()) spdlog::warn("{}: {}", doing, s.message());
  }
  unjoined_.erase(endpoint.id);
  if (!removed.ok()) {
    return removed.Annotate(doing +
                            " (the NIC is free; its record stays "
                            "until the state directory is writable)");
  }
  spdlog::info("endpoint {} released NIC {}", Short(endpoint.id),
               endpoint.mac.ToString());
  return Status::Ok();
}

void Driver::RetryRemovals() {
  const std::unordered_set<std::string> pending = table_->pending_removals();
  for (const std::string& id : pending) {
    if (store_->RemoveEndpoint(id).ok()) table_->RemovalDone(id);
  }
}

}  // namespace hostnic
