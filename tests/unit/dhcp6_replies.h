// Test helpers shared by the DHCPv6 tests: hand-built server messages.
#ifndef HOSTNIC_TESTS_UNIT_DHCP6_REPLIES_H_
#define HOSTNIC_TESTS_UNIT_DHCP6_REPLIES_H_

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "dhcp6/message.h"
#include "hostnic/mac.h"

namespace hostnic::dhcp6::replies6 {

inline const Mac kMac = *Mac::Parse("52:54:0e:66:00:11");
inline const std::vector<uint8_t> kServerDuid = {
    0, 1, 0, 1, 0x2c, 0x1e, 0xa3, 0x01, 0x52, 0x54, 0x0e, 0x66, 0x00, 0x01};

inline Ipv6 Ip(const char* text) { return *ParseIpv6(text); }

// Appends option `code` with `value`.
inline void Put(std::vector<uint8_t>& m, uint16_t code,
                const std::vector<uint8_t>& value) {
  m.push_back(static_cast<uint8_t>(code >> 8));
  m.push_back(static_cast<uint8_t>(code));
  m.push_back(static_cast<uint8_t>(value.size() >> 8));
  m.push_back(static_cast<uint8_t>(value.size()));
  m.insert(m.end(), value.begin(), value.end());
}
inline std::vector<uint8_t> Bytes(const Ipv6& ip) {
  return std::vector<uint8_t>(ip.begin(), ip.end());
}
inline std::vector<uint8_t> Be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}
inline std::vector<uint8_t> Cat(
    std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline std::vector<uint8_t> IaAddr(const char* address, uint32_t preferred,
                                   uint32_t valid,
                                   const std::vector<uint8_t>& inner = {}) {
  const Ipv6 ip = Ip(address);
  return Cat({std::vector<uint8_t>(ip.begin(), ip.end()), Be32(preferred),
              Be32(valid), inner});
}
// An IA_NA value: IAID of kMac, T1 1000, T2 1600, then `options` (encoded).
inline std::vector<uint8_t> Ia(const std::vector<uint8_t>& options) {
  return Cat({Be32(IaidFromMac(kMac)), Be32(1000), Be32(1600), options});
}
inline std::vector<uint8_t> Option(uint16_t code,
                                   const std::vector<uint8_t>& v) {
  std::vector<uint8_t> m;
  Put(m, code, v);
  return m;
}

// A server message of `type`, xid 0x123456, client id of kMac, server id
// kServerDuid, then `rest` (encoded options).
inline std::vector<uint8_t> FromServer(uint8_t type,
                                       const std::vector<uint8_t>& rest,
                                       bool with_server = true) {
  std::vector<uint8_t> m = {type, 0x12, 0x34, 0x56};
  Put(m, 1, DuidFromMac(kMac));
  if (with_server) Put(m, 2, kServerDuid);
  m.insert(m.end(), rest.begin(), rest.end());
  return m;
}

inline Result<ServerMessage> DecodeVector(const std::vector<uint8_t>& m) {
  return Decode(m.data(), m.size());
}

}  // namespace hostnic::dhcp6::replies6

#endif  // HOSTNIC_TESTS_UNIT_DHCP6_REPLIES_H_
