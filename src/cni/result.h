// The CNI result (what ADD prints, what prevResult and IPAM plugins carry)
// in every version hostnic speaks, and the error and VERSION documents.
#ifndef HOSTNIC_CNI_RESULT_H_
#define HOSTNIC_CNI_RESULT_H_

#include <string>
#include <vector>

#include "hostnic/status.h"

namespace hostnic::cni {

// Each entry keeps the fields hostnic does not use (a route's mtu, advmss,
// priority, table, scope; an interface's socketPath, pciID; any newer
// ones) as `extra`, a JSON object's text or empty, and writes them back: a
// prevResult passes through whole.
struct Interface {
  std::string name;
  std::string mac;
  unsigned mtu = 0;     // 0: not reported (1.1.0 only).
  std::string sandbox;  // Netns path; empty for host-side interfaces.
  std::string extra;
};

struct IpConfig {
  std::string address;  // CIDR.
  std::string gateway;  // Plain IP or empty.
  int interface = -1;   // Index into interfaces, -1 when absent.
  std::string extra;
};

struct RouteEntry {
  std::string dst;  // CIDR.
  std::string gw;   // Plain IP or empty.
  std::string extra;
};

struct CniResult {
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<RouteEntry> routes;
  std::string dns;  // The "dns" object as JSON text, or empty.
};

// Reads a result of any version 0.3.0 to 1.1.0 from JSON text (prevResult,
// an IPAM plugin's output). kInvalidArgument naming the field otherwise.
Result<CniResult> DecodeResult(const std::string& json_text);

// The result as `version` writes it: 0.3.x/0.4.0 give each IP a "version";
// only 1.1.0 reports interface MTUs.
std::string EncodeResult(const CniResult& result, const std::string& version);

// {"cniVersion", "code", "msg", "details"}.
std::string EncodeError(int code, const std::string& msg,
                        const std::string& details, const std::string& version);

// {"cniVersion", "supportedVersions"}.
std::string EncodeVersion(const std::string& version,
                          const std::vector<std::string>& supported);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_RESULT_H_
