// Join and Leave: Docker moves the NIC itself (the sandbox may not exist yet
// at Join), so Join answers the NIC's current host name, the gateway and the
// routes (the NIC's own, from its leases, where it has them: IPv4 and IPv6).
// Also the note, in the endpoint's record, of a NIC owed a return from a
// namespace (see netns_returns.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "driver/driver.h"
#include "driver/lease_book.h"
#include "driver/messages.h"
#include "driver/network_config.h"
#include "driver/nic_table.h"

namespace hostnic {

namespace {

// How long Join waits for a left endpoint's NIC to show up on the host.
constexpr std::chrono::seconds kRejoinWait{5};

// Appends to `list` each of `more` it does not hold yet, in order.
void AppendNew(std::vector<std::string>& list,
               const std::vector<std::string>& more) {
  for (const std::string& item : more) {
    if (std::find(list.begin(), list.end(), item) == list.end()) {
      list.push_back(item);
    }
  }
}

}  // namespace

Result<JoinReply> Driver::Join(const std::string& network_id,
                               const std::string& endpoint_id,
                               const std::string& sandbox_key) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  const std::string doing = "joining endpoint " + Short(endpoint_id) +
                            " of network " + Short(network_id);
  std::optional<Mac> returning;
  {
    MutexLock lock(&mu_);
    const EndpointRecord* e = table_->Endpoint(endpoint_id);
    if (e != nullptr && e->left() && !inventory_->FindByMac(e->mac)) {
      returning = e->mac;
    }
  }
  if (returning) {
    // Docker moved the NIC back just before (Sandbox.Refresh); the monitor
    // may not have seen it yet. Waits without mu_.
    inventory_->WaitForMac(*returning, kRejoinWait,
                           std::chrono::milliseconds(0),
                           [this] { return shutting_down_.load(); });
  }
  JoinReply reply;
  bool block_metadata = false;
  std::vector<std::string> guarded;
  {
    MutexLock lock(&mu_);
    const EndpointRecord* known = table_->Endpoint(endpoint_id);
    if (known == nullptr || known->network_id != network_id) {
      return Status::NotFound(doing + ": hostnic does not know this endpoint");
    }
    EndpointRecord endpoint = *known;
    const NetworkRecord* net = table_->Network(network_id);
    if (net == nullptr) {
      return Status::NotFound(doing + ": hostnic does not know the network");
    }
    std::optional<Link> link = inventory_->FindByMac(endpoint.mac);
    if (link) {
      // Answer the name the kernel has now, not the one last seen.
      Result<Link> fresh = links_->Refresh(*link);
      link = fresh.ok() ? std::optional<Link>(*fresh) : std::nullopt;
    }
    if (!link) {
      return Status::NotFound(doing + ": NIC " + endpoint.mac.ToString() +
                              " (was " + endpoint.original.name +
                              ") is not on the host; it is in another "
                              "namespace or was detached");
    }
    if (std::string why = RefusalReason(*link); !why.empty()) {
      return Status::FailedPrecondition(doing + ": refusing NIC " +
                                        NicLabel(*link) + ": " + why);
    }
    endpoint.joined = true;
    endpoint.sandbox_key = sandbox_key;
    HOSTNIC_RETURN_IF_ERROR(store_->PutEndpoint(endpoint).Annotate(doing));
    HOSTNIC_RETURN_IF_ERROR(table_->Update(endpoint).Annotate(doing));
    unjoined_.erase(endpoint_id);

    const NetworkRecord& network = *net;
    reply.src_name = link->name;
    if (const Lease* lease = book_->LeaseOf(endpoint)) {
      reply.gateway = lease->gateway;
      reply.static_routes = lease->routes;
      reply.dns = lease->dns;
    } else if (!endpoint.address.empty()) {
      reply.gateway = network.gateway;
    }
    reply.disable_gateway_service =
        network.address_source != "docker" || !network.address6_source.empty();
    if (const Lease* lease6 = book6_->LeaseOf(endpoint)) {
      // The router's link-local address: Docker routes ::/0 through it.
      reply.gateway6 = lease6->gateway;
      reply.gateway6_from_router = true;
      reply.static_routes.insert(reply.static_routes.end(),
                                 lease6->routes.begin(), lease6->routes.end());
      // DHCPv6's name servers and search domains after DHCPv4's, each once.
      AppendNew(reply.dns.servers, lease6->dns.servers);
      AppendNew(reply.dns.search, lease6->dns.search);
    } else if (!endpoint.address6.empty()) {
      reply.gateway6 = network.gateway6;
    }
    for (const Route& route : network.routes) {
      const bool v6 = LooksLikeIpv6(route.destination);
      if (v6 ? !endpoint.address6.empty() : !endpoint.address.empty()) {
        reply.static_routes.push_back(route);
      }
    }
    block_metadata = network.block_metadata;
    const Lease* lease = book_->LeaseOf(endpoint);
    guarded = OutsideOwnSubnets(
        GuardedAddresses(network),
        {endpoint.address, endpoint.address6, lease ? lease->address : ""});
    spdlog::info("endpoint {} joins sandbox {} with NIC {}", Short(endpoint_id),
                 sandbox_key, NicLabel(*link));
  }
  if (block_metadata) {
    Status s = BlockMetadata(sandbox_key, guarded, doing);
    const std::string dir = sandbox_key.substr(0, sandbox_key.rfind('/'));
    if (s.code() == Code::kNotFound && options_.sandbox_exists &&
        options_.sandbox_exists(dir)) {
      // Docker makes the sandbox after Join: block when the NIC moves in.
      MutexLock lock(&mu_);
      table_->MarkMetadataPending(endpoint_id);
    } else if (s.code() == Code::kNotFound) {
      // Sandboxes are out of sight (a managed plugin without Docker's
      // netns directory): the container must not start unprotected.
      return Status::FailedPrecondition(
          doing + ": hostnic.block-metadata: hostnic cannot see " + dir +
          ", where Docker keeps sandboxes, so it cannot block the metadata "
          "service in this container");
    } else if (!s.ok()) {
      return s.Annotate(doing + ": hostnic.block-metadata");
    }
  }
  return reply;
}

Status Driver::Leave(const std::string& network_id,
                     const std::string& endpoint_id) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  MutexLock lock(&mu_);
  const EndpointRecord* known = table_->Endpoint(endpoint_id);
  if (known == nullptr) return Status::Ok();
  HOSTNIC_RETURN_IF_ERROR(
      CheckNetworkOf(*known, network_id, "leaving endpoint"));
  if (!known->joined) return Status::Ok();
  EndpointRecord endpoint = *known;
  endpoint.joined = false;
  const std::string doing = "leaving endpoint " + Short(endpoint_id);
  HOSTNIC_RETURN_IF_ERROR(store_->PutEndpoint(endpoint).Annotate(doing));
  return table_->Update(endpoint).Annotate(doing);
}

Status Driver::OweReturn(const std::string& network_id,
                         const std::string& endpoint_id,
                         const std::string& netns) {
  HOSTNIC_RETURN_IF_ERROR(Validate(network_id, endpoint_id));
  const std::string doing = "noting the return owed to endpoint " +
                            Short(endpoint_id) + "'s NIC from " + netns;
  MutexLock lock(&mu_);
  const EndpointRecord* known = table_->Endpoint(endpoint_id);
  if (known == nullptr) {
    return Status::NotFound(doing + ": hostnic does not know this endpoint");
  }
  HOSTNIC_RETURN_IF_ERROR(CheckNetworkOf(*known, network_id, doing));
  EndpointRecord endpoint = *known;
  endpoint.return_from = netns;
  HOSTNIC_RETURN_IF_ERROR(store_->PutEndpoint(endpoint).Annotate(doing));
  return table_->Update(endpoint).Annotate(doing);
}

std::vector<EndpointRecord> Driver::ReturnsOwed() const {
  MutexLock lock(&mu_);
  std::vector<EndpointRecord> owed;
  for (const auto& [id, endpoint] : table_->endpoints()) {
    if (!endpoint.return_from.empty()) owed.push_back(endpoint);
  }
  return owed;
}

}  // namespace hostnic
