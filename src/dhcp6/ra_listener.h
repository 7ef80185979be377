// RaListener: asks the routers on one NIC's link for a router advertisement
// and hears their answers, on an ICMPv6 socket bound to that NIC (on the
// host, while Dhcp6Source has it up with IPv6 on and the kernel's own RA
// handling off). Each RA is decoded by router_advert.h; one not from a
// link-local address, or whose hop limit is not 255 (RFC 4861 6.1.2: it
// crossed a router), is dropped unread.
#ifndef HOSTNIC_DHCP6_RA_LISTENER_H_
#define HOSTNIC_DHCP6_RA_LISTENER_H_

#include <memory>
#include <optional>
#include <string>

#include "dhcp/transport_util.h"
#include "dhcp6/message.h"
#include "dhcp6/router_advert.h"
#include "hostnic/clock.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp6 {

// An RA and who sent it.
struct HeardRouter {
  Ipv6 address{};  // The router's link-local address.
  RouterAdvert advert;
};

class RaListener {
 public:
  // On NIC `name` (index `ifindex`) in the caller's namespace; `nic` names
  // it in errors ("eth1 (52:54:...)"). Errors: kIoError.
  [[nodiscard]] static Result<std::unique_ptr<RaListener>> Open(
      const std::string& name, int ifindex, const std::string& nic);

  // Sends a router solicitation to ff02::2 from the NIC (which must have
  // its link-local address), signed with `mac`.
  [[nodiscard]] Status Solicit(const Mac& mac);

  // The first RA that decodes, heard until `deadline` (nullopt: none).
  // RAs that do not decode are logged at debug level and skipped.
  [[nodiscard]] Result<std::optional<HeardRouter>> Receive(MonoTime deadline);

 private:
  explicit RaListener(dhcp::NicSocket socket) : socket_(std::move(socket)) {}

  dhcp::NicSocket socket_;  // An ICMPv6 socket.
};

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_RA_LISTENER_H_
