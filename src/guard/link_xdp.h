// LinkXdp: one device of the calling thread's network namespace and the XDP
// programs on it, read with a single rtnetlink request for that device (no
// listing of all devices, which on a host of hundreds of devices costs as
// much as moving a NIC).
#ifndef HOSTNIC_GUARD_LINK_XDP_H_
#define HOSTNIC_GUARD_LINK_XDP_H_

#include <cstdint>
#include <optional>
#include <string>

#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic {

struct LinkXdp {
  int ifindex = 0;
  std::string name;
  Mac mac;                   // Zero when the device's address is not EUI-48.
  uint32_t drv_prog_id = 0;  // The program in the driver's hook, or 0.
  uint32_t skb_prog_id = 0;  // The program in the generic hook, or 0.
};

// The device with `ifindex` now, or nullopt when there is none (ifindex <= 0
// included). kIoError when the kernel cannot be asked or answers with an
// error other than "no such device"; the message starts with `doing`.
Result<std::optional<LinkXdp>> ReadLinkXdp(int ifindex,
                                           const std::string& doing);

}  // namespace hostnic

#endif  // HOSTNIC_GUARD_LINK_XDP_H_
