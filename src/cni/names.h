// The names a CNI request carries, checked as the spec and the kernel
// want them before anything is done with them.
#ifndef HOSTNIC_CNI_NAMES_H_
#define HOSTNIC_CNI_NAMES_H_

#include <string>

namespace hostnic::cni {

// The spec's rule for network names and container IDs: a letter or digit,
// then letters, digits, '_', '.' and '-'; at most 1024 characters.
bool IsName(const std::string& s);

// A device name the kernel accepts: 1 to 15 characters, no '/', ':' or
// whitespace, not "." or "..".
bool IsIfName(const std::string& s);

// "0000:00:05.0": domain, bus, device, function, as sysfs names them.
bool IsPciAddress(const std::string& s);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_NAMES_H_
