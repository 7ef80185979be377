#include "dhcp/udp_transport.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/netns.h"

namespace hostnic::dhcp {

Result<std::unique_ptr<UdpTransport>> UdpTransport::Open(
    const std::string& netns_path, const Mac& mac, Ipv4 source,
    Ipv4 destination) {
  UniqueFd fd;
  std::string name;
  int ifindex = 0;
  const std::string where = " in network namespace " + netns_path;
  const Status status = RunInNetns(netns_path, "renewing a DHCP lease", [&] {
    fd = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return ErrnoStatus("opening a UDP socket" + where, errno);
    HOSTNIC_RETURN_IF_ERROR(FindByMac(fd.get(), mac, where, &name, &ifindex));
    const std::string on = " on NIC " + NicLabel(name, mac) + where;
    const int one = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
            0 ||
        ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) !=
            0) {
      return ErrnoStatus("setting socket options for DHCP" + on, errno);
    }
    return BindUdpOnDevice(fd.get(), name, /*ipv6=*/false, kClientPort, on);
  });
  if (!status.ok()) return status;
  return std::unique_ptr<UdpTransport>(
      new UdpTransport({std::move(fd), ifindex, NicLabel(name, mac) + where},
                       source, destination));
}

Status UdpTransport::Send(const std::vector<uint8_t>& payload) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kServerPort);
  to.sin_addr.s_addr = htonl(destination_);
  // The socket is bound to any address (for the broadcast NAK); the source
  // must still be the leased one, which the server checks against ciaddr.
  alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(in_pktinfo))>
      control{};
  iovec io{const_cast<uint8_t*>(payload.data()), payload.size()};
  msghdr message = MessageHeader(to, io, control);
  cmsghdr* c = CMSG_FIRSTHDR(&message);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_ifindex = socket_.ifindex;
  info.ipi_spec_dst.s_addr = htonl(source_);
  std::memcpy(CMSG_DATA(c), &info, sizeof(info));
  if (::sendmsg(socket_.fd.get(), &message, 0) < 0) {
    return ErrnoStatus("sending DHCP to " + Ipv4ToString(destination_) +
                           " from NIC " + socket_.nic,
                       errno);
  }
  return Status::Ok();
}

Result<std::optional<std::vector<uint8_t>>> UdpTransport::Receive(
    MonoTime deadline) {
  return ReceiveDatagram(socket_.fd.get(), deadline, kMaxMessageSize,
                         "receiving DHCP on NIC " + socket_.nic);
}

}  // namespace hostnic::dhcp
