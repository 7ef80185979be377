#include "dhcp6/ra_listener.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace hostnic::dhcp6 {

namespace {

// All routers (ff02::2), where a solicitation goes.
constexpr Ipv6 kAllRouters = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                              0,    0,    0, 0, 0, 0, 0, 2};
// Neighbor discovery's hop limit: sent so, and required of what is heard.
constexpr int kNdHopLimit = 255;

}  // namespace

Result<std::unique_ptr<RaListener>> RaListener::Open(const std::string& name,
                                                     int ifindex,
                                                     const std::string& nic) {
  const std::string on = " on NIC " + nic;
  dhcp::UniqueFd fd(
      ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (!fd.valid()) return ErrnoStatus("opening an ICMPv6 socket" + on, errno);
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filter);
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                   static_cast<socklen_t>(name.size())) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter,
                   sizeof(filter)) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
                   sizeof(one)) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &kNdHopLimit,
                   sizeof(kNdHopLimit)) != 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
                   sizeof(ifindex)) != 0) {
    return ErrnoStatus("setting ICMPv6 socket options" + on, errno);
  }
  return std::unique_ptr<RaListener>(
      new RaListener(dhcp::NicSocket{std::move(fd), ifindex, nic}));
}

Status RaListener::Solicit(const Mac& mac) {
  return dhcp::SendOnLink6(
      socket_, kAllRouters, 0, EncodeRouterSolicit(mac),
      "sending a router solicitation from NIC " + socket_.nic);
}

Result<std::optional<HeardRouter>> RaListener::Receive(MonoTime deadline) {
  const std::string& nic = socket_.nic;
  const int fd = socket_.fd.get();
  const std::string doing = "receiving router advertisements on NIC " + nic;
  std::vector<uint8_t> buffer(kMaxRouterAdvertSize + 1);
  for (;;) {
    Result<bool> readable = dhcp::WaitReadable(fd, deadline, doing);
    if (!readable.ok()) return readable.status();
    if (!*readable) return std::optional<HeardRouter>();
    sockaddr_in6 from{};
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(int))> control;
    msghdr msg = dhcp::MessageHeader(from, iov, control);
    const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ErrnoStatus(doing, errno);
    }
    int hop_limit = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
         c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&hop_limit, CMSG_DATA(c), sizeof(hop_limit));
      }
    }
    Ipv6 source{};
    std::memcpy(source.data(), &from.sin6_addr, source.size());
    if (hop_limit != kNdHopLimit || !IN6_IS_ADDR_LINKLOCAL(&from.sin6_addr)) {
      spdlog::debug("NIC {}: dropped an RA from {} with hop limit {}", nic,
                    Ipv6ToString(source), hop_limit);
      continue;
    }
    Result<RouterAdvert> advert =
        DecodeRouterAdvert(buffer.data(), static_cast<size_t>(n));
    if (!advert.ok()) {
      spdlog::debug("NIC {}: ignored an RA from {}: {}", nic,
                    Ipv6ToString(source), advert.status().message());
      continue;
    }
    for (const std::string& warning : advert->warnings) {
      spdlog::warn("NIC {}: RA from {}: {}", nic, Ipv6ToString(source),
                   warning);
    }
    return std::optional<HeardRouter>(HeardRouter{source, std::move(*advert)});
  }
}

}  // namespace hostnic::dhcp6
