#include "hostnic/nic_spec.h"

namespace hostnic {

Result<NicSpec> NicSpec::Parse(std::string_view text) {
  NicSpec spec;
  if ((spec.mac_ = Mac::Parse(text))) return spec;
  // IFNAMSIZ - 1; the kernel refuses '/', and ':' marks an alias.
  bool name = !text.empty() && text.size() <= 15 && text != "." && text != "..";
  for (char c : text) {
    if (c == '/' || c == ':' || c <= ' ') name = false;
  }
  if (!name) {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is neither a MAC address nor an interface name");
  }
  spec.name_ = std::string(text);
  return spec;
}

NicSpec NicSpec::OfMac(const Mac& mac) {
  NicSpec spec;
  spec.mac_ = mac;
  return spec;
}

std::string NicSpec::ToString() const {
  return mac_ ? mac_->ToString() : name_;
}

bool NicSpec::Matches(const Link& link) const {
  return mac_ ? *mac_ == link.mac : name_ == link.name;
}

}  // namespace hostnic
