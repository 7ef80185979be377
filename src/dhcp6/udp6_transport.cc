#include "dhcp6/udp6_transport.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/netns.h"
#include "dhcp6/message.h"

namespace hostnic::dhcp6 {

namespace {

using dhcp::BindUdpOnDevice;
using dhcp::UniqueFd;

// A UDP socket on NIC `name` (index `ifindex`), port 546 of any address,
// multicasting on that NIC.
Result<UniqueFd> OpenSocket(const std::string& name, int ifindex,
                            const std::string& on) {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoStatus("opening a UDP socket" + on, errno);
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
          0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) !=
          0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
                   sizeof(ifindex)) != 0) {
    return ErrnoStatus("setting socket options for DHCPv6" + on, errno);
  }
  HOSTNIC_RETURN_IF_ERROR(
      BindUdpOnDevice(fd.get(), name, /*ipv6=*/true, kClientPort, on));
  return fd;
}

// Whether `address` on NIC `ifindex` can be a source yet: a tentative
// address (DAD not done) is listed but refused, and a send from it fails
// with EADDRNOTAVAIL; a bind to port 0 is refused the same way.
bool Usable(const in6_addr& address, int ifindex) {
  UniqueFd probe(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return false;
  sockaddr_in6 at{};
  at.sin6_family = AF_INET6;
  at.sin6_addr = address;
  at.sin6_scope_id = static_cast<uint32_t>(ifindex);
  return ::bind(probe.get(), reinterpret_cast<const sockaddr*>(&at),
                sizeof(at)) == 0;
}

// Whether NIC `ifindex` has a link-local address it can send from.
bool HasLinkLocal(int ifindex) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  char name[IF_NAMESIZE] = {};
  const char* want = ::if_indextoname(static_cast<unsigned>(ifindex), name);
  for (const ifaddrs* a = list; a != nullptr && want != nullptr && !found;
       a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET6) continue;
    if (std::strcmp(a->ifa_name, want) != 0) continue;
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
    found = IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) &&
            Usable(in6->sin6_addr, ifindex);
  }
  ::freeifaddrs(list);
  return found;
}

}  // namespace

Result<std::unique_ptr<Udp6Transport>> Udp6Transport::OpenHere(
    const std::string& name, int ifindex, const std::string& nic) {
  Result<UniqueFd> fd = OpenSocket(name, ifindex, " on NIC " + nic);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<Udp6Transport>(
      new Udp6Transport({std::move(fd).value(), ifindex, nic}));
}

Result<std::unique_ptr<Udp6Transport>> Udp6Transport::OpenIn(
    const std::string& netns_path, const Mac& mac) {
  UniqueFd fd;
  std::string name;
  int ifindex = 0;
  const std::string where = " in network namespace " + netns_path;
  const Status status = RunInNetns(netns_path, "renewing a DHCPv6 lease", [&] {
    UniqueFd probe(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!probe.valid()) {
      return ErrnoStatus("opening a UDP socket" + where, errno);
    }
    HOSTNIC_RETURN_IF_ERROR(
        dhcp::FindByMac(probe.get(), mac, where, &name, &ifindex));
    Result<UniqueFd> opened =
        OpenSocket(name, ifindex, " on NIC " + NicLabel(name, mac) + where);
    if (!opened.ok()) return opened.status();
    fd = std::move(opened).value();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return std::unique_ptr<Udp6Transport>(
      new Udp6Transport({std::move(fd), ifindex, NicLabel(name, mac) + where}));
}

Status Udp6Transport::WaitForLinkLocal(MonoTime deadline) {
  // The kernel adds it as the NIC comes up with carrier; without DAD at
  // once (the source turns DAD off while it holds the NIC), but an address
  // made before that is tentative for a while (seen: a send failing with
  // EADDRNOTAVAIL about once in 100 acquires).
  while (!HasLinkLocal(socket_.ifindex)) {
    if (SystemClock()->Monotonic() >= deadline) {
      return Status::Timeout("NIC " + socket_.nic +
                             " got no IPv6 link-local address (no carrier?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Status::Ok();
}

Status Udp6Transport::Send(const std::vector<uint8_t>& payload) {
  return dhcp::SendOnLink6(
      socket_, kAllServers, kServerPort, payload,
      "sending DHCPv6 to ff02::1:2 from NIC " + socket_.nic);
}

Result<std::optional<std::vector<uint8_t>>> Udp6Transport::Receive(
    MonoTime deadline) {
  return dhcp::ReceiveDatagram(socket_.fd.get(), deadline, kMaxMessageSize,
                               "receiving DHCPv6 on NIC " + socket_.nic);
}

}  // namespace hostnic::dhcp6
