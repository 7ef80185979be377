// What a fuzz harness does when the code under test breaks one of its
// promises: says which on stderr, prefixed with the harness's name, and
// aborts, so that libFuzzer keeps the input that did it.
#ifndef HOSTNIC_TESTS_FUZZ_INVARIANT_H_
#define HOSTNIC_TESTS_FUZZ_INVARIANT_H_

#include <errno.h>  // program_invocation_short_name

#include <cstdio>
#include <cstdlib>
#include <string>

namespace hostnic::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "%s: invariant violated: %s\n",
               program_invocation_short_name, what.c_str());
  std::abort();
}

inline void Require(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_INVARIANT_H_
