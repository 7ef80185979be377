// Choosing the NIC of a new endpoint: the one it names, else the first free
// one of its network's pool, taking it from an endpoint that left or was
// given up (reclaiming) when that is the only way.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "driver/driver.h"
#include "driver/messages.h"
#include "driver/nic_rules.h"
#include "driver/nic_table.h"
#include "hostnic/options.h"

namespace hostnic {

bool Driver::Reclaimable(const EndpointRecord& holder) const {
  if (holder.left()) return true;
  auto it = unjoined_.find(holder.id);
  return it != unjoined_.end() && it->second.late;
}

Result<Link> Driver::WantedNic(const NetworkRecord& network,
                               const NicSpec& wanted) {
  std::optional<Link> link = FindNic(*inventory_, wanted);
  if (!link) {
    // A held NIC is usually away, in its container.
    for (const auto& [id, e] : table_->endpoints()) {
      if (wanted.mac() ? *wanted.mac() == e.mac
                       : wanted.ToString() == e.original.name) {
        return HeldBy(NicLabel(e.original.name, e.mac), e);
      }
    }
    std::vector<std::string> free;
    for (const Link& l : inventory_->All()) {
      if (table_->HolderOf(l.mac) == nullptr && RefusalReason(l).empty() &&
          InPool(network, l)) {
        free.push_back(NicLabel(l));
      }
    }
    return Status::NotFound(
        "no NIC " + wanted.ToString() +
        " on this host; free NICs of this network: " + JoinList(free));
  }
  if (std::string why = RefusalReason(*link); !why.empty()) {
    return Status::FailedPrecondition("refusing NIC " + NicLabel(*link) + ": " +
                                      why);
  }
  if (!InPool(network, *link)) {
    return Status::FailedPrecondition(
        "NIC " + NicLabel(*link) + " is not in this network's pool (" +
        kOptNics + "=" + network.options.at(kOptNics) + ")");
  }
  if (const EndpointRecord* holder = table_->HolderOf(link->mac)) {
    if (!Reclaimable(*holder)) return HeldBy(NicLabel(*link), *holder);
    HOSTNIC_RETURN_IF_ERROR(Reclaim(*holder));
  }
  return *link;
}

Result<Link> Driver::FreeNic(const NetworkRecord& network) {
  // In name order (or in the pool's order) so the choice is predictable.
  std::vector<Link> candidates;
  if (network.nics.empty()) {
    candidates = inventory_->All();
  } else {
    for (const NicSpec& spec : network.nics) {
      if (auto link = FindNic(*inventory_, spec)) candidates.push_back(*link);
    }
  }
  std::vector<std::string> busy, up;
  std::optional<std::pair<Link, EndpointRecord>> reclaimable;
  for (const Link& link : candidates) {
    if (!RefusalReason(link).empty()) continue;
    if (const EndpointRecord* holder = table_->HolderOf(link.mac)) {
      if (Reclaimable(*holder) && !reclaimable) {
        reclaimable = {link, *holder};
      }
      busy.push_back(link.name + " by " + Short(holder->id));
      continue;
    }
    // Nobody named this NIC; if the host has brought it up, it is probably
    // the host's own. Only an explicit name, MAC or pool hands it out.
    if (network.nics.empty() && link.up) {
      up.push_back(link.name);
      continue;
    }
    return link;
  }
  if (reclaimable) {
    HOSTNIC_RETURN_IF_ERROR(Reclaim(reclaimable->second));
    return reclaimable->first;
  }
  // A NIC inside a container is not in the inventory; its holder still
  // explains why the pool is empty, whichever network it is of (a Docker
  // network and a CNI network may share NICs). Sorted: the table is a hash.
  std::vector<std::string> away;
  for (const auto& [id, holder] : table_->endpoints()) {
    Link as_named;
    as_named.name = holder.original.name;
    as_named.mac = holder.mac;
    if (!inventory_->FindByMac(holder.mac) && InPool(network, as_named)) {
      away.push_back(holder.mac.ToString() + " (in a container) by " +
                     Short(id));
    }
  }
  std::sort(away.begin(), away.end());
  busy.insert(busy.end(), away.begin(), away.end());
  std::string message =
      "no free NIC for network " + Short(network.id) +
      (network.nics.empty() ? ""
                            : " (" + std::string(kOptNics) + "=" +
                                  network.options.at(kOptNics) + ")");
  message += "; held: " + JoinList(busy);
  if (!up.empty()) {
    message += "; up on the host, so never picked unasked: " + JoinList(up);
  }
  message += "; attach another NIC or stop a container that holds one";
  return Status::Busy(message);
}

Status Driver::Reclaim(const EndpointRecord& endpoint) {
  // No detach hook: the NIC stays attached, for its next holder.
  if (endpoint.left()) {
    spdlog::warn(
        "endpoint {} of network {} left sandbox {} and was never deleted; "
        "its NIC {} goes to the endpoint that needs it",
        Short(endpoint.id), Short(endpoint.network_id), endpoint.sandbox_key,
        endpoint.mac.ToString());
  } else {
    counters_.endpoints_abandoned++;
    spdlog::warn(
        "endpoint {} of network {} was answered past the call timeout and "
        "never joined (Docker rolled it back); its NIC {} goes to the "
        "endpoint that needs it",
        Short(endpoint.id), Short(endpoint.network_id),
        endpoint.mac.ToString());
  }
  return ReleaseEndpoint(endpoint);
}

}  // namespace hostnic
