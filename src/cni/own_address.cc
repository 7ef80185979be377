#include "cni/own_address.h"

#include <algorithm>

namespace hostnic::cni {

namespace {

// Adds `address` and a default route (`any`) through `gateway` unless
// `routes` have one.
void AddFamily(const std::string& address, const std::string& gateway,
               const char* any, const std::vector<Route>& routes,
               SandboxConfig* config, size_t first) {
  if (address.empty()) return;
  config->addresses.push_back(address);
  const bool has_default =
      std::any_of(routes.begin(), routes.end(),
                  [any](const Route& r) { return r.destination == any; });
  if (!gateway.empty() && !has_default) {
    config->routes.insert(config->routes.begin() + first, {any, gateway});
  }
}

}  // namespace

void AddOwnAddress(const wire::Attachment& held, SandboxConfig* config) {
  if (held.address.empty() && held.address6.empty()) return;
  const size_t first = config->routes.size();
  config->routes.insert(config->routes.end(), held.routes.begin(),
                        held.routes.end());
  AddFamily(held.address6, held.gateway6, "::/0", held.routes, config, first);
  AddFamily(held.address, held.gateway, "0.0.0.0/0", held.routes, config,
            first);
}

}  // namespace hostnic::cni
