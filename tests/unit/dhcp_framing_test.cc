// The IPv4/UDP framing of the DHCP packet transport
// (src/dhcp/packet_transport.h): what it frames round-trips, damage is
// refused with the reason, checksums are RFC 1071's.
#include <gtest/gtest.h>

#include <vector>

#include "dhcp/packet_transport.h"

namespace hostnic::dhcp {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr Ipv4 kServer = 0xc0a83d01;   // 192.168.61.1
constexpr Ipv4 kOffered = 0xc0a83d0b;  // 192.168.61.11

TEST(FramingTest, RoundTripsAndRefusesDamage) {
  const Bytes payload = {1, 2, 3, 4, 5};
  Bytes packet = FrameIpv4Udp(0, 67, 0xffffffff, 68, payload);
  ASSERT_EQ(packet.size(), 20u + 8u + payload.size());
  std::string why;
  EXPECT_EQ(UnframeIpv4Udp(packet.data(), packet.size(), 68, true, &why),
            payload);
  EXPECT_FALSE(UnframeIpv4Udp(packet.data(), packet.size(), 67, true, &why));
  EXPECT_EQ(why, "UDP to port 68");

  Bytes padded = packet;  // Ethernet pads short frames; the IP length rules.
  padded.resize(packet.size() + 18, 0);
  EXPECT_EQ(UnframeIpv4Udp(padded.data(), padded.size(), 68, true, &why),
            payload);

  Bytes body = packet;
  body.back() ^= 0xff;
  EXPECT_FALSE(UnframeIpv4Udp(body.data(), body.size(), 68, true, &why));
  EXPECT_EQ(why, "bad UDP checksum");
  // Checksum offload of a local sender: not yet computed, not checked.
  EXPECT_TRUE(UnframeIpv4Udp(body.data(), body.size(), 68, false, &why));

  Bytes header = packet;
  header[8] = 1;  // TTL, covered by the header checksum.
  EXPECT_FALSE(UnframeIpv4Udp(header.data(), header.size(), 68, true, &why));
  EXPECT_EQ(why, "bad IPv4 header checksum");

  EXPECT_FALSE(
      UnframeIpv4Udp(packet.data(), packet.size() - 1, 68, true, &why));
  EXPECT_FALSE(UnframeIpv4Udp(packet.data(), 19, 68, true, &why));
}

TEST(FramingTest, ChecksumsMatchAKnownPacket) {
  // 192.168.61.1:67 -> 192.168.61.11:68, payload "hi": checksums computed
  // independently (RFC 1071).
  const Bytes packet = FrameIpv4Udp(kServer, 67, kOffered, 68, {'h', 'i'});
  EXPECT_EQ(packet[10] << 8 | packet[11], 0x7f72);
  EXPECT_EQ(packet[26] << 8 | packet[27], 0x9b8c);
}

}  // namespace
}  // namespace hostnic::dhcp
