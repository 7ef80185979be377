// The CNI plugin's input: the CNI_* environment and the network
// configuration on stdin, both untrusted, parsed and checked here and only
// here (CNI spec 1.1.0; configurations of 0.3.0 to 1.1.0 are accepted).
#ifndef HOSTNIC_CNI_REQUEST_H_
#define HOSTNIC_CNI_REQUEST_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/result.h"

namespace hostnic::cni {

// The spec's well-known error codes, and hostnic's own (100 and up).
enum ErrorCode : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodeFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kNotAvailable = 50,      // STATUS: ADD would fail.
  kNicRefused = 100,       // The daemon would not hand out a NIC.
  kDatapathFailure = 101,  // Moving or configuring the NIC failed.
  kCheckFailed = 102,      // CHECK found the attachment not as it should be.
  kIpamFailure = 103,      // The delegated IPAM plugin failed.
};

struct Error {
  int code = 0;
  std::string msg;      // Short, what failed.
  std::string details;  // What to do about it, the IDs involved.
};
inline Error Fail(int code, std::string msg, std::string details = "") {
  return Error{code, std::move(msg), std::move(details)};
}

enum class Command { kAdd, kDel, kCheck, kGc, kStatus, kVersion };

struct Attachment {
  std::string container_id;
  std::string ifname;
};

// The network configuration ("type": "hostnic").
struct NetConf {
  std::string cni_version;
  std::string name;
  std::string type;
  // The daemon's socket ("socket"); empty: the default.
  std::string socket;
  // The network's pool ("nics"), one NIC by "mac" or "device".
  std::vector<std::string> nics;
  std::string mac;
  std::string device;
  // Driver network options as the daemon knows them ("hostnic.mtu", ...),
  // from "mtu", "wait", "address", "dhcpTimeout", "blockMetadata".
  std::map<std::string, std::string> options;
  // The "ipam" object as JSON text, empty when absent; its "type".
  std::string ipam;
  std::string ipam_type;
  // The "dns" object as JSON text, empty when absent.
  std::string dns;
  std::optional<CniResult> prev_result;
  // GC's "cni.dev/valid-attachments"; `valid_attachments_given` is false
  // when the runtime sent no such key (GC then releases nothing).
  std::vector<Attachment> valid_attachments;
  bool valid_attachments_given = false;
  // runtimeConfig.mac (the "mac" capability).
  std::string runtime_mac;
  // The NIC by its PCI address: runtimeConfig.deviceID (what Multus and
  // device plugins hand over), else the configuration's "pciBusID".
  std::string pci_address;
  // Where ADD keeps its copy of each attachment, so that DEL works with the
  // daemon down ("stateDir"; default kDefaultStateDir).
  std::string state_dir;
  // Tells this configuration from a same-named one of another runtime: a
  // hash (16 hex digits) of the configuration without what runtimes add
  // per call (cniVersion, prevResult, runtimeConfig, args, cni.dev/*).
  std::string identity;
};

// Where ADD keeps its copies unless the configuration says "stateDir".
constexpr char kDefaultStateDir[] = "/var/lib/cni/hostnic";

struct Request {
  Command command = Command::kVersion;
  std::string container_id;       // CNI_CONTAINERID.
  std::string netns;              // CNI_NETNS, may be empty for DEL.
  std::string ifname;             // CNI_IFNAME.
  std::vector<std::string> path;  // CNI_PATH, split.
  std::string args;               // CNI_ARGS as given.
  std::string args_mac;           // MAC=... of CNI_ARGS.
  NetConf conf;
  std::string stdin_text;  // As given, for delegated IPAM plugins.
};

// Bound on stdin; a configuration is a few KiB.
constexpr size_t kMaxStdin = 1 << 20;

// The versions this plugin speaks, oldest first.
const std::vector<std::string>& SupportedVersions();

// Parses the environment (`env` maps CNI_* names to values; absent
// variables are absent keys) and stdin. On failure returns the spec error
// to print: 4 for a missing or malformed variable, 6 for stdin that is not
// a JSON object, 1 for an unsupported cniVersion (or a verb the version
// lacks), 2 for an unknown field, 7 for a bad value. VERSION needs no
// configuration (stdin may be empty).
std::optional<Error> ParseRequest(const std::map<std::string, std::string>& env,
                                  std::string_view stdin_text, Request* out);

// Whether version `a` is older than `b` ("0.4.0" < "1.0.0"); both must be
// supported ones.
bool OlderThan(const std::string& a, const std::string& b);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_REQUEST_H_
