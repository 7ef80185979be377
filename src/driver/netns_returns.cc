#include "driver/netns_returns.h"

#include <spdlog/spdlog.h>

#include "driver/messages.h"
#include "driver/serial_queue.h"
#include "hostnic/mac.h"
#include "hostnic/options.h"

namespace hostnic {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

std::string Ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

}  // namespace

NetnsReturns::NetnsReturns(Driver* driver, Inventory* inventory,
                           NetnsHome* home, NetnsReturnsOptions options)
    : driver_(driver),
      inventory_(inventory),
      home_(home),
      options_(options),
      queue_(std::make_unique<SerialQueue>()) {}

NetnsReturns::~NetnsReturns() { Drain(); }

Status NetnsReturns::Begin(const std::string& network_id,
                           const std::string& endpoint_id,
                           const std::string& netns) {
  if (Returning(endpoint_id)) return Status::Ok();
  auto info = driver_->EndpointInfo(network_id, endpoint_id);
  if (!info.ok()) {
    return info.status().code() == Code::kNotFound ? Status::Ok()
                                                   : info.status();
  }
  Return r{endpoint_id, network_id, netns, *Mac::Parse(info->at(kInfoMac)),
           info->at(kOptNic)};
  const std::string doing = "returning NIC " + NicLabel(r.host_name, r.mac) +
                            " of endpoint " + Short(endpoint_id) + " from " +
                            netns;
  Result<int> held = home_->Hold(netns);
  if (!held.ok()) {
    if (held.status().code() != Code::kNotFound) {
      return held.status().Annotate(doing);
    }
    spdlog::info(
        "{}: the namespace is gone, and the NIC is not in it (a NIC comes "
        "home by itself, a veth dies with it); releasing the endpoint",
        doing);
    return Release(network_id, endpoint_id);
  }
  r.held = *held;
  if (Status owed = driver_->OweReturn(network_id, endpoint_id, netns);
      !owed.ok()) {
    home_->Drop(r.held);
    return owed;
  }
  bool now = false;
  {
    MutexLock lock(&mu_);
    if (!returning_.emplace(endpoint_id, r).second) {
      // A repeated DEL got here first.
      home_->Drop(r.held);
      return Status::Ok();
    }
    now = drained_;
  }
  if (now || !queue_->Post([this, r] { Finish(r); })) {
    Finish(r);
  }
  return Status::Ok();
}

bool NetnsReturns::Returning(const std::string& endpoint_id) const {
  MutexLock lock(&mu_);
  return returning_.count(endpoint_id) > 0;
}

void NetnsReturns::Finish(const Return& r) {
  const std::string& endpoint_id = r.endpoint_id;
  const std::string nic = "NIC " + NicLabel(r.host_name, r.mac) +
                          " of endpoint " + Short(endpoint_id);
  bool abandon = false;
  {
    MutexLock lock(&mu_);
    abandon = abandon_;
  }
  if (abandon) {
    home_->Drop(r.held);
    spdlog::warn(
        "{} is still in {}: hostnic stops; its next start brings it "
        "home",
        nic, r.netns);
  } else {
    Result<bool> back = home_->MoveHome(r.held, r.mac, r.host_name);
    home_->Drop(r.held);
    if (!back.ok()) {
      spdlog::error(
          "{}; releasing the endpoint all the same: the NIC is put back "
          "when it reappears on the host",
          back.status().message());
    } else if (!*back) {
      spdlog::info("{} was no longer in {}; releasing the endpoint", nic,
                   r.netns);
    }
    const bool moved = back.ok() && *back;
    if (Status s = Release(r.network_id, endpoint_id,
                           moved ? std::optional<CameHome>({r.mac, r.host_name})
                                 : std::nullopt);
        !s.ok()) {
      spdlog::error("{}; the next start releases it", s.message());
    }
  }
  MutexLock lock(&mu_);
  returning_.erase(endpoint_id);
  ++finished_;
  changed_.notify_all();
}

Status NetnsReturns::Release(const std::string& network_id,
                             const std::string& endpoint_id,
                             const std::optional<CameHome>& came_home) {
  if (came_home) {
    inventory_->WaitForName(came_home->mac, came_home->name, options_.wait);
  }
  HOSTNIC_RETURN_IF_ERROR(driver_->Leave(network_id, endpoint_id));
  return driver_->DeleteEndpoint(network_id, endpoint_id);
}

const NetnsReturns::Return* NetnsReturns::Blocking(
    const std::string& endpoint_id, const std::string& nic) const {
  const std::optional<Mac> mac = Mac::Parse(nic);
  for (const auto& [id, r] : returning_) {
    if (id == endpoint_id || (mac && *mac == r.mac) ||
        (!nic.empty() && nic == r.host_name)) {
      return &r;
    }
  }
  return nullptr;
}

Result<CreateEndpointReply> NetnsReturns::CreateEndpoint(
    const CreateEndpointRequest& request) {
  const SteadyTime until = std::chrono::steady_clock::now() + options_.wait;
  std::string nic = request.mac;
  if (auto it = request.options.find(kOptNic);
      nic.empty() && it != request.options.end()) {
    nic = it->second;
  }
  uint64_t seen = 0;
  {
    MutexLock lock(&mu_);
    while (const Return* r = Blocking(request.endpoint_id, nic)) {
      if (std::chrono::steady_clock::now() >= until) {
        return Status::Timeout(
            "NIC " + NicLabel(r->host_name, r->mac) +
            ", asked for by endpoint " + Short(request.endpoint_id) +
            ", is still on its way home from " + r->netns +
            " (the DEL of endpoint " + Short(r->endpoint_id) + ") after " +
            Ms(options_.wait));
      }
      changed_.wait_until(*lock.native(), until);
    }
    seen = finished_;
  }
  for (;;) {
    Result<CreateEndpointReply> created = driver_->CreateEndpoint(request);
    if (created.ok() || created.status().code() != Code::kBusy) {
      return created;
    }
    MutexLock lock(&mu_);
    if (finished_ == seen && returning_.empty()) return created;
    while (finished_ == seen) {
      if (std::chrono::steady_clock::now() >= until) {
        std::string list;
        for (const auto& [id, r] : returning_) {
          list += (list.empty() ? "" : ", ") + NicLabel(r.host_name, r.mac) +
                  " of endpoint " + Short(id) + " from " + r.netns;
        }
        return Status::Timeout(created.status().message() +
                               "; still on their way home after " +
                               Ms(options_.wait) + ": " + list);
      }
      changed_.wait_until(*lock.native(), until);
    }
    seen = finished_;
  }
}

std::vector<std::string> NetnsReturns::Recover() {
  std::vector<std::string> said;
  const std::vector<NicReport> report = driver_->Report();
  for (const EndpointRecord& e : driver_->ReturnsOwed()) {
    std::string what;
    Result<int> held = home_->Hold(e.return_from);
    Result<bool> back = false;
    if (held.ok()) {
      back = home_->MoveHome(*held, e.mac, e.original.name);
      home_->Drop(*held);
    }
    bool on_host = false, gone = false;
    for (const NicReport& row : report) {
      if (row.endpoint_id == e.id && row.present) on_host = true;
    }
    if (back.ok() && *back) {
      what = "brought home from " + e.return_from;
    } else if (on_host) {
      what = "found on the host; freed";
    } else {
      what = "neither in " + e.return_from +
             " nor on the host (a veth dies with its namespace); its "
             "endpoint is dropped";
      // Unless it could not be looked for: then it may come back yet.
      gone =
          back.ok() && (held.ok() || held.status().code() == Code::kNotFound);
    }
    if (!back.ok()) what = back.status().message() + "; " + what;
    const bool moved = back.ok() && *back;
    if (Status s =
            Release(e.network_id, e.id,
                    moved ? std::optional<CameHome>({e.mac, e.original.name})
                          : std::nullopt);
        !s.ok()) {
      what += "; " + s.message();
    } else if (gone) {
      // Released while away, the NIC is owed a restore it never comes for.
      if (Status f = driver_->ForgetOwedRestore(e.mac); !f.ok()) {
        what += "; " + f.message();
      }
    }
    said.push_back("NIC " + NicLabel(e.original.name, e.mac) + " of endpoint " +
                   Short(e.id) +
                   " was owed a return when hostnic stopped: " + what);
  }
  for (const std::string& line : said) spdlog::warn("recovery: {}", line);
  return said;
}

void NetnsReturns::Drain() {
  {
    MutexLock lock(&mu_);
    if (drained_) return;
    drained_ = true;
    const SteadyTime until = std::chrono::steady_clock::now() + options_.drain;
    while (!returning_.empty() && std::chrono::steady_clock::now() < until) {
      changed_.wait_until(*lock.native(), until);
    }
    if (!returning_.empty()) {
      abandon_ = true;
      spdlog::warn(
          "{} NIC returns still under way after {}; the next start "
          "finishes them",
          returning_.size(), Ms(options_.drain));
    }
  }
  queue_->Stop();
}

}  // namespace hostnic
