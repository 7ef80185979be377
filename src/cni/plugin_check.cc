#include <algorithm>

#include "cni/ipam.h"
#include "cni/plugin_commands.h"
#include "cni/result.h"
#include "common/cidr.h"
#include "hostnic/mac.h"

namespace hostnic::cni {

namespace {

// "10.0.1.0/24" for "10.0.1.7/24" ... as the kernel lists routes: a
// destination is compared by its parsed value, not its spelling.
bool SameCidr(const std::string& a, const std::string& b) {
  auto x = ParseCidr(a), y = ParseCidr(b);
  return x && y && x->family == y->family && x->prefix_len == y->prefix_len &&
         x->bytes == y->bytes;
}

bool SameIp(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return a == b;
  const char* len = LooksLikeIpv6(a) ? "/128" : "/32";
  return SameCidr(a + len, b + len);
}

}  // namespace

std::optional<Error> Plugin::Check() {
  const NetConf& conf = request_.conf;
  if (!conf.prev_result) {
    return Fail(kInvalidConfig, "CHECK needs prevResult",
                "the runtime sent none");
  }
  Result<std::optional<AttachInfo>> found = client_.Get(Key());
  if (!found.ok()) {
    return FromStatus(found.status(), kNicRefused,
                      "hostnic could not look up " + Ids());
  }
  if (!*found) return Fail(kCheckFailed, "hostnic holds no NIC for " + Ids());
  const AttachInfo& held = **found;
  if (!held.joined || held.netns != request_.netns) {
    return Fail(kCheckFailed,
                "NIC " + held.mac + " of " + Ids() + " is not joined to " +
                    request_.netns,
                "the daemon has it joined to '" + held.netns + "'");
  }
  Result<SandboxView> view = datapath_.Inspect(request_.netns, request_.ifname);
  if (!view.ok()) {
    return Fail(kCheckFailed, request_.ifname + " is not in " + request_.netns,
                view.status().message());
  }
  if (view->link.mac.ToString() != held.mac) {
    return Fail(
        kCheckFailed,
        request_.ifname + " in " + request_.netns + " is not the NIC",
        "its MAC is " + view->link.mac.ToString() + ", the NIC's " + held.mac);
  }
  if (!view->link.up) return Fail(kCheckFailed, request_.ifname + " is down");
  const CniResult& prev = *conf.prev_result;
  int index = -1;
  for (size_t i = 0; i < prev.interfaces.size(); ++i) {
    const Interface& iface = prev.interfaces[i];
    if (iface.name == request_.ifname &&
        (iface.sandbox.empty() || iface.sandbox == request_.netns)) {
      index = static_cast<int>(i);
      if (!iface.mac.empty() && Mac::Parse(iface.mac) != view->link.mac) {
        return Fail(kCheckFailed, "prevResult's MAC of " + request_.ifname +
                                      " is " + iface.mac + ", the NIC's " +
                                      held.mac);
      }
    }
  }
  if (index < 0) {
    return Fail(kCheckFailed, "prevResult lists no interface " +
                                  request_.ifname + " in " + request_.netns);
  }
  for (const IpConfig& ip : prev.ips) {
    if (ip.interface != index) continue;
    const bool present = std::any_of(
        view->addresses.begin(), view->addresses.end(),
        [&](const std::string& a) { return SameCidr(a, ip.address); });
    if (!present) {
      return Fail(kCheckFailed,
                  request_.ifname + " lacks its address " + ip.address);
    }
  }
  // Routes carry no interface: check them only when every address of
  // prevResult is this NIC's (no other plugin's routes among them).
  const bool only_ours =
      std::all_of(prev.ips.begin(), prev.ips.end(),
                  [&](const IpConfig& ip) { return ip.interface == index; });
  for (const RouteEntry& r : prev.routes) {
    if (!only_ours) break;
    const bool present = std::any_of(
        view->routes.begin(), view->routes.end(), [&](const Route& have) {
          return SameCidr(have.destination, r.dst) &&
                 (r.gw.empty() || SameIp(have.next_hop, r.gw));
        });
    if (!present) {
      return Fail(kCheckFailed, request_.ifname + " lacks the route to " +
                                    r.dst +
                                    (r.gw.empty() ? "" : " via " + r.gw));
    }
  }
  if (!conf.ipam.empty()) {
    Result<CniResult> ipam = RunIpam(request_, Command::kCheck);
    if (!ipam.ok()) {
      return Fail(kIpamFailure, "the IPAM plugin " + conf.ipam_type + " failed",
                  ipam.status().message());
    }
  }
  return std::nullopt;
}

}  // namespace hostnic::cni
