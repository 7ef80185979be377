// Which NICs hostnic may hand out: the safety rules, the operator's allow
// list and a network's pool.
#include "driver/nic_rules.h"

#include <algorithm>

#include "driver/driver.h"

namespace hostnic {

namespace {

bool MatchesAny(const std::vector<NicSpec>& specs, const Link& link) {
  return std::any_of(specs.begin(), specs.end(),
                     [&](const NicSpec& s) { return s.Matches(link); });
}

}  // namespace

std::optional<Link> FindNic(const Inventory& inventory, const NicSpec& spec) {
  return spec.mac() ? inventory.FindByMac(*spec.mac())
                    : inventory.FindByName(spec.ToString());
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
  // Docker is told the NIC by its name, in JSON: a byte that is not
  // printable ASCII would reach it as another name (the kernel allows it).
  for (const char c : link.name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return "its name has byte " + std::to_string(byte) +
             ", not printable ASCII, which Docker cannot be told; rename it "
             "(ip link set DEV name NEW)";
    }
  }
  if (!Allowed(link)) return "it is not in the daemon's --allow-nic list";
  return "";
}

}  // namespace hostnic
