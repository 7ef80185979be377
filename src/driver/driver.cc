#include "driver/driver.h"

#include <spdlog/spdlog.h>

#include "common/worker_pool.h"
#include "driver/lease_book.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"
#include "driver/serial_queue.h"
#include "hostnic/options.h"

namespace hostnic {

namespace {
// CreateEndpoints resumed after a NIC wait at once, as many as the plugin
// socket's request workers.
constexpr size_t kResumeThreads = 64;
}  // namespace

Driver::Driver(DriverOptions options, Inventory* inventory, LinkControl* links,
               Store* store, Hooks* hooks, AddressPorts addresses)
    : options_(std::move(options)),
      inventory_(inventory),
      links_(links),
      store_(store),
      hooks_(hooks),
      addresses_(addresses),
      clock_(addresses.clock != nullptr ? addresses.clock : SystemClock()),
      table_(std::make_unique<NicTable>()),
      book_(std::make_unique<LeaseBook>()),
      book6_(std::make_unique<LeaseBook>()),
      resumes_(std::make_unique<WorkerPool>(kResumeThreads)),
      link_events_(std::make_unique<SerialQueue>()),
      event_hooks_(hooks != nullptr && hooks->HasDetach()
                       ? std::make_unique<SerialQueue>()
                       : nullptr) {}

Driver::~Driver() { Shutdown(); }

Status Driver::CreateNetwork(const CreateNetworkRequest& request) {
  HOSTNIC_RETURN_IF_ERROR(CheckId("network", request.network_id));
  Result<NetworkRecord> network = ParseNetwork(request);
  if (!network.ok()) {
    return network.status().Annotate("creating network " +
                                     Short(request.network_id));
  }
  std::string missing;
  if (network->address_source == "dhcp" && addresses_.dhcp == nullptr) {
    missing = "hostnic.address=dhcp, but this daemon has no DHCP client";
  } else if (network->address_source == "hook" && addresses_.hook == nullptr) {
    missing =
        "hostnic.address=hook, but the daemon runs without --address-hook";
  } else if (network->address6_source == "dhcp6" &&
             addresses_.dhcp6 == nullptr) {
    missing = "hostnic.address6=dhcp6, but this daemon has no DHCPv6 client";
  } else if (network->address6_source == "slaac" &&
             addresses_.slaac == nullptr) {
    missing = "hostnic.address6=slaac, but this daemon has no SLAAC source";
  } else if (network->block_metadata && addresses_.sandbox == nullptr) {
    missing =
        "hostnic.block-metadata=true, but this daemon cannot change "
        "sandboxes";
  } else if (network->block_metadata && addresses_.guard == nullptr) {
    missing =
        "hostnic.block-metadata=true, but this daemon has no metadata guard";
  }
  if (!missing.empty()) {
    return Status::FailedPrecondition(
        "creating network " + Short(request.network_id) + ": " + missing);
  }
  MutexLock lock(&mu_);
  if (const NetworkRecord* existing = table_->Network(network->id)) {
    // A replay is harmless; other settings under a live ID would change the
    // rules for endpoints that already hold NICs.
    if (*existing == *network) return Status::Ok();
    return Status::AlreadyExists(
        "creating network " + Short(request.network_id) +
        ": hostnic already has this network with other settings; remove it "
        "(docker network rm) before creating it again");
  }
  HOSTNIC_RETURN_IF_ERROR(store_->PutNetwork(*network).Annotate(
      "creating network " + Short(request.network_id)));
  table_->PutNetwork(*network);
  return Status::Ok();
}

Status Driver::DeleteNetwork(const std::string& network_id) {
  HOSTNIC_RETURN_IF_ERROR(CheckId("network", network_id));
  std::vector<EndpointRecord> released;
  Status status;
  {
    MutexLock lock(&mu_);
    for (const EndpointRecord& e : table_->EndpointsOf(network_id)) {
      status = ReleaseEndpoint(e);
      if (!status.ok()) break;
      released.push_back(e);
    }
    if (status.ok()) {
      ReleaseLeases(network_id);
      // Endpoint records left by releases while the disk failed go first, or
      // a restart finds them holding NICs for a network that is gone.
      RetryRemovals();
      status = store_->RemoveNetwork(network_id);
      if (status.ok()) status = table_->RemoveNetwork(network_id);
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

void Driver::Shutdown() {
  shutting_down_ = true;
  inventory_->WakeWaiters();
  {
    MutexLock lock(&waits_mu_);
    while (waits_ != 0) waits_done_.wait(*lock.native());
  }
  // Events first: handling them may start hooks.
  link_events_->Stop();
  if (event_hooks_) event_hooks_->Stop();
}

Result<std::map<std::string, std::string>> Driver::EndpointInfo(
    const std::string& network_id, const std::string& endpoint_id) const {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  MutexLock lock(&mu_);
  const EndpointRecord* e = table_->Endpoint(endpoint_id);
  if (e == nullptr) {
    return Status::NotFound("endpoint " + Short(endpoint_id) +
                            " is not known to hostnic");
  }
  return std::map<std::string, std::string>{{kInfoMac, e->mac.ToString()},
                                            {kOptNic, e->original.name}};
}

std::vector<std::string> Driver::Violations() const {
  MutexLock lock(&mu_);
  std::vector<std::string> broken = table_->Violations();
  for (std::string& b : book_->Violations()) broken.push_back(std::move(b));
  for (std::string& b : book6_->Violations()) broken.push_back(std::move(b));
  return broken;
}

std::vector<NicReport> Driver::Report() const {
  MutexLock lock(&mu_);
  std::vector<NicReport> rows;
  std::unordered_map<Mac, bool> seen;
  for (const Link& link : inventory_->All()) {
    NicReport row;
    row.link = link;
    row.refused = RefusalReason(link);
    if (const EndpointRecord* held = table_->HolderOf(link.mac)) {
      const EndpointRecord& e = *held;
      row.network_id = e.network_id;
      row.endpoint_id = e.id;
      row.joined = e.joined;
      row.sandbox_key = e.sandbox_key;
      seen[link.mac] = true;
    }
    book_->Report(&row, clock_->Now(), clock_->Monotonic());
    book6_->Report(&row, clock_->Now(), clock_->Monotonic());
    if (addresses_.guard != nullptr)
      row.guard = addresses_.guard->Info(link.mac);
    rows.push_back(row);
  }
  for (const auto& [id, e] : table_->endpoints()) {
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
    book_->Report(&row, clock_->Now(), clock_->Monotonic());
    book6_->Report(&row, clock_->Now(), clock_->Monotonic());
    if (addresses_.guard != nullptr) row.guard = addresses_.guard->Info(e.mac);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace hostnic
