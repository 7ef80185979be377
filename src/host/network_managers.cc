#include "host/network_managers.h"

#include <fstream>

namespace hostnic {

namespace {

// Finds `key=` in an INI-like state file; false when the file or key is
// missing.
bool ReadKey(const std::string& path, const std::string& key,
             std::string* value) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + "=") == 0) {
      *value = line.substr(key.size() + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

NetworkManagers::NetworkManagers(std::string root) : root_(std::move(root)) {}

std::string NetworkManagers::ManagerOf(const Link& link) const {
  const std::string index = std::to_string(link.ifindex);
  std::string value;
  // NetworkManager records each device it has seen, with managed=true|false.
  if (ReadKey(root_ + "/run/NetworkManager/devices/" + index, "managed",
              &value) &&
      value == "true") {
    return "NetworkManager";
  }
  // systemd-networkd records each link; ADMIN_STATE=unmanaged when no
  // .network file matches it.
  if (ReadKey(root_ + "/run/systemd/netif/links/" + index, "ADMIN_STATE",
              &value) &&
      value != "unmanaged") {
    return "systemd-networkd";
  }
  return "";
}

}  // namespace hostnic
