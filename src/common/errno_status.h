// An errno value in words, and as a Status: the one place a system call's
// failure becomes hostnic's error (the layers below the driver, the store,
// the HTTP transport and the plugins all call here).
#ifndef HOSTNIC_COMMON_ERRNO_STATUS_H_
#define HOSTNIC_COMMON_ERRNO_STATUS_H_

#include <cerrno>
#include <string>

#include "hostnic/status.h"

namespace hostnic {

// The system's sentence for `err` ("No such file or directory"). A negative
// value (libbpf's and libnl's convention) is read as its absolute value.
std::string ErrnoText(int err);

// "`doing`: <ErrnoText(err)>", as kNotFound when `err` says the thing is
// not there (ENOENT, ENODEV, ENXIO), else as kIoError.
Status ErrnoStatus(const std::string& doing, int err = errno);

// "`doing`: <ErrnoText(err)>" as kIoError whatever `err` is: for callers whose
// contract makes every system failure kIoError (the store).
Status ErrnoIoError(const std::string& doing, int err = errno);

}  // namespace hostnic

#endif  // HOSTNIC_COMMON_ERRNO_STATUS_H_
