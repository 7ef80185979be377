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

// A DNS name as a DHCP or DHCPv6 decoder may pass it on (into a container's
// resolv.conf): lower-case labels of 1 to 63 letters, digits, '-' and '_',
// at most 253 characters, no final dot.
inline void RequireName(const std::string& name) {
  Require(!name.empty() && name.size() <= 253, "bad name length: " + name);
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      Require(label > 0, "empty label in " + name);
      label = 0;
      continue;
    }
    Require((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '_',
            "bad character in name " + name);
    Require(++label <= 63, "label over 63 characters in " + name);
  }
  Require(label > 0, "name ends in a dot: " + name);
}

// A search list as a decoder may pass it on: at most 32 distinct names.
inline void RequireSearchList(const std::vector<std::string>& names) {
  Require(names.size() <= 32, "more than 32 search domains");
  for (size_t i = 0; i < names.size(); ++i) {
    RequireName(names[i]);
    for (size_t j = 0; j < i; ++j) {
      Require(names[i] != names[j], "search domain twice: " + names[i]);
    }
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
