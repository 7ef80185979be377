// Reading a DHCP server's options (RFC 2132, 3396, 3442): every instance of
// an option gathered into one value, the overload (52) that says where more
// options are, and each value hostnic uses checked into a ServerMessage.
// Internal to dhcp/: Decode (message.h) is the entry point and its comment
// the contract on what is ignored and what refused.
#ifndef HOSTNIC_DHCP_OPTIONS_H_
#define HOSTNIC_DHCP_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dhcp/message.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// One option as gathered from every instance of it (RFC 3396).
struct Gathered {
  std::vector<uint8_t> value;
  size_t offset = 0;  // Of the first instance's code byte.
};
using GatheredOptions = std::map<uint8_t, Gathered>;

// Appends the value of each option in data[begin, end) to `gathered`, in
// order, up to option 255 (end). A truncated option (no length byte, or a
// length past the area's end) leaves nothing to read after it: it is
// ignored with what follows, with a warning. `area` names the area in it.
void GatherOptions(const uint8_t* data, size_t begin, size_t end,
                   const char* area, GatheredOptions& gathered,
                   std::vector<std::string>& warnings);

// The option overload (52) value: which of file (1) and sname (2) hold
// options. Read from the options field only (RFC 2131 4.1); a malformed one
// is ignored with a warning.
uint8_t Overload(const GatheredOptions& gathered,
                 std::vector<std::string>& warnings);

// Reads one option's value (all its instances concatenated, RFC 3396) into
// `out`. `offset` is where the option's first code byte is. Unknown codes
// are skipped; a value that does not decode is an InvalidArgument sentence
// naming the option and where it is, `out` unchanged.
Status DecodeOption(uint8_t code, const uint8_t* value, size_t length,
                    size_t offset, ServerMessage& out);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_OPTIONS_H_
