#include "dhcp/transport_util.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hostnic::dhcp {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Status SendOnLink6(const NicSocket& socket, const std::array<uint8_t, 16>& to,
                   uint16_t port, const std::vector<uint8_t>& payload,
                   const std::string& doing) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  std::memcpy(&address.sin6_addr, to.data(), to.size());
  address.sin6_scope_id = static_cast<uint32_t>(socket.ifindex);
  if (::sendto(socket.fd.get(), payload.data(), payload.size(), 0,
               reinterpret_cast<const sockaddr*>(&address),
               sizeof(address)) < 0) {
    return ErrnoStatus(doing, errno);
  }
  return Status::Ok();
}

Status BindUdpOnDevice(int fd, const std::string& name, bool ipv6,
                       uint16_t port, const std::string& on) {
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                   static_cast<socklen_t>(name.size())) != 0) {
    return ErrnoStatus("binding a UDP socket to the device" + on, errno);
  }
  sockaddr_in local4{};
  local4.sin_family = AF_INET;
  local4.sin_port = htons(port);
  local4.sin_addr.s_addr = htonl(INADDR_ANY);
  sockaddr_in6 local6{};
  local6.sin6_family = AF_INET6;
  local6.sin6_port = htons(port);
  local6.sin6_addr = in6addr_any;
  const int bound = ipv6
                        ? ::bind(fd, reinterpret_cast<const sockaddr*>(&local6),
                                 sizeof(local6))
                        : ::bind(fd, reinterpret_cast<const sockaddr*>(&local4),
                                 sizeof(local4));
  if (bound != 0) {
    return ErrnoStatus("binding UDP port " + std::to_string(port) + on, errno);
  }
  return Status::Ok();
}

Result<bool> WaitReadable(int fd, MonoTime deadline, const std::string& doing) {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(
        &p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return ErrnoStatus(doing, errno);
  }
}

Result<std::optional<std::vector<uint8_t>>> ReceiveDatagram(
    int fd, MonoTime deadline, size_t max_size, const std::string& doing) {
  std::vector<uint8_t> buffer(max_size + 1);
  while (true) {
    Result<bool> readable = WaitReadable(fd, deadline, doing);
    if (!readable.ok()) return readable.status();
    if (!*readable) return std::optional<std::vector<uint8_t>>();
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ErrnoStatus(doing, errno);
    }
    buffer.resize(static_cast<size_t>(n));
    return std::optional<std::vector<uint8_t>>(std::move(buffer));
  }
}

Status FindByMac(int fd, const Mac& mac, const std::string& where,
                 std::string* name, int* ifindex) {
  struct if_nameindex* names = ::if_nameindex();
  if (names == nullptr) return ErrnoStatus("listing network devices", errno);
  for (const struct if_nameindex* i = names; i->if_index != 0; ++i) {
    ifreq request{};
    std::strncpy(request.ifr_name, i->if_name, IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFHWADDR, &request) != 0) continue;  // Gone since.
    if (std::memcmp(request.ifr_hwaddr.sa_data, mac.bytes().data(), 6) == 0) {
      *name = i->if_name;
      *ifindex = static_cast<int>(i->if_index);
      ::if_freenameindex(names);
      return Status::Ok();
    }
  }
  ::if_freenameindex(names);
  return Status::NotFound("no NIC with MAC " + mac.ToString() + where);
}

}  // namespace hostnic::dhcp
