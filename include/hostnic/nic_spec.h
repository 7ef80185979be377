// NicSpec: how a user names a NIC in options (hostnic.nic, hostnic.nics,
// --allow-nic): by MAC or by interface name. Parsed once, where the text
// enters; the driver compares specs with links, never strings.
#ifndef HOSTNIC_NIC_SPEC_H_
#define HOSTNIC_NIC_SPEC_H_

#include <optional>
#include <string>
#include <string_view>

#include "hostnic/link.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic {

class NicSpec {
 public:
  // A MAC (any case, ':' or '-') or a device name the kernel accepts (1-15
  // characters, no '/', ':' or blanks). kInvalidArgument quoting `text`
  // otherwise.
  static Result<NicSpec> Parse(std::string_view text);
  static NicSpec OfMac(const Mac& mac);

  // Set when the spec is a MAC; otherwise it is a name.
  const std::optional<Mac>& mac() const { return mac_; }
  // The name, or the MAC in canonical form.
  std::string ToString() const;
  bool Matches(const Link& link) const;

  bool operator==(const NicSpec& o) const {
    return mac_ == o.mac_ && name_ == o.name_;
  }
  bool operator!=(const NicSpec& o) const { return !(*this == o); }

 private:
  std::optional<Mac> mac_;
  std::string name_;  // Empty when mac_ is set.
};

}  // namespace hostnic

#endif  // HOSTNIC_NIC_SPEC_H_
