// Transport: how the DHCP client (client.h) moves DHCP payloads, so that the
// exchange is tested without sockets (and, with a fake hostnic/clock.h,
// without sleeping).
//
// Two transports implement it over sockets: PacketTransport (a NIC on the
// host, down and without an address) and UdpTransport (a NIC inside a
// container's network namespace, with its leased address).
#ifndef HOSTNIC_DHCP_TRANSPORT_H_
#define HOSTNIC_DHCP_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "hostnic/clock.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// One exchange's conduit to the server(s). Not thread-safe: one client uses
// it from one thread at a time.
class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one DHCP payload (the UDP payload) towards the server port.
  [[nodiscard]] virtual Status Send(const std::vector<uint8_t>& payload) = 0;
  // Waits until `deadline` (of SystemClock, or the fake time of a test) for
  // one UDP payload sent to the client port. Returns nullopt when the
  // deadline passes first. Payloads come undecoded; the transport only
  // checks its own framing (IP and UDP headers).
  [[nodiscard]] virtual Result<std::optional<std::vector<uint8_t>>> Receive(
      MonoTime deadline) = 0;
};

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_TRANSPORT_H_
