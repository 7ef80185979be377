// The DNS names DHCP servers send (RFC 1035), checked for a container's
// resolv.conf: a domain name in text (DHCP option 15) and search lists in
// wire format (DHCP option 119, RFC 3397; DHCPv6 option 24, RFC 3646).
// Shared by dhcp/ and dhcp6/. Pure functions on bytes.
//
// A name that decodes is lower-case, without the final dot, at most 253
// characters, of labels of 1 to 63 letters, digits, '-' and '_' (a space
// or a newline would be a new resolv.conf entry). Errors are InvalidArgument
// sentences that begin with `what` (the option, e.g. "DHCP option 119
// (domain search)") and say what is wrong and where: at byte N of the
// option's value (its instances concatenated), the option's code being at
// message offset `offset`.
#ifndef HOSTNIC_DHCP_DNS_NAMES_H_
#define HOSTNIC_DHCP_DNS_NAMES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hostnic/status.h"

namespace hostnic::dhcp {

// The most name servers (DHCP option 6, DHCPv6 option 23) and search
// domains kept from one reply: more would not be used (resolv.conf takes 3
// name servers) and only bloat records.
inline constexpr size_t kMaxDnsServers = 8;
inline constexpr size_t kMaxSearchDomains = 32;

// A domain name in text, as DHCP option 15 carries it; servers may end it
// with NULs or a dot.
Result<std::string> DecodeDomainName(const uint8_t* value, size_t length,
                                     const std::string& what, size_t offset);

// Whether a name of a search list may end in a pointer to an earlier name
// of the same list (RFC 1035 4.1.4): DHCP's option 119 may, DHCPv6 allows
// no compression (RFC 8415 10).
enum class Compression { kAllowed, kRefused };

// Names in wire format (RFC 1035 3.1), one after another, filling
// value[0, length). A pointer must point before the name and before every
// byte of it read so far, so each jump goes further back and the walk ends.
// The root name and repeats are skipped; names past kMaxSearchDomains are
// dropped. Refused, the whole list: a truncated name, label or pointer, a
// pointer that does not point back to an earlier name (or any pointer
// under Compression::kRefused), a label of an unknown type or with another
// character, a name over 253 characters.
Result<std::vector<std::string>> DecodeSearchList(const uint8_t* value,
                                                  size_t length,
                                                  Compression compression,
                                                  const std::string& what,
                                                  size_t offset);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_DNS_NAMES_H_
