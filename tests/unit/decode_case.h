// DecodeCase: one row of a protocol decoder's table-driven tests (dhcp/,
// dhcp6/): a named input and what the decoder must say about it, either why
// it refuses the input or what it ignored in it.
#ifndef HOSTNIC_TESTS_UNIT_DECODE_CASE_H_
#define HOSTNIC_TESTS_UNIT_DECODE_CASE_H_

#include <cstdint>
#include <vector>

namespace hostnic {

struct DecodeCase {
  const char* name;  // The test's (ParamName).
  // A whole message, or the part of one that the test puts in a message.
  std::vector<uint8_t> input;
  // The error of a refusal, or the warning for what was ignored (or the
  // part of it that the test checks).
  const char* says;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_UNIT_DECODE_CASE_H_
