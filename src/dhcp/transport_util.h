// Helpers shared by the socket transports: an owned file descriptor, a
// socket made for one NIC, errno turned into a Status once, and a bounded
// wait for input.
#ifndef HOSTNIC_DHCP_TRANSPORT_UTIL_H_
#define HOSTNIC_DHCP_TRANSPORT_UTIL_H_

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/errno_status.h"  // ErrnoStatus, for every transport
#include "dhcp/transport.h"
#include "hostnic/link.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// Owns one file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A socket made for one NIC: its descriptor, the NIC's index in the network
// namespace the socket was made in, and the NIC as messages name it
// ("eth1 (52:54:...)", with " in network namespace ..." when not the
// caller's).
struct NicSocket {
  UniqueFd fd;
  int ifindex = 0;
  std::string nic;
};

// Waits until `fd` is readable or `deadline` (of SystemClock) passes.
// Returns whether it is readable; EINTR is retried.
[[nodiscard]] Result<bool> WaitReadable(int fd, MonoTime deadline,
                                        const std::string& doing);

// Waits until `deadline` for one datagram on `fd` and returns it (nullopt
// when the deadline passes first). A datagram of more than `max_size` bytes
// comes back as max_size + 1 bytes, for the decoder to refuse.
[[nodiscard]] Result<std::optional<std::vector<uint8_t>>> ReceiveDatagram(
    int fd, MonoTime deadline, size_t max_size, const std::string& doing);

// A msghdr for sendmsg/recvmsg of the one buffer `io`, to or from
// `address`, with ancillary data in `control`.
template <typename Address, size_t N>
msghdr MessageHeader(Address& address, iovec& io,
                     std::array<uint8_t, N>& control) {
  msghdr message{};
  message.msg_name = &address;
  message.msg_namelen = sizeof(address);
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  return message;
}

// Sends `payload` from the NIC of `socket` (an AF_INET6 socket) to the
// link-scoped address `to` (a multicast group of the NIC's link), port
// `port` (0 for a raw socket). Errors: kIoError, "`doing`: <errno text>".
Status SendOnLink6(const NicSocket& socket, const std::array<uint8_t, 16>& to,
                   uint16_t port, const std::vector<uint8_t>& payload,
                   const std::string& doing);

// Binds the UDP socket `fd` to the device `name` (SO_BINDTODEVICE), then to
// `port` of any address of its family (`ipv6`: AF_INET6, else AF_INET).
// Errors say which step failed and end with `on` (the NIC and namespace).
Status BindUdpOnDevice(int fd, const std::string& name, bool ipv6,
                       uint16_t port, const std::string& on);

// The name and index of the NIC with `mac` in the calling thread's
// namespace, found through `fd` (any socket there). kNotFound ("no NIC with
// MAC 52:54:...`where`") when there is none.
Status FindByMac(int fd, const Mac& mac, const std::string& where,
                 std::string* name, int* ifindex);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_TRANSPORT_UTIL_H_
