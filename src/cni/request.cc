#include "cni/request.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cni/hostnic_keys.h"
#include "cni/json_util.h"
#include "cni/names.h"
#include "hostnic/mac.h"
#include "hostnic/options.h"

namespace hostnic::cni {

namespace {

using nlohmann::json;

const char kKnownKeys[] =
    "cniVersion, cniVersions, name, type, args, capabilities, runtimeConfig, "
    "prevResult, ipam, dns, disableCheck, disableGC, "
    "cni.dev/valid-attachments, "
    "and hostnic's socket, stateDir, nics, mac, device, pciBusID, mtu, wait, "
    "address, dhcpTimeout, blockMetadata, metadataAddresses";

// A value as the error quotes it: its JSON, cut to a readable length.
std::string Quote(const json& value) {
  std::string text = Dump(value);
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return text;
}

// FNV-1a, 64 bits, as 16 hex digits: a configuration's identity (not a
// security boundary: who writes CNI configurations is root already).
std::string Fnv1a64Hex(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = kHex[hash & 15];
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool Supported(const std::string& version) {
  const auto& all = SupportedVersions();
  return std::find(all.begin(), all.end(), version) != all.end();
}

std::optional<Error> ParseArgs(const std::string& text, Request* out) {
  bool ignore_unknown = false;
  std::vector<std::string> unknown;
  for (const std::string& pair : Split(text, ';')) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(kInvalidEnvironment, "CNI_ARGS is malformed",
                  "'" + pair +
                      "' is not KEY=VALUE; CNI_ARGS is "
                      "KEY=VALUE pairs separated by ';'");
    }
    const std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (key == "IgnoreUnknown") {
      ignore_unknown = value == "1" || value == "true" || value == "True";
    } else if (key == "MAC") {
      out->args_mac = value;
    } else {
      unknown.push_back(pair);
    }
  }
  if (!unknown.empty() && !ignore_unknown) {
    std::string keys;
    for (const auto& k : unknown) keys += (keys.empty() ? "" : "', '") + k;
    return Fail(kUnsupportedField, "CNI_ARGS has keys hostnic does not know",
                "'" + keys + "'" +
                    "; hostnic knows MAC (add IgnoreUnknown=1 to pass "
                    "others)");
  }
  return std::nullopt;
}

std::optional<Error> ParseEnv(const std::map<std::string, std::string>& env,
                              Request* out) {
  auto get = [&env](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : &it->second;
  };
  const std::string* command = get("CNI_COMMAND");
  static const std::map<std::string, Command> kCommands = {
      {"ADD", Command::kAdd},       {"DEL", Command::kDel},
      {"CHECK", Command::kCheck},   {"GC", Command::kGc},
      {"STATUS", Command::kStatus}, {"VERSION", Command::kVersion}};
  if (command == nullptr || !kCommands.count(*command)) {
    return Fail(kInvalidEnvironment, "CNI_COMMAND is not a CNI verb",
                "CNI_COMMAND='" + (command ? *command : std::string()) +
                    "'; hostnic knows ADD, DEL, CHECK, GC, STATUS and VERSION");
  }
  out->command = kCommands.at(*command);
  if (out->command == Command::kVersion) return std::nullopt;

  const bool attachment = out->command == Command::kAdd ||
                          out->command == Command::kDel ||
                          out->command == Command::kCheck;
  if (attachment) {
    const std::string* id = get("CNI_CONTAINERID");
    if (id == nullptr || !IsName(*id)) {
      return Fail(kInvalidEnvironment,
                  "CNI_CONTAINERID is missing or malformed",
                  "it must start with a letter or digit, followed by letters, "
                  "digits, '_', '.' or '-'");
    }
    out->container_id = *id;
    const std::string* ifname = get("CNI_IFNAME");
    if (ifname == nullptr || !IsIfName(*ifname)) {
      return Fail(kInvalidEnvironment, "CNI_IFNAME is missing or malformed",
                  "it must be a device name of 1 to 15 characters without "
                  "'/', ':' or blanks");
    }
    out->ifname = *ifname;
    const std::string* netns = get("CNI_NETNS");
    if (netns != nullptr) out->netns = *netns;
    if (out->command != Command::kDel && out->netns.empty()) {
      return Fail(kInvalidEnvironment, "CNI_NETNS is missing",
                  "ADD and CHECK need the path of the container's network "
                  "namespace");
    }
    if (!out->netns.empty() && out->netns[0] != '/') {
      return Fail(kInvalidEnvironment, "CNI_NETNS is not an absolute path",
                  "CNI_NETNS='" + out->netns + "'");
    }
    if (const std::string* args = get("CNI_ARGS")) {
      out->args = *args;
      if (auto error = ParseArgs(*args, out)) return error;
    }
  }
  if (const std::string* path = get("CNI_PATH")) out->path = Split(*path, ':');
  return std::nullopt;
}

std::optional<Error> ParseConf(const json& j, Command command, NetConf* conf) {
  static const std::set<std::string> kKnown = {"cniVersion",
                                               "cniVersions",
                                               "name",
                                               "type",
                                               "args",
                                               "capabilities",
                                               "runtimeConfig",
                                               "prevResult",
                                               "ipam",
                                               "dns",
                                               "disableCheck",
                                               "disableGC",
                                               "cni.dev/valid-attachments",
                                               "cni.dev/attachments",
                                               "socket",
                                               "stateDir",
                                               "pciBusID",
                                               "nics",
                                               "mac",
                                               "device",
                                               "mtu",
                                               "wait",
                                               "address",
                                               "address6",
                                               "dhcpTimeout",
                                               "blockMetadata",
                                               "metadataAddresses"};
  // Per call, runtimes add these; the rest is the network as configured.
  static const std::set<std::string> kPerCall = {
      "cniVersion",         "cniVersions", "prevResult",
      "runtimeConfig",      "args",        "cni.dev/valid-attachments",
      "cni.dev/attachments"};
  json configured = json::object();
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.count(key)) {
      return Fail(
          kUnsupportedField,
          "unknown field \"" + key + "\" in the network configuration",
          "\"" + key + "\": " + Quote(value) + "; hostnic knows " + kKnownKeys);
    }
    if (!kPerCall.count(key)) configured[key] = value;
  }
  conf->identity = Fnv1a64Hex(Dump(configured));
  if (auto e = StringOf(j, "name", &conf->name)) return e;
  if (!IsName(conf->name)) {
    return Fail(kInvalidConfig, "bad network \"name\"",
                "'" + conf->name +
                    "': it must start with a letter or digit, "
                    "followed by letters, digits, '_', '.' or '-'");
  }
  if (auto e = StringOf(j, "type", &conf->type)) return e;
  if (auto e = ParseHostnicKeys(j, conf)) return e;
  if (auto it = j.find("dns"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      return Fail(kInvalidConfig, "bad \"dns\"", "it must be an object");
    conf->dns = Dump(*it);
  }
  if (auto it = j.find("runtimeConfig"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Fail(kInvalidConfig, "bad \"runtimeConfig\"",
                  "it must be an object");
    }
    Status s = GetString(*it, "mac", "runtimeConfig.mac", &conf->runtime_mac);
    if (!s.ok())
      return Fail(kInvalidConfig, "bad \"runtimeConfig\"", s.message());
    std::string device_id;
    s = GetString(*it, "deviceID", "runtimeConfig.deviceID", &device_id);
    if (!s.ok())
      return Fail(kInvalidConfig, "bad \"runtimeConfig\"", s.message());
    if (!device_id.empty()) conf->pci_address = device_id;
  }
  if (!conf->pci_address.empty() && !IsPciAddress(conf->pci_address)) {
    return Fail(kInvalidConfig, "bad PCI address of the NIC",
                "'" + conf->pci_address +
                    "' (runtimeConfig.deviceID or \"pciBusID\") is not a PCI "
                    "address such as 0000:00:05.0");
  }
  if (auto it = j.find("prevResult"); it != j.end() && !it->is_null()) {
    Result<CniResult> prev = DecodeResult(Dump(*it));
    if (!prev.ok()) {
      return Fail(kDecodeFailure, "bad \"prevResult\"",
                  prev.status().message());
    }
    conf->prev_result = *prev;
  }
  if (command == Command::kGc) {
    auto it = j.find("cni.dev/valid-attachments");
    if (it == j.end() || it->is_null()) it = j.find("cni.dev/attachments");
    if (it != j.end() && !it->is_null()) {
      if (!it->is_array()) {
        return Fail(kInvalidConfig, "bad \"cni.dev/valid-attachments\"",
                    "it must be a list, not " + Quote(*it));
      }
      conf->valid_attachments_given = true;
      for (const json& item : *it) {
        Attachment a;
        if (!item.is_object() ||
            !GetString(item, "containerID", "", &a.container_id).ok() ||
            !GetString(item, "ifname", "", &a.ifname).ok() ||
            a.container_id.empty()) {
          return Fail(
              kInvalidConfig, "bad \"cni.dev/valid-attachments\"",
              "each entry must be {\"containerID\": ..., \"ifname\": ...}");
        }
        conf->valid_attachments.push_back(a);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& SupportedVersions() {
  static const std::vector<std::string> kVersions = {"0.3.0", "0.3.1", "0.4.0",
                                                     "1.0.0", "1.1.0"};
  return kVersions;
}

bool OlderThan(const std::string& a, const std::string& b) {
  const auto& all = SupportedVersions();
  return std::find(all.begin(), all.end(), a) <
         std::find(all.begin(), all.end(), b);
}

std::optional<Error> ParseRequest(const std::map<std::string, std::string>& env,
                                  std::string_view stdin_text, Request* out) {
  if (auto error = ParseEnv(env, out)) return error;
  if (stdin_text.size() > kMaxStdin) {
    return Fail(kDecodeFailure, "the network configuration is too large",
                std::to_string(stdin_text.size()) +
                    " bytes on stdin; at most " + std::to_string(kMaxStdin));
  }
  out->stdin_text = std::string(stdin_text);
  const bool blank =
      stdin_text.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (out->command == Command::kVersion && blank) return std::nullopt;
  json j = json::parse(stdin_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(kDecodeFailure,
                "the network configuration on stdin is not a JSON object");
  }
  NetConf& conf = out->conf;
  if (Status s = GetString(j, "cniVersion", "cniVersion", &conf.cni_version);
      !s.ok()) {
    return Fail(kDecodeFailure, "bad \"cniVersion\"", s.message());
  }
  if (conf.cni_version.empty()) conf.cni_version = "0.1.0";
  if (out->command == Command::kVersion) return std::nullopt;
  if (!Supported(conf.cni_version)) {
    std::string all;
    for (const auto& v : SupportedVersions())
      all += (all.empty() ? "" : ", ") + v;
    return Fail(kIncompatibleVersion,
                "hostnic does not speak CNI " + conf.cni_version,
                "supported versions: " + all);
  }
  const char* needs = nullptr;
  if (out->command == Command::kCheck && OlderThan(conf.cni_version, "0.4.0")) {
    needs = "CHECK needs cniVersion 0.4.0 or later";
  } else if ((out->command == Command::kGc ||
              out->command == Command::kStatus) &&
             OlderThan(conf.cni_version, "1.1.0")) {
    needs = "GC and STATUS need cniVersion 1.1.0";
  }
  if (needs != nullptr) {
    return Fail(kIncompatibleVersion, needs,
                "the configuration says " + conf.cni_version);
  }
  return ParseConf(j, out->command, &conf);
}

}  // namespace hostnic::cni
