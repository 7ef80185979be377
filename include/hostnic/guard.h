// MetadataGuard: keeps a container from hearing the cloud's instance metadata
// service, whatever socket it uses (packet sockets included). Implemented in
// src/guard/ by an XDP program on the NIC that drops, before any socket sees
// them, the frames it receives from the guarded addresses, DHCP replies
// excepted (see docs/security.md). The program stays on the NIC when the NIC
// moves into a container's network namespace and when the daemon exits.
#ifndef HOSTNIC_GUARD_H_
#define HOSTNIC_GUARD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic {

// What a guard this daemon attached looks like now.
struct GuardInfo {
  std::string mode;      // "native" (the driver's XDP) or "generic" (SKB).
  uint64_t dropped = 0;  // Frames dropped since it was attached.
};

class MetadataGuard {
 public:
  virtual ~MetadataGuard() = default;
  // Puts the guard on the NIC with `mac` in the network namespace at
  // `netns_path` (empty: the daemon's own, the host's), dropping every frame
  // it receives from `addresses` (plain IPv4 and IPv6 addresses) except DHCP
  // replies (UDP 67 to 68, 547 to 546). A guard or other XDP program already
  // on the NIC is replaced without a gap. Never changes the caller's
  // namespace. Errors name the NIC and say why: kNotFound (no such NIC or
  // namespace), kInvalidArgument (a bad address), kFailedPrecondition (the
  // kernel refused the program or the NIC takes no XDP program).
  virtual Status Attach(const std::string& netns_path, const Mac& mac,
                        const std::vector<std::string>& addresses) = 0;
  // Removes hostnic's guard from the NIC with `mac` on the host, and forgets
  // it; OK when the NIC has none or is not on the host. Another XDP program
  // is left alone. `ifindex` is where the caller last saw the NIC on the
  // host (0: nowhere), a hint only: the device there is read alone and used
  // when it has `mac`; otherwise the NIC is looked for by MAC among all the
  // host's devices (which costs a listing of them all).
  virtual Status Detach(const Mac& mac, int ifindex) = 0;
  // The guard this daemon attached to `mac`, or nullopt.
  virtual std::optional<GuardInfo> Info(const Mac& mac) const = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_GUARD_H_
