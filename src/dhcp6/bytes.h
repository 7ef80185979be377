// Big-endian loads for the DHCPv6 and RA decoders (message.cc,
// router_advert.cc); the caller has checked the bounds.
#ifndef HOSTNIC_DHCP6_BYTES_H_
#define HOSTNIC_DHCP6_BYTES_H_

#include <cstdint>

namespace hostnic::dhcp6 {

inline uint32_t Load32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 |
         p[3];
}
inline uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

}  // namespace hostnic::dhcp6

#endif  // HOSTNIC_DHCP6_BYTES_H_
