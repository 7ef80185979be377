// What a fuzz harness does when the code under test breaks one of its
// promises: says which on stderr, prefixed with the harness's name, and
// aborts, so that libFuzzer keeps the input that did it. And the promises
// more than one harness checks.
#ifndef HOSTNIC_TESTS_FUZZ_INVARIANT_H_
#define HOSTNIC_TESTS_FUZZ_INVARIANT_H_

#include <errno.h>  // program_invocation_short_name

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hostnic/status.h"

namespace hostnic::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "%s: invariant violated: %s\n",
               program_invocation_short_name, what.c_str());
  std::abort();
}

inline void Require(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

// Each of a decoder's `warnings` says what was done about what it reports:
// "...; ignored" (or "...; ignored it and what follows"). `kind` names them
// in the failure ("warning", "RA warning").
inline void RequireSaysIgnored(const std::vector<std::string>& warnings,
                               const std::string& kind) {
  for (const std::string& w : warnings) {
    Require(w.find("; ignored") != std::string::npos,
            kind + " without what was done: " + w);
  }
}

// The first N bytes of a fuzz input, zeros where it is shorter: what a
// harness picks the fields of a message to encode from.
template <size_t N>
std::array<uint8_t, N> FirstBytes(const uint8_t* data, size_t size) {
  std::array<uint8_t, N> bytes{};
  std::memcpy(bytes.data(), data, std::min(size, N));
  return bytes;
}

// Two decodes of the same input agree: both refused for the same reason, or
// both decoded to messages `same(a, b)` finds equal.
template <typename Message, typename Same>
void RequireSameResult(const Result<Message>& a, const Result<Message>& b,
                       Same same) {
  Require(a.ok() == b.ok(), "Decode answered the same input differently");
  if (!a.ok()) {
    Require(a.status().message() == b.status().message(),
            "Decode explained the same refusal differently");
    return;
  }
  Require(same(*a, *b), "Decode decoded the same input differently");
}

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_INVARIANT_H_
