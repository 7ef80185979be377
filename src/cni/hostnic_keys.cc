#include "cni/hostnic_keys.h"

#include <cmath>
#include <sstream>

#include "cni/json_util.h"
#include "cni/names.h"
#include "hostnic/mac.h"
#include "hostnic/options.h"

namespace hostnic::cni {

namespace {

using nlohmann::json;

// A number of seconds in [min, max] as the daemon's option text.
std::optional<Error> Seconds(const json& v, const char* key, double min,
                             double max, std::string* out) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) ||
      v.get<double>() < min || v.get<double>() > max) {
    std::ostringstream range;
    range << "\"" << key << "\" must be a number of seconds from " << min
          << " to " << max;
    return Fail(kInvalidConfig, "bad \"" + std::string(key) + "\"",
                range.str());
  }
  *out = v.dump();
  return std::nullopt;
}
}  // namespace

std::optional<Error> StringOf(const json& j, const char* key,
                              std::string* out) {
  Status s = GetString(j, key, key, out);
  if (!s.ok()) {
    return Fail(kInvalidConfig, "bad \"" + std::string(key) + "\"",
                s.message());
  }
  return std::nullopt;
}

std::optional<Error> ParseHostnicKeys(const json& j, NetConf* conf) {
  if (auto e = StringOf(j, "socket", &conf->socket)) return e;
  if (auto e = StringOf(j, "stateDir", &conf->state_dir)) return e;
  if (conf->state_dir.empty()) conf->state_dir = kDefaultStateDir;
  if (conf->state_dir[0] != '/') {
    return Fail(kInvalidConfig, "bad \"stateDir\"",
                "'" + conf->state_dir + "': it must be an absolute path");
  }
  if (auto e = StringOf(j, "pciBusID", &conf->pci_address)) return e;
  if (!conf->socket.empty() && conf->socket[0] != '/') {
    return Fail(kInvalidConfig, "bad \"socket\"",
                "it must be the absolute path of the hostnic daemon's socket");
  }
  if (auto e = StringOf(j, "mac", &conf->mac)) return e;
  if (!conf->mac.empty() && !Mac::Parse(conf->mac)) {
    return Fail(kInvalidConfig, "bad \"mac\"",
                "'" + conf->mac + "' is not a MAC address");
  }
  if (auto e = StringOf(j, "device", &conf->device)) return e;
  if (!conf->device.empty() && !IsIfName(conf->device)) {
    return Fail(kInvalidConfig, "bad \"device\"",
                "'" + conf->device + "' is not a device name");
  }
  if (!conf->mac.empty() && !conf->device.empty()) {
    return Fail(kInvalidConfig, "\"mac\" and \"device\" both name a NIC",
                "give one of them");
  }
  if (auto it = j.find("nics"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->empty()) {
      return Fail(
          kInvalidConfig, "bad \"nics\"",
          "it must be a list of NIC names or MACs, e.g. [\"eth2\", \"eth3\"]");
    }
    std::string joined;
    for (const json& nic : *it) {
      if (!nic.is_string() ||
          nic.get<std::string>().find(',') != std::string::npos) {
        return Fail(kInvalidConfig, "bad \"nics\"",
                    "each entry must be a NIC name or MAC");
      }
      conf->nics.push_back(nic.get<std::string>());
      joined += (joined.empty() ? "" : ",") + nic.get<std::string>();
    }
    conf->options[kOptNics] = joined;
  }
  if (auto it = j.find("mtu"); it != j.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() < 68 ||
        it->get<uint64_t>() > 65535) {
      return Fail(kInvalidConfig, "bad \"mtu\"",
                  "it must be a number from 68 to 65535");
    }
    conf->options[kOptMtu] = it->dump();
  }
  if (auto it = j.find("wait"); it != j.end() && !it->is_null()) {
    if (auto e = Seconds(*it, "wait", 0, 3600, &conf->options[kOptWait]))
      return e;
  }
  if (auto it = j.find("dhcpTimeout"); it != j.end() && !it->is_null()) {
    if (auto e = Seconds(*it, "dhcpTimeout", 1, 300,
                         &conf->options[kOptDhcpTimeout])) {
      return e;
    }
  }
  if (auto it = j.find("blockMetadata"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return Fail(kInvalidConfig, "bad \"blockMetadata\"",
                  "it must be true or false");
    }
    conf->options[kOptBlockMetadata] = it->get<bool>() ? "true" : "false";
  }
  if (auto it = j.find("metadataAddresses"); it != j.end() && !it->is_null()) {
    // The daemon checks each address (hostnic.metadata-addresses).
    std::string list;
    bool strings = it->is_array() && !it->empty();
    for (const json& a : strings ? *it : json::array()) {
      if (!a.is_string() ||
          a.get<std::string>().find(',') != std::string::npos) {
        strings = false;
        break;
      }
      list += (list.empty() ? "" : ",") + a.get<std::string>();
    }
    if (!strings) {
      return Fail(kInvalidConfig, "bad \"metadataAddresses\"",
                  "it must be a non-empty array of IP addresses (strings)");
    }
    conf->options[kOptMetadataAddresses] = list;
  }
  std::string address;
  if (auto e = StringOf(j, "address", &address)) return e;
  if (!address.empty() && address != "dhcp" && address != "hook") {
    return Fail(kInvalidConfig, "bad \"address\"",
                "'" + address +
                    "' is not dhcp (the NIC's own DHCP server) or "
                    "hook (the daemon's --address-hook); or give an \"ipam\" "
                    "section instead");
  }
  if (auto it = j.find("ipam"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      return Fail(kInvalidConfig, "bad \"ipam\"", "it must be an object");
    Status s = GetString(*it, "type", "ipam.type", &conf->ipam_type);
    if (!s.ok() || conf->ipam_type.empty() || !IsName(conf->ipam_type)) {
      return Fail(kInvalidConfig, "bad \"ipam\"",
                  "\"ipam.type\" must name an IPAM plugin, e.g. static");
    }
    if (!address.empty()) {
      return Fail(kInvalidConfig,
                  "\"address\" and \"ipam\" both give addresses",
                  "give one of them");
    }
    conf->ipam = Dump(*it);
    conf->options[kOptAddress] = "docker";
  } else {
    conf->options[kOptAddress] = address.empty() ? "dhcp" : address;
  }
  std::string address6;
  if (auto e = StringOf(j, "address6", &address6)) return e;
  if (!address6.empty()) {
    // The daemon checks the value (hostnic.address6).
    conf->options[kOptAddress6] = address6;
  }
  if (conf->options.count(kOptDhcpTimeout) &&
      conf->options[kOptAddress] != "dhcp" && address6.empty()) {
    return Fail(kInvalidConfig,
                "\"dhcpTimeout\" applies only to \"address\": \"dhcp\" and "
                "\"address6\"");
  }
  return std::nullopt;
}

}  // namespace hostnic::cni
