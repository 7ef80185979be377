// libFuzzer target: the CNI plugin's input parser (cni/request.h), fed what a
// runtime (or anyone who can run the plugin) writes to its stdin. The first
// byte picks the verb (A ADD, D DEL, C CHECK, G GC, S STATUS, else VERSION)
// with a fixed, valid environment; the rest is stdin (seeds in
// tests/fuzz/cni_corpus/).
//
// ParseRequest must never crash or hang. An error must carry a spec code
// hostnic uses and a message. An accepted request must hold only what the
// plugin may act on unchecked: a supported cniVersion, a network name of
// the spec's characters, hostnic.* options the daemon knows, an IPAM type
// that names a file in a directory (no '/'), a prevResult whose IP
// interface indexes point into its interfaces and which survives encoding
// in its version and decoding again unchanged in size, an absolute
// stateDir, a PCI address of the sysfs form or none, a 16-hex-digit
// identity. The in-process static IPAM (cni/static_ipam.h) reads the
// accepted ipam section too and must not crash either. Any violation prints
// what was wrong and aborts.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "cni/request.h"
#include "cni/result.h"
#include "cni/static_ipam.h"
#include "fuzz/invariant.h"

namespace hostnic::cni {
namespace {

using fuzz::Require;

const char* Verb(uint8_t b) {
  switch (b) {
    case 'A':
      return "ADD";
    case 'D':
      return "DEL";
    case 'C':
      return "CHECK";
    case 'G':
      return "GC";
    case 'S':
      return "STATUS";
    default:
      return "VERSION";
  }
}

void CheckResult(const CniResult& r, const std::string& version) {
  for (const IpConfig& ip : r.ips) {
    Require(ip.interface < static_cast<int>(r.interfaces.size()),
            "an IP's interface index is out of range");
  }
  Result<CniResult> again = DecodeResult(EncodeResult(r, version));
  Require(again.ok(), "an encoded result does not decode");
  Require(again->ips.size() == r.ips.size() &&
              again->routes.size() == r.routes.size() &&
              again->interfaces.size() == r.interfaces.size(),
          "a result changed in encoding");
}

void Check(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const std::map<std::string, std::string> env = {
      {"CNI_COMMAND", Verb(data[0])},
      {"CNI_CONTAINERID", "c"},
      {"CNI_NETNS", "/run/netns/x"},
      {"CNI_IFNAME", "eth0"},
      {"CNI_PATH", "/usr/lib/cni"}};
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Request request;
  std::optional<Error> error = ParseRequest(env, text, &request);
  if (error) {
    static const std::set<int> kCodes = {1, 2, 4, 6, 7};
    Require(kCodes.count(error->code) > 0,
            "error code " + std::to_string(error->code));
    Require(!error->msg.empty(), "an error without a message");
    // Printing it must not throw, whatever bytes it quotes.
    EncodeError(error->code, error->msg, error->details, "1.1.0");
    return;
  }
  if (request.command == Command::kVersion) return;
  const NetConf& conf = request.conf;
  const auto& versions = SupportedVersions();
  Require(std::find(versions.begin(), versions.end(), conf.cni_version) !=
              versions.end(),
          "unsupported version accepted: " + conf.cni_version);
  Require(!conf.name.empty(), "empty network name");
  for (char c : conf.name) {
    Require(std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                c == '.' || c == '-',
            "network name with a bad character");
  }
  static const std::set<std::string> kOptions = {"hostnic.nics",
                                                 "hostnic.mtu",
                                                 "hostnic.wait",
                                                 "hostnic.dhcp-timeout",
                                                 "hostnic.block-metadata",
                                                 "hostnic.address",
                                                 "hostnic.metadata-addresses"};
  for (const auto& [key, value] : conf.options) {
    Require(kOptions.count(key) > 0, "unknown option " + key);
  }
  Require(conf.ipam_type.find('/') == std::string::npos,
          "IPAM type with a '/'");
  Require(conf.ipam.empty() == conf.ipam_type.empty(),
          "IPAM without a type or a type without IPAM");
  if (conf.prev_result) CheckResult(*conf.prev_result, conf.cni_version);
  Require(!conf.state_dir.empty() && conf.state_dir[0] == '/',
          "a relative stateDir: " + conf.state_dir);
  Require(conf.pci_address.empty() ||
              (conf.pci_address.size() == 12 && conf.pci_address[4] == ':' &&
               conf.pci_address[7] == ':' && conf.pci_address[10] == '.'),
          "a PCI address not of the sysfs form: " + conf.pci_address);
  Require(conf.identity.size() == 16 &&
              std::all_of(conf.identity.begin(), conf.identity.end(),
                          [](char c) { return std::isxdigit(c) != 0; }),
          "an identity that is not 16 hex digits: " + conf.identity);
  if (auto applied = RunStaticIpam(request, Command::kAdd)) {
    if (applied->ok()) CheckResult(**applied, conf.cni_version);
  }
}

}  // namespace
}  // namespace hostnic::cni

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hostnic::cni::Check(data, size);
  return 0;
}
