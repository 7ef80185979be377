#include "dhcp/packet_transport.h"

#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/big_endian.h"
#include "common/netns.h"

namespace hostnic::dhcp {

namespace {

constexpr size_t kIpHeaderSize = 20;
constexpr size_t kUdpHeaderSize = 8;
constexpr size_t kMaxIpHeaderSize = 60;
// Room for the largest accepted packet plus one byte, to see oversize ones.
constexpr size_t kReceiveBufferSize =
    kMaxIpHeaderSize + kUdpHeaderSize + kMaxMessageSize + 1;
constexpr int kMaxLoggedRefusals = 8;

// The ones' complement sum of RFC 1071, not yet folded or complemented.
uint32_t Sum16(const uint8_t* data, size_t size, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < size; i += 2) sum += Load16(data + i);
  if (size % 2) sum += uint32_t{data[size - 1]} << 8;
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}
uint32_t PseudoHeaderSum(Ipv4 source, Ipv4 destination, size_t udp_size) {
  return (source >> 16) + (source & 0xffff) + (destination >> 16) +
         (destination & 0xffff) + IPPROTO_UDP + static_cast<uint32_t>(udp_size);
}

// Keeps only unfragmented UDP to port 68, in the kernel. A SOCK_DGRAM packet
// socket hands the filter the packet from its IP header on.
constexpr std::array<sock_filter, 9> kFilter = {{
    {BPF_LD | BPF_B | BPF_ABS, 0, 0, 9},  // Protocol.
    {BPF_JMP | BPF_JEQ | BPF_K, 0, 6, IPPROTO_UDP},
    {BPF_LD | BPF_H | BPF_ABS, 0, 0, 6},  // Flags and fragment offset.
    {BPF_JMP | BPF_JSET | BPF_K, 4, 0, 0x3fff},
    {BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0},  // X = IP header length.
    {BPF_LD | BPF_H | BPF_IND, 0, 0, 2},   // UDP destination port.
    {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, kClientPort},
    {BPF_RET | BPF_K, 0, 0, 0x40000},
    {BPF_RET | BPF_K, 0, 0, 0},
}};

}  // namespace

std::vector<uint8_t> FrameIpv4Udp(Ipv4 source, uint16_t source_port,
                                  Ipv4 destination, uint16_t destination_port,
                                  const std::vector<uint8_t>& payload) {
  const size_t udp_size = kUdpHeaderSize + payload.size();
  std::vector<uint8_t> packet(kIpHeaderSize + udp_size);
  uint8_t* ip = packet.data();
  ip[0] = 0x45;  // IPv4, 5 words of header.
  Store16(ip + 2, static_cast<uint16_t>(packet.size()));
  ip[8] = 64;  // TTL.
  ip[9] = IPPROTO_UDP;
  Store32(ip + 12, source);
  Store32(ip + 16, destination);
  Store16(ip + 10, static_cast<uint16_t>(~Fold(Sum16(ip, kIpHeaderSize))));

  uint8_t* udp = ip + kIpHeaderSize;
  Store16(udp, source_port);
  Store16(udp + 2, destination_port);
  Store16(udp + 4, static_cast<uint16_t>(udp_size));
  std::memcpy(udp + kUdpHeaderSize, payload.data(), payload.size());
  uint16_t checksum = static_cast<uint16_t>(~Fold(
      Sum16(udp, udp_size, PseudoHeaderSum(source, destination, udp_size))));
  Store16(udp + 6, checksum == 0 ? 0xffff : checksum);  // 0 means "none".
  return packet;
}

std::optional<std::vector<uint8_t>> UnframeIpv4Udp(const uint8_t* packet,
                                                   size_t size, uint16_t port,
                                                   bool udp_checksum_ready,
                                                   std::string* why) {
  auto refuse = [why](std::string reason) {
    *why = std::move(reason);
    return std::nullopt;
  };
  if (size < kIpHeaderSize) return refuse("shorter than an IPv4 header");
  if (packet[0] >> 4 != 4) return refuse("not IPv4");
  const size_t header_size = size_t{packet[0] & 0x0fu} * 4;
  const size_t total = Load16(packet + 2);
  if (header_size < kIpHeaderSize || total < header_size + kUdpHeaderSize ||
      total > size) {
    return refuse("IPv4 header length " + std::to_string(header_size) +
                  " or total length " + std::to_string(total) +
                  " does not fit " + std::to_string(size) + " bytes");
  }
  if (Fold(Sum16(packet, header_size)) != 0xffff) {
    return refuse("bad IPv4 header checksum");
  }
  if (packet[9] != IPPROTO_UDP) return refuse("not UDP");
  if (Load16(packet + 6) & 0x3fff) return refuse("a fragment");
  const uint8_t* udp = packet + header_size;
  const size_t udp_size = Load16(udp + 4);
  if (udp_size < kUdpHeaderSize || udp_size > total - header_size) {
    return refuse("UDP length " + std::to_string(udp_size) +
                  " does not fit the IPv4 packet");
  }
  if (Load16(udp + 2) != port) {
    return refuse("UDP to port " + std::to_string(Load16(udp + 2)));
  }
  if (udp_checksum_ready && Load16(udp + 6) != 0 &&
      Fold(Sum16(udp, udp_size,
                 PseudoHeaderSum(Load32(packet + 12), Load32(packet + 16),
                                 udp_size))) != 0xffff) {
    return refuse("bad UDP checksum");
  }
  return std::vector<uint8_t>(udp + kUdpHeaderSize, udp + udp_size);
}

PacketTransport::PacketTransport(UniqueFd fd, const Link& link, Ipv4 source,
                                 Ipv4 destination)
    : fd_(std::move(fd)),
      link_(link),
      nic_(NicLabel(link)),
      source_(source),
      destination_(destination) {}

Result<std::unique_ptr<PacketTransport>> PacketTransport::Open(
    const Link& link, Ipv4 source, Ipv4 destination) {
  const std::string on = " on NIC " + NicLabel(link);
  // Protocol 0 receives nothing until bind(), so no packet gets in before
  // the filter is attached.
  UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoStatus("opening a packet socket" + on, errno);
  const sock_fprog program{static_cast<unsigned short>(kFilter.size()),
                           const_cast<sock_filter*>(kFilter.data())};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program,
                   sizeof(program)) != 0) {
    return ErrnoStatus("attaching the DHCP filter" + on, errno);
  }
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) !=
      0) {
    return ErrnoStatus("asking for packet checksum status" + on, errno);
  }
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_IP);
  address.sll_ifindex = link.ifindex;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address),
             sizeof(address)) != 0) {
    return ErrnoStatus("binding a packet socket" + on, errno);
  }
  return std::unique_ptr<PacketTransport>(
      new PacketTransport(std::move(fd), link, source, destination));
}

Result<std::unique_ptr<PacketTransport>> PacketTransport::OpenInNetns(
    const std::string& netns_path, const Mac& mac) {
  const std::string where = " in network namespace " + netns_path;
  std::unique_ptr<PacketTransport> transport;
  const Status status =
      RunInNetns(netns_path, "asking DHCP for a lost lease", [&]() -> Status {
        UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!probe.valid()) {
          return ErrnoStatus("opening a socket" + where, errno);
        }
        Link link;
        link.mac = mac;
        HOSTNIC_RETURN_IF_ERROR(
            FindByMac(probe.get(), mac, where, &link.name, &link.ifindex));
        Result<std::unique_ptr<PacketTransport>> opened =
            Open(link, 0, kBroadcast);
        if (!opened.ok()) {
          return Status(opened.status().code(),
                        opened.status().message() + where);
        }
        transport = std::move(opened).value();
        return Status::Ok();
      });
  if (!status.ok()) return status;
  transport->nic_ += where;
  return transport;
}

Status PacketTransport::Send(const std::vector<uint8_t>& payload) {
  const std::vector<uint8_t> packet =
      FrameIpv4Udp(source_, kClientPort, destination_, kServerPort, payload);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_IP);
  to.sll_ifindex = link_.ifindex;
  to.sll_halen = ETH_ALEN;
  std::memset(to.sll_addr, 0xff, ETH_ALEN);
  if (::sendto(fd_.get(), packet.data(), packet.size(), 0,
               reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0) {
    return ErrnoStatus(
        "sending DHCP to " + Ipv4ToString(destination_) + " on NIC " + nic_,
        errno);
  }
  return Status::Ok();
}

Result<std::optional<std::vector<uint8_t>>> PacketTransport::Receive(
    MonoTime deadline) {
  const std::string doing = "receiving DHCP on NIC " + nic_;
  std::array<uint8_t, kReceiveBufferSize> buffer;
  alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(tpacket_auxdata))>
      control;
  while (true) {
    Result<bool> readable = WaitReadable(fd_.get(), deadline, doing);
    if (!readable.ok()) return readable.status();
    if (!*readable) return std::optional<std::vector<uint8_t>>();
    sockaddr_ll from{};
    iovec io{buffer.data(), buffer.size()};
    msghdr message = MessageHeader(from, io, control);
    const ssize_t n = ::recvmsg(fd_.get(), &message, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ErrnoStatus(doing, errno);
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    // A reply from a local peer (a veth, a bridge) may still carry a partial
    // checksum that the offload would have completed on a wire.
    bool checksum_ready = true;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr;
         c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
        tpacket_auxdata aux;
        std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
        checksum_ready = !(aux.tp_status & TP_STATUS_CSUMNOTREADY);
      }
    }
    std::string why;
    std::optional<std::vector<uint8_t>> payload;
    if (message.msg_flags & MSG_TRUNC) {
      why = "larger than " + std::to_string(buffer.size()) + " bytes";
    } else {
      payload = UnframeIpv4Udp(buffer.data(), static_cast<size_t>(n),
                               kClientPort, checksum_ready, &why);
    }
    if (payload) return payload;
    if (++refused_ <= kMaxLoggedRefusals) {
      spdlog::debug("DHCP on NIC {}: ignoring a {}-byte packet: {}", nic_, n,
                    why);
    }
  }
}

Result<bool> PacketTransport::HasCarrier() {
  ifreq request{};
  std::strncpy(request.ifr_name, link_.name.c_str(), IFNAMSIZ - 1);
  // The driver's own link state: IFF_RUNNING follows it only when the
  // kernel's link watcher runs, up to a second later.
  ethtool_value link{ETHTOOL_GLINK, 0};
  request.ifr_data = reinterpret_cast<char*>(&link);
  if (::ioctl(fd_.get(), SIOCETHTOOL, &request) == 0) return link.data != 0;
  if (errno != EOPNOTSUPP) {
    return ErrnoStatus("reading the link state of NIC " + nic_, errno);
  }
  if (::ioctl(fd_.get(), SIOCGIFFLAGS, &request) != 0) {
    return ErrnoStatus("reading the flags of NIC " + nic_, errno);
  }
  return (request.ifr_flags & IFF_RUNNING) != 0;
}

Status PacketTransport::WaitForCarrier(MonoTime deadline) {
  while (true) {
    Result<bool> carrier = HasCarrier();
    if (!carrier.ok()) return carrier.status();
    if (*carrier) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Timeout("NIC " + nic_ + " has no link (carrier) up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Binding to a NIC that was down left ENETDOWN pending on the socket,
  // which the first send would report although the NIC is up now.
  int pending = 0;
  socklen_t size = sizeof(pending);
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &pending, &size) != 0) {
    return ErrnoStatus("reading the socket error on NIC " + nic_, errno);
  }
  return Status::Ok();
}

}  // namespace hostnic::dhcp
