#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "cni/ipam.h"
#include "cni/json_util.h"
#include "cni/own_address.h"
#include "cni/pci_device.h"
#include "cni/plugin_commands.h"
#include "cni/result.h"
#include "cni/static_ipam.h"
#include "common/cidr.h"
#include "hostnic/mac.h"

namespace hostnic::cni {

namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// An IPAM result's addresses and routes, for the NIC in the namespace.
void AddIpamResult(const CniResult& ipam, SandboxConfig* config) {
  std::string gateway4, gateway6;
  for (const IpConfig& ip : ipam.ips) {
    config->addresses.push_back(ip.address);
    std::string& gw = LooksLikeIpv6(ip.address) ? gateway6 : gateway4;
    if (gw.empty()) gw = ip.gateway;
  }
  for (const RouteEntry& r : ipam.routes) {
    // A route without a gateway goes through its family's gateway.
    const std::string& gw = LooksLikeIpv6(r.dst) ? gateway6 : gateway4;
    config->routes.push_back({r.dst, r.gw.empty() ? gw : r.gw});
  }
}

}  // namespace

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
  } else if (!delegated &&
             (!held->address.empty() || !held->address6.empty())) {
    AddOwnAddress(*held, &config);
    if (!held->address.empty()) {
      ipam.ips.push_back({held->address, held->gateway, -1, ""});
    }
    if (!held->address6.empty()) {
      ipam.ips.push_back({held->address6, held->gateway6, -1, ""});
    }
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
  } else if (!delegated && !held->dns.empty()) {
    // The NIC's own DHCP server's word, as an IPAM plugin's would be.
    result.dns = Dump(DnsJson(held->dns));
  } else if (result.dns.empty()) {
    result.dns = conf.dns;
  }
  *out = EncodeResult(result, conf.cni_version);
  return std::nullopt;
}

}  // namespace hostnic::cni
