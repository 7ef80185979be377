// The NIC of a PCI function, found through sysfs: how runtimeConfig.deviceID
// (Multus, SR-IOV and other device plugins) and "pciBusID" name a NIC.
#ifndef HOSTNIC_CNI_PCI_DEVICE_H_
#define HOSTNIC_CNI_PCI_DEVICE_H_

#include <string>

#include "hostnic/status.h"

namespace hostnic::cni {

// The MAC of the one network device of PCI function `address`
// ("0000:00:05.0"), read from SYSFS/bus/pci/devices/ADDRESS/net/*/address
// with `sysfs_root` as SYSFS ("/sys"; tests pass a fake tree). kNotFound when
// there is no such function or it has no network device on the host (say,
// it is in a container already); kFailedPrecondition when it has several.
Result<std::string> MacOfPciDevice(const std::string& sysfs_root,
                                   const std::string& address);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_PCI_DEVICE_H_
