// Router advertisements (RFC 4861 4.2, 4.6): decoding -- as hostile input --
// what a router on the NIC's link says, and the router solicitation hostnic
// sends to ask for one. Pure functions on ICMPv6 bytes (the IPv6 header is
// the socket's): no sockets, no clock.
//
// hostnic reads three things from an RA: whether the router is a default
// router (its router lifetime), the prefixes (on-link: the container's
// subnet route; autonomous: a SLAAC address), and the link's MTU.
#ifndef HOSTNIC_DHCP6_ROUTER_ADVERT_H_
#define HOSTNIC_DHCP6_ROUTER_ADVERT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dhcp6/message.h"
#include "hostnic/mac.h"
#include "hostnic/status.h"

namespace hostnic::dhcp6 {

// Largest RA accepted: a 1500-byte IPv6 packet minus its 40-byte header.
constexpr size_t kMaxRouterAdvertSize = 1460;
// At most this many prefixes are kept from one RA (the rest are ignored
// with a warning): a NIC needs one.
constexpr size_t kMaxRaPrefixes = 16;

struct RaPrefix {
  Ipv6 prefix{};            // Bits past `length` are zero.
  uint8_t length = 0;       // 0..128.
  bool on_link = false;     // L flag.
  bool autonomous = false;  // A flag: SLAAC may make an address in it.
  uint32_t valid = 0;       // Seconds; 0xffffffff is infinite.
  uint32_t preferred = 0;
};

struct RouterAdvert {
  bool managed = false;  // M flag: addresses by DHCPv6.
  bool other = false;    // O flag: other settings by DHCPv6.
  // Seconds this router is a default router; 0: it is not one.
  uint16_t router_lifetime = 0;
  uint32_t mtu = 0;  // Option 5; 0 when absent or ignored.
  // Prefix information options that decoded (link-local and multicast
  // prefixes and preferred > valid are ignored), in message order.
  std::vector<RaPrefix> prefixes;
  // One sentence per option ignored (what, where, "; ignored").
  std::vector<std::string> warnings;
};

// Decodes one ICMPv6 message received on the NIC. Refused, with a sentence
// saying what is wrong and where: a size outside 16..kMaxRouterAdvertSize,
// a type other than 134 or a code other than 0, an option of length 0 or
// running past the end (RFC 4861 4.6 discards the whole message then).
// An option of a known type whose contents are wrong is ignored with a
// warning; unknown options are skipped. Bounded by the message's size.
Result<RouterAdvert> DecodeRouterAdvert(const uint8_t* data, size_t size);

// The router solicitation hostnic sends to ff02::2: type 133 with the
// source link-layer address option (the NIC's MAC), so that the router may
// answer at once. The checksum is left to the kernel.
std::vector<uint8_t> EncodeRouterSolicit(const Mac& mac);

// The SLAAC address (RFC 4862 5.5.3) of the NIC with `mac` in `prefix`: the
// prefix's first 64 bits and the MAC's modified EUI-64 (RFC 4291 2.5.1).
// nullopt unless the prefix is autonomous and 64 bits long.
std::optional<Ipv6> SlaacAddress(const RaPrefix& prefix, const Mac& mac);

// Whether `address` lies in `prefix`.
bool InPrefix(const Ipv6& address, const RaPrefix& prefix);

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_ROUTER_ADVERT_H_
