#include "cni/own_address.h"

#include <algorithm>

namespace hostnic::cni {

void AddOwnAddress(const wire::Attachment& held, SandboxConfig* config) {
  if (held.address.empty()) return;
  config->addresses.push_back(held.address);
  const size_t first = config->routes.size();
  config->routes.insert(config->routes.end(), held.routes.begin(),
                        held.routes.end());
  const bool has_default =
      std::any_of(held.routes.begin(), held.routes.end(),
                  [](const Route& r) { return r.destination == "0.0.0.0/0"; });
  if (!held.gateway.empty() && !has_default) {
    config->routes.insert(config->routes.begin() + first,
                          {"0.0.0.0/0", held.gateway});
  }
}

}  // namespace hostnic::cni
