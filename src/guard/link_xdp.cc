#include "guard/link_xdp.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/errno_status.h"

namespace hostnic {

namespace {

struct GetLink {
  nlmsghdr header;
  ifinfomsg info;
};

uint32_t U32(const rtattr* attr) {
  uint32_t value = 0;
  if (RTA_PAYLOAD(attr) >= sizeof(value)) {
    std::memcpy(&value, RTA_DATA(attr), sizeof(value));
  }
  return value;
}

// IFLA_XDP: with one program attached the kernel names its hook
// (IFLA_XDP_ATTACHED) and its id (IFLA_XDP_PROG_ID); with several, each
// hook's id apart.
void ReadXdp(const rtattr* xdp, LinkXdp* link) {
  uint8_t attached = XDP_ATTACHED_NONE;
  uint32_t only = 0;
  int left = static_cast<int>(RTA_PAYLOAD(xdp));
  for (const rtattr* a = static_cast<const rtattr*>(RTA_DATA(xdp));
       RTA_OK(a, left); a = RTA_NEXT(a, left)) {
    switch (a->rta_type) {
      case IFLA_XDP_ATTACHED:
        if (RTA_PAYLOAD(a) >= 1) attached = *static_cast<uint8_t*>(RTA_DATA(a));
        break;
      case IFLA_XDP_PROG_ID:
        only = U32(a);
        break;
      case IFLA_XDP_DRV_PROG_ID:
        link->drv_prog_id = U32(a);
        break;
      case IFLA_XDP_SKB_PROG_ID:
        link->skb_prog_id = U32(a);
        break;
      default:
        break;
    }
  }
  if (attached == XDP_ATTACHED_DRV) link->drv_prog_id = only;
  if (attached == XDP_ATTACHED_SKB) link->skb_prog_id = only;
}

LinkXdp ReadLink(const nlmsghdr* reply) {
  const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(reply));
  LinkXdp link;
  link.ifindex = info->ifi_index;
  int left = static_cast<int>(IFLA_PAYLOAD(reply));
  for (const rtattr* a = IFLA_RTA(info); RTA_OK(a, left);
       a = RTA_NEXT(a, left)) {
    switch (a->rta_type) {
      case IFLA_IFNAME:
        link.name.assign(
            static_cast<const char*>(RTA_DATA(a)),
            strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
        break;
      case IFLA_ADDRESS:
        if (RTA_PAYLOAD(a) == 6) {
          std::array<uint8_t, 6> bytes;
          std::memcpy(bytes.data(), RTA_DATA(a), bytes.size());
          link.mac = Mac(bytes);
        }
        break;
      case IFLA_XDP:
        ReadXdp(a, &link);
        break;
      default:
        break;
    }
  }
  return link;
}

}  // namespace

Result<std::optional<LinkXdp>> ReadLinkXdp(int ifindex,
                                           const std::string& doing) {
  if (ifindex <= 0) return std::optional<LinkXdp>();
  const std::string reading =
      doing + ": reading device " + std::to_string(ifindex);
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return ErrnoIoError(reading);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  GetLink request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = 1;
  request.info.ifi_family = AF_UNSPEC;
  request.info.ifi_index = ifindex;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &request, sizeof(request), 0,
               reinterpret_cast<const sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return ErrnoIoError(reading);
  }
  // One device's attributes, statistics included, fit many times over.
  std::vector<char> buffer(64 * 1024);
  ssize_t got;
  do {
    got = ::recv(fd, buffer.data(), buffer.size(), MSG_TRUNC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return ErrnoIoError(reading);
  if (static_cast<size_t>(got) > buffer.size()) {
    return Status::IoError(reading + ": the kernel's answer (" +
                           std::to_string(got) + " bytes) does not fit");
  }
  int left = static_cast<int>(got);
  for (const auto* reply = reinterpret_cast<const nlmsghdr*>(buffer.data());
       NLMSG_OK(reply, left); reply = NLMSG_NEXT(reply, left)) {
    if (reply->nlmsg_seq != request.header.nlmsg_seq) continue;
    if (reply->nlmsg_type == NLMSG_ERROR) {
      if (reply->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) break;
      const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(reply))->error;
      if (err == ENODEV) return std::optional<LinkXdp>();
      return ErrnoIoError(reading, err);
    }
    if (reply->nlmsg_type == RTM_NEWLINK &&
        reply->nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg))) {
      return std::optional<LinkXdp>(ReadLink(reply));
    }
  }
  return Status::IoError(reading + ": the kernel's answer is not a device");
}

}  // namespace hostnic
