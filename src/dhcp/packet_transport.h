// PacketTransport: DHCP on a NIC of the host that is up but has no address
// (hostnic brings it up, with IPv6 off, just for the exchange). The kernel's
// UDP stack cannot serve such a NIC, so hostnic frames IPv4/UDP itself on an
// AF_PACKET socket bound to the NIC: frames go to ff:ff:ff:ff:ff:ff, and
// only well-formed IPv4/UDP packets to port 68 come back (a classic BPF
// filter drops the rest in the kernel; every header is checked again here).
#ifndef HOSTNIC_DHCP_PACKET_TRANSPORT_H_
#define HOSTNIC_DHCP_PACKET_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dhcp/message.h"
#include "dhcp/transport.h"
#include "dhcp/transport_util.h"
#include "hostnic/link.h"

namespace hostnic::dhcp {

class PacketTransport : public Transport {
 public:
  // Opens the socket on `link` (by ifindex; name and MAC for errors).
  // Packets are sent from `source`:68 to `destination`:67 (0.0.0.0 and
  // 255.255.255.255 while acquiring; the leased address and the server for
  // a DHCPRELEASE). Needs CAP_NET_RAW. Errors name the NIC and its MAC.
  [[nodiscard]] static Result<std::unique_ptr<PacketTransport>> Open(
      const Link& link, Ipv4 source, Ipv4 destination);

  // As Open while acquiring (from 0.0.0.0 to 255.255.255.255), on the NIC
  // with `mac` inside the network namespace at `netns_path` (a container's
  // sandbox whose NIC lost its address): the socket is made there by a
  // short-lived thread (RunInNetns); the caller's namespace never changes.
  // Errors: kNotFound (no such namespace or NIC), kIoError.
  [[nodiscard]] static Result<std::unique_ptr<PacketTransport>> OpenInNetns(
      const std::string& netns_path, const Mac& mac);

  Status Send(const std::vector<uint8_t>& payload) override;
  Result<std::optional<std::vector<uint8_t>>> Receive(
      MonoTime deadline) override;

  // Waits until the NIC, brought up after Open, has its link up (the
  // driver's carrier by ethtool, else IFF_RUNNING); until then the kernel
  // may drop what is sent. Call it before the first Send. kTimeout when
  // `deadline` passes first.
  [[nodiscard]] Status WaitForCarrier(MonoTime deadline);

  // "eth1 (52:54:...)", with " in network namespace ..." when there.
  const std::string& nic() const { return nic_; }

 private:
  Result<bool> HasCarrier();

  PacketTransport(UniqueFd fd, const Link& link, Ipv4 source, Ipv4 destination);

  UniqueFd fd_;
  Link link_;
  std::string nic_;  // "eth1 (52:54:...)".
  Ipv4 source_;
  Ipv4 destination_;
  int refused_ = 0;  // Packets whose framing was refused, for bounded logs.
};

// An IPv4 packet (no options, TTL 64, checksums filled in) carrying a UDP
// datagram from source:source_port to destination:destination_port.
std::vector<uint8_t> FrameIpv4Udp(Ipv4 source, uint16_t source_port,
                                  Ipv4 destination, uint16_t destination_port,
                                  const std::vector<uint8_t>& payload);

// The UDP payload of `packet` when it is an unfragmented IPv4/UDP packet to
// `port` whose lengths and IP header checksum are right, and whose UDP
// checksum is right or zero (unchecked when `udp_checksum_ready` is false:
// the sender's NIC offload has not filled it in yet). Otherwise nullopt,
// with the reason in `why`.
std::optional<std::vector<uint8_t>> UnframeIpv4Udp(const uint8_t* packet,
                                                   size_t size, uint16_t port,
                                                   bool udp_checksum_ready,
                                                   std::string* why);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_PACKET_TRANSPORT_H_
