// UdpTransport: DHCP on a NIC inside a container's network namespace, where
// it carries its leased address (RENEWING and REBINDING). The UDP socket is
// made in that namespace by a short-lived thread (RunInNetns) and then used
// from the caller's thread; the caller's namespace never changes.
#ifndef HOSTNIC_DHCP_UDP_TRANSPORT_H_
#define HOSTNIC_DHCP_UDP_TRANSPORT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dhcp/message.h"
#include "dhcp/transport.h"
#include "dhcp/transport_util.h"
#include "hostnic/mac.h"

namespace hostnic::dhcp {

class UdpTransport : public Transport {
 public:
  // Finds the NIC with `mac` in the namespace at `netns_path` and opens a
  // socket there, bound to that NIC (SO_BINDTODEVICE) and to port 68 of any
  // address (SO_REUSEADDR), so that it gets the server's unicast ACK and its
  // broadcast NAK alike. Datagrams go from `source` (the leased address) to
  // `destination`:67: the server when renewing, 255.255.255.255 when
  // rebinding. Errors: kNotFound (no such namespace or NIC), kIoError.
  [[nodiscard]] static Result<std::unique_ptr<UdpTransport>> Open(
      const std::string& netns_path, const Mac& mac, Ipv4 source,
      Ipv4 destination);

  Status Send(const std::vector<uint8_t>& payload) override;
  Result<std::optional<std::vector<uint8_t>>> Receive(
      MonoTime deadline) override;

  // "eth0 (52:54:...) in /var/run/docker/netns/...", for messages.
  const std::string& nic() const { return socket_.nic; }

 private:
  UdpTransport(NicSocket socket, Ipv4 source, Ipv4 destination)
      : socket_(std::move(socket)),
        source_(source),
        destination_(destination) {}

  NicSocket socket_;  // Its ifindex is the sandbox namespace's.
  Ipv4 source_;
  Ipv4 destination_;
};

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_UDP_TRANSPORT_H_
