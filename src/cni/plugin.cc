#include "cni/plugin.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "cni/attachment_cache.h"
#include "cni/daemon_client.h"
#include "cni/ipam.h"
#include "cni/own_address.h"
#include "cni/pci_device.h"
#include "cni/plugin_io.h"
#include "cni/request.h"
#include "cni/result.h"
#include "cni/static_ipam.h"
#include "common/cidr.h"
#include "hostnic/mac.h"
#include "netlink/netns_datapath.h"

extern char** environ;

namespace hostnic::cni {

namespace {

Error Fail(int code, std::string msg, std::string details = "") {
  return Error{code, std::move(msg), std::move(details)};
}

// A daemon or datapath failure as the spec's error. A NIC held by another
// container (or a pool with none free) is no transient condition the
// plugin could promise to clear: it is `otherwise`, not "try again later".
Error FromStatus(const Status& s, int otherwise, const std::string& msg) {
  int code = otherwise;
  switch (s.code()) {
    case Code::kInvalidArgument:
      code = kInvalidConfig;
      break;
    case Code::kTimeout:
      code = kTryAgainLater;
      break;
    default:
      break;
  }
  return Fail(code, msg, s.message());
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsV6(const std::string& text) {
  return text.find(':') != std::string::npos;
}

// "10.0.1.0/24" for "10.0.1.7/24" ... as the kernel lists routes: a
// destination is compared by its parsed value, not its spelling.
bool SameCidr(const std::string& a, const std::string& b) {
  auto x = ParseCidr(a), y = ParseCidr(b);
  return x && y && x->family == y->family && x->prefix_len == y->prefix_len &&
         x->bytes == y->bytes;
}

bool SameIp(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return a == b;
  const char* len = IsV6(a) ? "/128" : "/32";
  return SameCidr(a + len, b + len);
}

// An IPAM result's addresses and routes, for the NIC in the namespace.
void AddIpamResult(const CniResult& ipam, SandboxConfig* config) {
  std::string gateway4, gateway6;
  for (const IpConfig& ip : ipam.ips) {
    config->addresses.push_back(ip.address);
    std::string& gw = IsV6(ip.address) ? gateway6 : gateway4;
    if (gw.empty()) gw = ip.gateway;
  }
  for (const RouteEntry& r : ipam.routes) {
    // A route without a gateway goes through its family's gateway.
    const std::string& gw = IsV6(r.dst) ? gateway6 : gateway4;
    config->routes.push_back({r.dst, r.gw.empty() ? gw : r.gw});
  }
}

class Plugin {
 public:
  explicit Plugin(Request request)
      : request_(std::move(request)),
        client_(request_.conf.socket.empty() ? kDefaultSocket
                                             : request_.conf.socket),
        cache_(request_.conf.state_dir) {}

  std::optional<Error> Add(std::string* out);
  std::optional<Error> Del();
  std::optional<Error> Check();
  std::optional<Error> Gc();
  std::optional<Error> Ready();

 private:
  // Brings an attachment's NIC home (when its namespace still holds it) and
  // releases it.
  std::optional<Error> Remove(const AttachInfo& attachment,
                              const std::string& netns);
  // DEL while the daemon is down: from the cached copy of the attachment
  // (or prevResult's MAC), the NIC comes home and IPAM is released; the
  // release is owed to the daemon.
  std::optional<Error> DelWithoutDaemon(const Status& why);
  // Runs the IPAM plugin's DEL; the error to report, if any.
  std::optional<Error> IpamDel();
  // Sends the daemon the releases owed by DELs done while it was down.
  void PayDebts();
  // The NIC ADD should ask for: runtimeConfig.mac, CNI_ARGS MAC, the PCI
  // device's, the configuration's "mac" or "device"; empty: any of the pool.
  Result<std::string> WantedNic() const;
  wire::AttachmentKey Key() const {
    return {request_.conf.name, request_.conf.identity, request_.container_id,
            request_.ifname, ""};
  }
  std::string Ids() const {
    return "container " + request_.container_id + " " + request_.ifname +
           " on network " + request_.conf.name;
  }

  const Request request_;
  const DaemonClient client_;
  const AttachmentCache cache_;
  NetnsDatapath datapath_;
};

Result<std::string> Plugin::WantedNic() const {
  const NetConf& conf = request_.conf;
  if (!conf.runtime_mac.empty() || !request_.args_mac.empty()) {
    const std::string& mac =
        conf.runtime_mac.empty() ? request_.args_mac : conf.runtime_mac;
    if (!Mac::Parse(mac)) {
      return Status::InvalidArgument(
          "the MAC the runtime asked for, '" + mac +
          "' (runtimeConfig.mac or CNI_ARGS MAC), is not a MAC address");
    }
    return mac;
  }
  if (!conf.pci_address.empty()) {
    return MacOfPciDevice("/sys", conf.pci_address);
  }
  return conf.mac.empty() ? conf.device : conf.mac;
}

std::optional<Error> Plugin::Add(std::string* out) {
  const NetConf& conf = request_.conf;
  if (!Exists(request_.netns)) {
    return Fail(kUnknownContainer,
                "the container's network namespace does not exist",
                "CNI_NETNS=" + request_.netns);
  }
  Result<std::string> wanted = WantedNic();
  if (!wanted.ok()) {
    return FromStatus(wanted.status(), kNicRefused,
                      "hostnic could not tell which NIC " + Ids() + " wants");
  }
  // A plain static section is known before anything is held
  // (cni/static_ipam.h), and goes on with the move.
  std::optional<Result<CniResult>> known =
      conf.ipam.empty() ? std::nullopt : RunStaticIpam(request_, Command::kAdd);
  if (known && !known->ok()) {
    return Fail(kIpamFailure, "the IPAM plugin static failed",
                known->status().message());
  }
  PayDebts();
  wire::AttachRequest attach;
  attach.key = Key();
  attach.netns = request_.netns;
  attach.nic = *wanted;
  attach.options = conf.options;
  Result<AttachInfo> held = client_.Attach(attach);
  if (!held.ok() && held.status().code() == Code::kBusy) {
    return FromStatus(
        held.status(), kNicRefused,
        attach.nic.empty()
            ? "no NIC of network " + conf.name + " is free for " + Ids()
            : "NIC " + attach.nic + ", which " + Ids() +
                  " asks for, is held by another container");
  }
  if (!held.ok()) {
    return FromStatus(held.status(), kNicRefused,
                      "hostnic could not hold a NIC for " + Ids());
  }
  const Mac mac = *Mac::Parse(held->mac);
  auto release = [&] {
    Status s = client_.Release(held->network_id, held->endpoint_id);
    if (!s.ok())
      spdlog::error("releasing NIC {} again: {}", held->mac, s.message());
  };
  const bool delegated = !conf.ipam.empty() && !known;

  // The daemon's address (DHCP, hook) and a static section go on with the
  // move; an IPAM plugin's after it, as host-device does, because one like
  // dhcp finds the interface inside the namespace.
  CniResult ipam;
  SandboxConfig config;
  config.ifname = request_.ifname;
  if (known) {
    ipam = **known;
    AddIpamResult(ipam, &config);
  } else if (!delegated && !held->address.empty()) {
    AddOwnAddress(*held, &config);
    ipam.ips.push_back({held->address, held->gateway, -1, ""});
    for (const Route& r : config.routes)
      ipam.routes.push_back({r.destination, r.next_hop, ""});
  }
  Result<Link> moved =
      datapath_.MoveIn(mac, request_.netns, config, held->name);
  if (!moved.ok()) {
    release();
    return FromStatus(moved.status(), kDatapathFailure,
                      "hostnic could not set up NIC " + held->name + " (" +
                          held->mac + ") for " + Ids());
  }
  // After the move: undoes everything, IPAM included.
  auto undo = [&] {
    if (auto error = IpamDel()) spdlog::error("{}", error->details);
    Result<bool> back = datapath_.MoveOut(mac, request_.netns, held->original);
    if (!back.ok()) spdlog::error("{}", back.status().message());
    release();
  };
  if (delegated) {
    Result<CniResult> got = RunIpam(request_, Command::kAdd);
    if (!got.ok()) {
      undo();
      return Fail(kIpamFailure, "the IPAM plugin " + conf.ipam_type + " failed",
                  got.status().message());
    }
    ipam = *got;
    AddIpamResult(ipam, &config);
    moved = datapath_.Configure(mac, request_.netns, config);
    if (!moved.ok()) {
      undo();
      return FromStatus(moved.status(), kDatapathFailure,
                        "hostnic could not configure NIC " + held->name + " (" +
                            held->mac + ") for " + Ids());
    }
  }
  if (Status kept = cache_.Put(Key(), *held); !kept.ok()) {
    spdlog::warn("{}; DEL will need the daemon or prevResult", kept.message());
  }

  CniResult result = conf.prev_result.value_or(CniResult());
  const int index = static_cast<int>(result.interfaces.size());
  Interface iface;
  iface.name = moved->name;
  iface.mac = moved->mac.ToString();
  iface.mtu = moved->mtu;
  iface.sandbox = request_.netns;
  if (!conf.pci_address.empty()) {
    iface.extra = "{\"pciID\":\"" + conf.pci_address + "\"}";
  }
  result.interfaces.push_back(iface);
  for (IpConfig ip : ipam.ips) {
    ip.interface = index;
    result.ips.push_back(ip);
  }
  for (const RouteEntry& r : ipam.routes) result.routes.push_back(r);
  if (!ipam.dns.empty()) {
    result.dns = ipam.dns;
  } else if (result.dns.empty()) {
    result.dns = conf.dns;
  }
  *out = EncodeResult(result, conf.cni_version);
  return std::nullopt;
}

std::optional<Error> Plugin::Remove(const AttachInfo& attachment,
                                    const std::string& netns) {
  const Mac mac = *Mac::Parse(attachment.mac);
  if (!netns.empty()) {
    Result<bool> back = datapath_.MoveOut(mac, netns, attachment.original);
    if (!back.ok()) {
      return FromStatus(back.status(), kDatapathFailure,
                        "hostnic could not bring NIC " + attachment.original +
                            " (" + attachment.mac + ") back from " + netns);
    }
  }
  Status released =
      client_.Release(attachment.network_id, attachment.endpoint_id);
  if (!released.ok()) {
    return FromStatus(released, kNicRefused,
                      "hostnic could not release NIC " + attachment.original +
                          " (" + attachment.mac + ")");
  }
  return std::nullopt;
}

std::optional<Error> Plugin::IpamDel() {
  if (request_.conf.ipam.empty()) return std::nullopt;
  Result<CniResult> ipam = RunIpam(request_, Command::kDel);
  if (ipam.ok()) return std::nullopt;
  return Fail(kIpamFailure,
              "the IPAM plugin " + request_.conf.ipam_type + " failed",
              ipam.status().message());
}

void Plugin::PayDebts() {
  const size_t left = cache_.PayDebts([this](const AttachInfo& a) {
    Status s = client_.Release(a.network_id, a.endpoint_id);
    if (s.ok()) {
      spdlog::info(
          "released NIC {} ({}) of endpoint {}, brought home while "
          "the daemon was down",
          a.original, a.mac, a.endpoint_id);
    }
    return s;
  });
  if (left > 0) {
    spdlog::warn("{} NIC releases still owed to the daemon on {}", left,
                 client_.socket_path());
  }
}

std::optional<Error> Plugin::Del() {
  Result<std::optional<AttachInfo>> found = client_.Get(Key());
  if (!found.ok()) {
    if (found.status().code() == Code::kTimeout && !client_.Listening()) {
      return DelWithoutDaemon(found.status());
    }
    return FromStatus(found.status(), kNicRefused,
                      "hostnic could not look up " + Ids());
  }
  if (!*found) {
    // Added by a hostnic that named CNI networks by their name alone.
    wire::AttachmentKey legacy = Key();
    legacy.identity.clear();
    found = client_.Get(legacy);
    if (!found.ok()) {
      return FromStatus(found.status(), kNicRefused,
                        "hostnic could not look up " + Ids());
    }
  }
  std::optional<AttachInfo> attachment = *found;
  // The configuration changed since ADD (a new identity): its copy still
  // names the daemon's endpoint.
  if (!attachment) attachment = cache_.Get(Key());
  // IPAM first, while the NIC is still in the namespace: dhcp releases its
  // lease through it. Its failure is reported, but the NIC comes home.
  std::optional<Error> ipam_error = IpamDel();
  if (attachment) {
    // The runtime's CNI_NETNS, else where the daemon joined it.
    const std::string netns =
        !request_.netns.empty() ? request_.netns : attachment->netns;
    if (auto error = Remove(*attachment, netns)) return error;
  }
  cache_.Remove(Key());
  PayDebts();
  return ipam_error;
}

std::optional<Error> Plugin::DelWithoutDaemon(const Status& why) {
  std::optional<AttachInfo> attachment = cache_.Get(Key());
  std::optional<Mac> mac;
  std::string host_name;
  std::string netns = request_.netns;
  if (attachment) {
    mac = Mac::Parse(attachment->mac);
    host_name = attachment->original;
    if (netns.empty()) netns = attachment->netns;
  } else if (request_.conf.prev_result) {
    for (const Interface& iface : request_.conf.prev_result->interfaces) {
      if (iface.name == request_.ifname &&
          (iface.sandbox.empty() || iface.sandbox == netns)) {
        mac = Mac::Parse(iface.mac);
      }
    }
  }
  if (!mac && cache_.Owes(Key())) {
    // A DEL before this one brought the NIC home (a runtime repeats DEL,
    // containerd at RemovePodSandbox): DEL of what is gone succeeds.
    spdlog::info("{}; {} was released already, by a DEL without it",
                 why.message(), Ids());
    return IpamDel();
  }
  if (!mac) {
    return Fail(
        kTryAgainLater,
        "the hostnic daemon is down and this host has no copy of " + Ids(),
        why.message() + "; neither the state directory " +
            request_.conf.state_dir +
            " nor prevResult names its NIC: retry when the daemon "
            "is back");
  }
  if (host_name.empty()) host_name = FallbackName(*mac);
  spdlog::warn("{}; bringing NIC {} home as {} without it", why.message(),
               mac->ToString(), host_name);
  std::optional<Error> ipam_error = IpamDel();
  if (!netns.empty()) {
    Result<bool> back = datapath_.MoveOut(*mac, netns, host_name);
    if (!back.ok()) {
      return FromStatus(back.status(), kDatapathFailure,
                        "hostnic could not bring NIC " + host_name + " (" +
                            mac->ToString() + ") back from " + netns +
                            " with the daemon down");
    }
  }
  if (attachment) {
    if (Status owed = cache_.Owe(Key(), *attachment); !owed.ok()) {
      spdlog::error("{}; the daemon frees the NIC when it finds it home",
                    owed.message());
    }
  }
  return ipam_error;
}

std::optional<Error> Plugin::Check() {
  const NetConf& conf = request_.conf;
  if (!conf.prev_result) {
    return Fail(kInvalidConfig, "CHECK needs prevResult",
                "the runtime sent none");
  }
  Result<std::optional<AttachInfo>> found = client_.Get(Key());
  if (!found.ok()) {
    return FromStatus(found.status(), kNicRefused,
                      "hostnic could not look up " + Ids());
  }
  if (!*found) return Fail(kCheckFailed, "hostnic holds no NIC for " + Ids());
  const AttachInfo& held = **found;
  if (!held.joined || held.netns != request_.netns) {
    return Fail(kCheckFailed,
                "NIC " + held.mac + " of " + Ids() + " is not joined to " +
                    request_.netns,
                "the daemon has it joined to '" + held.netns + "'");
  }
  Result<SandboxView> view = datapath_.Inspect(request_.netns, request_.ifname);
  if (!view.ok()) {
    return Fail(kCheckFailed, request_.ifname + " is not in " + request_.netns,
                view.status().message());
  }
  if (view->link.mac.ToString() != held.mac) {
    return Fail(
        kCheckFailed,
        request_.ifname + " in " + request_.netns + " is not the NIC",
        "its MAC is " + view->link.mac.ToString() + ", the NIC's " + held.mac);
  }
  if (!view->link.up) return Fail(kCheckFailed, request_.ifname + " is down");
  const CniResult& prev = *conf.prev_result;
  int index = -1;
  for (size_t i = 0; i < prev.interfaces.size(); ++i) {
    const Interface& iface = prev.interfaces[i];
    if (iface.name == request_.ifname &&
        (iface.sandbox.empty() || iface.sandbox == request_.netns)) {
      index = static_cast<int>(i);
      if (!iface.mac.empty() && Mac::Parse(iface.mac) != view->link.mac) {
        return Fail(kCheckFailed, "prevResult's MAC of " + request_.ifname +
                                      " is " + iface.mac + ", the NIC's " +
                                      held.mac);
      }
    }
  }
  if (index < 0) {
    return Fail(kCheckFailed, "prevResult lists no interface " +
                                  request_.ifname + " in " + request_.netns);
  }
  for (const IpConfig& ip : prev.ips) {
    if (ip.interface != index) continue;
    const bool present = std::any_of(
        view->addresses.begin(), view->addresses.end(),
        [&](const std::string& a) { return SameCidr(a, ip.address); });
    if (!present) {
      return Fail(kCheckFailed,
                  request_.ifname + " lacks its address " + ip.address);
    }
  }
  // Routes carry no interface: check them only when every address of
  // prevResult is this NIC's (no other plugin's routes among them).
  const bool only_ours =
      std::all_of(prev.ips.begin(), prev.ips.end(),
                  [&](const IpConfig& ip) { return ip.interface == index; });
  for (const RouteEntry& r : prev.routes) {
    if (!only_ours) break;
    const bool present = std::any_of(
        view->routes.begin(), view->routes.end(), [&](const Route& have) {
          return SameCidr(have.destination, r.dst) &&
                 (r.gw.empty() || SameIp(have.next_hop, r.gw));
        });
    if (!present) {
      return Fail(kCheckFailed, request_.ifname + " lacks the route to " +
                                    r.dst +
                                    (r.gw.empty() ? "" : " via " + r.gw));
    }
  }
  if (!conf.ipam.empty()) {
    Result<CniResult> ipam = RunIpam(request_, Command::kCheck);
    if (!ipam.ok()) {
      return Fail(kIpamFailure, "the IPAM plugin " + conf.ipam_type + " failed",
                  ipam.status().message());
    }
  }
  return std::nullopt;
}

std::optional<Error> Plugin::Gc() {
  const NetConf& conf = request_.conf;
  if (!conf.valid_attachments_given) {
    // Without the list, every attachment would look stale: others' too.
    spdlog::warn(
        "GC of network {} without cni.dev/valid-attachments: "
        "nothing released",
        conf.name);
    return std::nullopt;
  }
  PayDebts();
  wire::StaleRequest ask;
  ask.network = conf.name;
  ask.identity = conf.identity;
  for (const Attachment& a : conf.valid_attachments) {
    ask.valid.push_back(
        {conf.name, conf.identity, a.container_id, a.ifname, ""});
  }
  Result<std::vector<AttachInfo>> stale = client_.Stale(ask);
  if (!stale.ok()) {
    return FromStatus(
        stale.status(), kNicRefused,
        "hostnic could not list the attachments of network " + conf.name);
  }
  // Release as many as possible; report the rest.
  std::string failures;
  for (const AttachInfo& attachment : *stale) {
    spdlog::info("GC: releasing NIC {} ({}) of endpoint {}",
                 attachment.original, attachment.mac, attachment.endpoint_id);
    if (auto error = Remove(attachment, attachment.netns)) {
      failures +=
          (failures.empty() ? "" : "; ") + error->msg + ": " + error->details;
    }
  }
  if (!conf.ipam.empty()) {
    Result<CniResult> ipam = RunIpam(request_, Command::kGc);
    if (!ipam.ok()) {
      failures += (failures.empty() ? "" : "; ") + ipam.status().message();
    }
  }
  if (!failures.empty()) {
    return Fail(kDatapathFailure,
                "hostnic could not release every stale attachment", failures);
  }
  return std::nullopt;
}

std::optional<Error> Plugin::Ready() {
  hostnic::Status health = client_.Health();
  if (!health.ok()) {
    return Fail(
        kNotAvailable, "the hostnic daemon cannot hand out NICs",
        health.message() + "; start it (scripts/run.sh) or check its log");
  }
  PayDebts();
  if (!request_.conf.ipam.empty()) {
    Result<CniResult> ipam = RunIpam(request_, Command::kStatus);
    if (!ipam.ok()) {
      return Fail(
          kNotAvailable,
          "the IPAM plugin " + request_.conf.ipam_type + " is not available",
          ipam.status().message());
    }
  }
  return std::nullopt;
}

}  // namespace

int RunPlugin(const std::map<std::string, std::string>& env,
              const std::string& stdin_text, std::string* stdout_text) {
  Request request;
  std::optional<Error> error = ParseRequest(env, stdin_text, &request);
  const auto& supported = SupportedVersions();
  const std::string& asked = request.conf.cni_version;
  const std::string version =
      std::find(supported.begin(), supported.end(), asked) != supported.end()
          ? asked
          : supported.back();
  if (!error) {
    Plugin plugin(request);
    switch (request.command) {
      case Command::kVersion:
        *stdout_text = EncodeVersion(version, supported);
        return 0;
      case Command::kAdd:
        error = plugin.Add(stdout_text);
        break;
      case Command::kDel:
        error = plugin.Del();
        break;
      case Command::kCheck:
        error = plugin.Check();
        break;
      case Command::kGc:
        error = plugin.Gc();
        break;
      case Command::kStatus:
        error = plugin.Ready();
        break;
    }
  }
  if (!error) return 0;
  spdlog::error("{}: {}", error->msg, error->details);
  *stdout_text = EncodeError(error->code, error->msg, error->details, version);
  return 1;
}

int RunPluginMain() {
  LogToStderr("hostnic-cni");

  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.compare(0, 4, "CNI_") != 0) continue;
    const auto eq = entry.find('=');
    if (eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  std::string output;
  const int code = RunPlugin(env, ReadStdin(kMaxStdin), &output);
  PrintAnswer(output);
  return code;
}

}  // namespace hostnic::cni
