// The metadata guard's XDP program (src/guard/guard.bpf.c), compiled by
// clang's BPF target at build time: an ELF object for libbpf, embedded by
// cmake/embed.cmake so that the executable needs no file beside it.
#ifndef HOSTNIC_GUARD_GUARD_OBJECT_H_
#define HOSTNIC_GUARD_GUARD_OBJECT_H_

#include <cstddef>

namespace hostnic {

extern const unsigned char kGuardObject[];
extern const size_t kGuardObjectSize;

}  // namespace hostnic

#endif  // HOSTNIC_GUARD_GUARD_OBJECT_H_
