#include "driver/messages.h"

#include "hostnic/ids.h"

namespace hostnic {

namespace {
// How many items a message lists before "and N more".
constexpr size_t kListed = 8;
}  // namespace

std::string Short(const std::string& id) { return id.substr(0, 12); }

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kListed; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > kListed) {
    out += " and " + std::to_string(items.size() - kListed) + " more";
  }
  return out.empty() ? "none" : out;
}

Status CheckId(const char* what, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " ID '" + id +
                                 "' is not a valid ID (1-128 characters of "
                                 "A-Z, a-z, 0-9, '_' and '-')");
}

Status HeldBy(const std::string& nic, const EndpointRecord& holder) {
  return Status::Busy("NIC " + nic + " is already held by endpoint " +
                      Short(holder.id) + " of network " +
                      Short(holder.network_id));
}

}  // namespace hostnic
