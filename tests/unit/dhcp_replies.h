// Test helpers shared by the DHCP decoder's tests: hand-built server
// replies.
#ifndef HOSTNIC_TESTS_UNIT_DHCP_REPLIES_H_
#define HOSTNIC_TESTS_UNIT_DHCP_REPLIES_H_

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "dhcp/message.h"
#include "hostnic/mac.h"

namespace hostnic::dhcp::replies {

inline const Mac kClientMac = *Mac::Parse("52:54:0e:77:00:11");

inline Ipv4 Ip(const char* text) { return *ParseIpv4(text); }

// A BOOTREPLY header (xid 0x01020304, yiaddr 10.77.0.11, chaddr kClientMac,
// magic cookie) followed by `options` verbatim, so options start at 240.
inline std::vector<uint8_t> Reply(std::initializer_list<uint8_t> options) {
  std::vector<uint8_t> m(240, 0);
  m[0] = 2;
  m[1] = 1;
  m[2] = 6;
  m[4] = 1, m[5] = 2, m[6] = 3, m[7] = 4;
  m[16] = 10, m[17] = 77, m[18] = 0, m[19] = 11;
  const auto& mac = kClientMac.bytes();
  std::copy(mac.begin(), mac.end(), m.begin() + 28);
  m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
  m.insert(m.end(), options);
  return m;
}

// Reply() of an OFFER from server 10.77.0.1 (9 option bytes, so the first of
// `options` is at offset 249).
inline std::vector<uint8_t> Offer(std::initializer_list<uint8_t> options) {
  std::vector<uint8_t> m = Reply({53, 1, 2, 54, 4, 10, 77, 0, 1});
  m.insert(m.end(), options);
  return m;
}

inline Result<ServerMessage> DecodeVector(const std::vector<uint8_t>& m) {
  return Decode(m.data(), m.size());
}

}  // namespace hostnic::dhcp::replies

#endif  // HOSTNIC_TESTS_UNIT_DHCP_REPLIES_H_
