// Udp6Transport: DHCPv6 over a UDP socket bound to one NIC (port 546), sending
// to All_DHCP_Relay_Agents_and_Servers (ff02::1:2) on that link from the
// NIC's link-local address, which servers answer.
//
// Two places: a NIC on the host (Acquire and Release, while the source has
// it up with IPv6 on), and a NIC inside a container's namespace (Renew,
// Rebind), where the socket is made by a short-lived thread (RunInNetns) and
// then used from the caller's thread; the caller's namespace never changes.
#ifndef HOSTNIC_DHCP6_UDP6_TRANSPORT_H_
#define HOSTNIC_DHCP6_UDP6_TRANSPORT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dhcp/transport.h"
#include "dhcp/transport_util.h"
#include "hostnic/mac.h"

namespace hostnic::dhcp6 {

class Udp6Transport : public dhcp::Transport {
 public:
  // On NIC `name` (index `ifindex`) in the caller's namespace. Errors:
  // kNotFound, kIoError (with the NIC named by `nic`).
  [[nodiscard]] static Result<std::unique_ptr<Udp6Transport>> OpenHere(
      const std::string& name, int ifindex, const std::string& nic);
  // On the NIC with `mac` in the namespace at `netns_path`. Errors:
  // kNotFound (no such namespace or NIC), kIoError.
  [[nodiscard]] static Result<std::unique_ptr<Udp6Transport>> OpenIn(
      const std::string& netns_path, const Mac& mac);

  // Waits until the NIC (in the caller's namespace) has a link-local
  // address to send from, or `deadline` passes (kTimeout).
  [[nodiscard]] Status WaitForLinkLocal(MonoTime deadline);

  Status Send(const std::vector<uint8_t>& payload) override;
  Result<std::optional<std::vector<uint8_t>>> Receive(
      MonoTime deadline) override;

  // "eth1 (52:54:...)", with " in /var/run/..." inside a namespace.
  const std::string& nic() const { return socket_.nic; }

 private:
  explicit Udp6Transport(dhcp::NicSocket socket) : socket_(std::move(socket)) {}

  dhcp::NicSocket socket_;
};

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_UDP6_TRANSPORT_H_
