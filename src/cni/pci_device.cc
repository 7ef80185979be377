#include "cni/pci_device.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "hostnic/mac.h"

namespace hostnic::cni {

namespace fs = std::filesystem;

Result<std::string> MacOfPciDevice(const std::string& sysfs_root,
                                   const std::string& address) {
  const std::string doing = "finding the NIC of PCI device " + address;
  const fs::path device = fs::path(sysfs_root) / "bus/pci/devices" / address;
  std::error_code error;
  if (!fs::exists(device, error)) {
    return Status::NotFound(doing + ": there is no such PCI device (" +
                            device.string() + ")");
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(device / "net", error), end;
       !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  if (names.empty()) {
    return Status::NotFound(doing +
                            ": it has no network device on the host (held by "
                            "a container already, or bound to a driver that "
                            "makes none)");
  }
  if (names.size() > 1) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    return Status::FailedPrecondition(
        doing + ": it has several network devices (" + list +
        "); name one by \"mac\" or \"device\" instead");
  }
  std::ifstream in(device / "net" / names[0] / "address");
  std::string text;
  std::getline(in, text);
  std::optional<Mac> mac = Mac::Parse(text);
  if (!mac) {
    return Status::IoError(doing + ": " + names[0] +
                           " has no readable MAC address ('" + text + "')");
  }
  return mac->ToString();
}

}  // namespace hostnic::cni
