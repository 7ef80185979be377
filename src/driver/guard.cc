// The metadata guard (hostnic.block-metadata): on the NIC from before it
// moves into its container until it comes home (see Restore), and put
// back at start on every NIC still held.
#include <spdlog/spdlog.h>

#include "driver/driver.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"

namespace hostnic {

namespace {

std::string Joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

}  // namespace

Result<CreateEndpointReply> Driver::GuardNic(
    const CreateEndpointRequest& request, CreateEndpointReply reply,
    const std::string& doing) {
  Mac mac;
  std::vector<std::string> addresses;
  {
    MutexLock lock(&mu_);
    const EndpointRecord* endpoint = table_->Endpoint(request.endpoint_id);
    const NetworkRecord* network = table_->Network(request.network_id);
    if (endpoint == nullptr || network == nullptr || !network->block_metadata) {
      return reply;
    }
    mac = endpoint->mac;
    addresses = GuardedAddresses(*network);
  }
  // Loading the program takes a while: not under mu_. The NIC is held, on
  // the host, and nobody else touches it meanwhile.
  Status attached = addresses_.guard->Attach("", mac, addresses);
  if (attached.ok()) {
    spdlog::info("{}: NIC {} guarded against the metadata service ({})", doing,
                 mac.ToString(), Joined(addresses));
    return reply;
  }
  std::optional<EndpointRecord> released;
  {
    MutexLock lock(&mu_);
    if (const EndpointRecord* e = table_->Endpoint(request.endpoint_id)) {
      EndpointRecord endpoint = *e;
      Status undone = ReleaseEndpoint(endpoint);
      if (!undone.ok()) spdlog::error("{}", undone.message());
      released = endpoint;
    }
  }
  if (released) RunDetach(*released);
  return Status::FailedPrecondition(
      doing + ": hostnic.block-metadata: " + attached.message() + "; NIC " +
      mac.ToString() +
      " was put back on the host: no container runs on this network "
      "without the guard");
}

void Driver::GuardRecovered(std::vector<std::string>* problems) {
  if (addresses_.guard == nullptr) return;
  struct Guarded {
    EndpointRecord endpoint;
    std::vector<std::string> addresses;
    bool on_host = false;
  };
  std::vector<Guarded> due;
  {
    MutexLock lock(&mu_);
    for (const auto& [id, e] : table_->endpoints()) {
      const NetworkRecord* network = table_->Network(e.network_id);
      if (network == nullptr || !network->block_metadata) continue;
      const bool on_host = inventory_->FindByMac(e.mac).has_value();
      // Away and not joined: in a namespace hostnic cannot name.
      if (!on_host && (!e.joined || e.sandbox_key.empty())) continue;
      due.push_back({e, GuardedAddresses(*network), on_host});
    }
  }
  for (const Guarded& g : due) {
    const std::string netns = g.on_host ? "" : g.endpoint.sandbox_key;
    Status s = addresses_.guard->Attach(netns, g.endpoint.mac, g.addresses);
    if (s.ok()) {
      spdlog::info(
          "recovery: NIC {} of endpoint {} guarded against the "
          "metadata service{}",
          g.endpoint.mac.ToString(), Short(g.endpoint.id),
          g.on_host ? "" : " in sandbox " + netns);
      continue;
    }
    problems->push_back("NIC " + g.endpoint.mac.ToString() + " of endpoint " +
                        Short(g.endpoint.id) +
                        " could not be guarded again (any guard an earlier "
                        "daemon put on it stays there, uncounted): " +
                        s.message());
  }
}

}  // namespace hostnic
