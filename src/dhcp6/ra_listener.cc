#include "dhcp6/ra_listener.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

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
      new RaListener(std::move(fd), ifindex, nic));
}

Status RaListener::Solicit(const Mac& mac) {
  const std::vector<uint8_t> rs = EncodeRouterSolicit(mac);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(&to.sin6_addr, kAllRouters.data(), kAllRouters.size());
  to.sin6_scope_id = static_cast<uint32_t>(ifindex_);
  if (::sendto(fd_.get(), rs.data(), rs.size(), 0,
               reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0) {
    return ErrnoStatus("sending a router solicitation from NIC " + nic_, errno);
  }
  return Status::Ok();
}

Result<std::optional<HeardRouter>> RaListener::Receive(MonoTime deadline) {
  const std::string doing = "receiving router advertisements on NIC " + nic_;
  std::vector<uint8_t> buffer(kMaxRouterAdvertSize + 1);
  for (;;) {
    Result<bool> readable = dhcp::WaitReadable(fd_.get(), deadline, doing);
    if (!readable.ok()) return readable.status();
    if (!*readable) return std::optional<HeardRouter>();
    sockaddr_in6 from{};
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
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
      spdlog::debug("NIC {}: dropped an RA from {} with hop limit {}", nic_,
                    Ipv6ToString(source), hop_limit);
      continue;
    }
    Result<RouterAdvert> advert =
        DecodeRouterAdvert(buffer.data(), static_cast<size_t>(n));
    if (!advert.ok()) {
      spdlog::debug("NIC {}: ignored an RA from {}: {}", nic_,
                    Ipv6ToString(source), advert.status().message());
      continue;
    }
    for (const std::string& warning : advert->warnings) {
      spdlog::warn("NIC {}: RA from {}: {}", nic_, Ipv6ToString(source),
                   warning);
    }
    return std::optional<HeardRouter>(HeardRouter{source, std::move(*advert)});
  }
}

}  // namespace hostnic::dhcp6
