// AddressHook: an AddressSource (hostnic/address.h) that asks the operator's
// address hook (--address-hook PATH, docs/hooks.md) for a NIC's address,
// where the cloud hands out none by DHCP and a metadata service or an
// inventory knows it instead.
//
// Contract of the hook command:
//   argv:   PATH address            (run by RunChild, hooks/child_process.h:
//                                    no shell, stdin /dev/null, own process
//                                    group, killed at the timeout)
//   env:    HOSTNIC_EVENT=address, HOSTNIC_MAC (lowercase, colon separated),
//           HOSTNIC_NIC (the NIC's name on the host), HOSTNIC_MTU (its MTU
//           now), PATH; nothing else.
//   stdout: one JSON object (ParseAddressHookOutput), at most
//           kAddressHookMaxOutput bytes; stderr is only logged.
//   exit:   0 success; anything else fails with the last output line.
// Every output line is logged at info as
// "address hook (eth2, 52:54:0e:e5:00:f7) stdout: ...".
#ifndef HOSTNIC_HOOKS_ADDRESS_HOOK_H_
#define HOSTNIC_HOOKS_ADDRESS_HOOK_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "hostnic/address.h"

namespace hostnic {

// More on stdout than this fails the run (and kills the hook at once).
inline constexpr size_t kAddressHookMaxOutput = 64 * 1024;

// Parses what an address hook printed: exactly one JSON object (blanks
// around it are fine) such as
//   {"address": "10.0.1.23/24", "gateway": "10.0.1.1",
//    "routes": [{"destination": "10.1.0.0/16", "next_hop": "10.0.1.1"},
//               {"destination": "10.2.0.0/16"}],
//    "mtu": 9001}
// with these keys and no other (an unknown or repeated key is an error, so
// that a typo such as "gatway" cannot silently leave out the default route):
//   address   required; an IPv4 unicast address with its prefix length
//             1..32, written strictly (no leading zeros); not the network
//             or broadcast address of its subnet (prefixes up to /30).
//   gateway   optional; a plain IPv4 address inside the address's subnet,
//             other than the address itself (Docker makes it the default
//             route, which the kernel accepts only for an on-link gateway).
//   routes    optional array; each an object with "destination" (an IPv4
//             network CIDR, no bits after the prefix, not 0.0.0.0/0: that
//             is `gateway`; no destination twice) and optional "next_hop"
//             (as gateway; left out for an on-link route).
//   mtu       optional integer 68..65535.
// A key that is there must have a value of its type: null or "" is an
// error, not "absent". Returns a Lease with source "hook" and those fields
// (mac and network_id are the caller's; lease_seconds 0: it never expires),
// or kInvalidArgument saying what is wrong, quoting the bad value.
Result<Lease> ParseAddressHookOutput(std::string_view text);

// Thread-safe: runs share nothing, so several may go on at once.
class AddressHook : public AddressSource {
 public:
  // `command` must be an absolute path to an executable regular file;
  // kInvalidArgument otherwise, e.g. `address hook "/x" is not executable`.
  static Result<std::unique_ptr<AddressHook>> Create(std::string command);

  // Runs `command address` for `link` (by its MAC and name); `timeout`
  // bounds the run. Errors name the command, the NIC and its MAC:
  //   kFailedPrecondition  the hook cannot be started, exited non-zero, died
  //                        of a signal, printed more than
  //                        kAddressHookMaxOutput bytes on stdout, or its
  //                        output is not as ParseAddressHookOutput wants;
  //   kTimeout             the run did not end within `timeout`;
  //   kIoError             a pipe, poll or waitpid failed.
  Result<Lease> Acquire(const Link& link,
                        std::chrono::milliseconds timeout) override;

 private:
  explicit AddressHook(std::string command) : command_(std::move(command)) {}

  const std::string command_;
};

}  // namespace hostnic

#endif  // HOSTNIC_HOOKS_ADDRESS_HOOK_H_
