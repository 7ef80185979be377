#include "netavark/plugin.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstring>
#include <optional>

#include "cni/attachment_cache.h"
#include "cni/daemon_client.h"
#include "cni/own_address.h"
#include "cni/plugin_io.h"
#include "hostnic/mac.h"
#include "netavark/codec.h"
#include "netavark/network.h"
#include "netlink/netns_datapath.h"

namespace hostnic::netavark {

namespace {

// Where setup keeps its copies of attachments unless the network says
// state-dir: apart from the CNI plugin's (/var/lib/cni/hostnic).
constexpr char kDefaultStateDir[] = "/var/lib/hostnic/netavark";

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// An attachment as the daemon's CNI API names it: a podman network by its
// ID, which the daemon keeps apart from CNI and Docker networks.
cni::wire::AttachmentKey KeyOf(const Attachment& a) {
  cni::wire::AttachmentKey key;
  key.runtime = cni::wire::kRuntimeNetavark;
  key.network = a.network.id;
  key.container_id = a.container_id;
  key.ifname = a.interface_name;
  return key;
}

std::string Ids(const Attachment& a) {
  return "container " +
         (a.container_name.empty() ? a.container_id.substr(0, 12)
                                   : a.container_name) +
         " " + a.interface_name + " on network " + a.network.name;
}

class Plugin {
 public:
  Plugin(Attachment attachment, Settings settings, std::string netns)
      : a_(std::move(attachment)),
        settings_(std::move(settings)),
        netns_(std::move(netns)),
        client_(settings_.socket.empty() ? cni::kDefaultSocket
                                         : settings_.socket),
        cache_(settings_.state_dir.empty() ? kDefaultStateDir
                                           : settings_.state_dir) {}

  Result<std::string> Setup();
  Status Teardown();

 private:
  // Teardown while the daemon is down: the NIC named by this host's copy
  // of the attachment (else podman's --mac-address) comes home under its
  // own name; the release is owed to the daemon (AttachmentCache::Owe).
  Status TeardownWithoutDaemon(const Status& why);
  // Pays the releases owed since a teardown without the daemon.
  void PayDebts();

  const Attachment a_;
  const Settings settings_;
  const std::string netns_;
  const cni::DaemonClient client_;
  const cni::AttachmentCache cache_;
  NetnsDatapath datapath_;
};

void Plugin::PayDebts() {
  const size_t left = cache_.PayDebts([this](const cni::AttachInfo& a) {
    return client_.Release(a.network_id, a.endpoint_id);
  });
  if (left > 0) {
    spdlog::warn("{} NIC releases still owed to the daemon on {}", left,
                 client_.socket_path());
  }
}

Result<std::string> Plugin::Setup() {
  if (!Exists(netns_)) {
    return Status::NotFound("the container's network namespace " + netns_ +
                            " does not exist");
  }
  HOSTNIC_RETURN_IF_ERROR(CheckPerContainer(a_));
  const bool fixed = settings_.address == AddressSource::kStatic;
  if (!fixed && !a_.static_ips.empty()) {
    return Status::InvalidArgument(
        "network " + a_.network.name +
        " gives each container its NIC's own address; --ip needs a network "
        "created with --subnet");
  }
  StaticPlan plan;
  if (fixed) {
    Result<StaticPlan> planned = PlanStatic(a_);
    if (!planned.ok()) return planned.status();
    plan = *planned;
  }
  cni::wire::AttachRequest ask;
  ask.key = KeyOf(a_);
  ask.netns = netns_;
  // podman's --mac-address names the NIC, as Docker's does.
  ask.nic = a_.static_mac.empty() ? settings_.nic : a_.static_mac;
  ask.options = settings_.daemon_options;
  PayDebts();
  Result<cni::AttachInfo> held = client_.Attach(ask);
  if (!held.ok()) {
    return held.status().Annotate("hostnic could not hold a NIC for " +
                                  Ids(a_));
  }
  auto release = [&] {
    Status s = client_.Release(held->network_id, held->endpoint_id);
    if (!s.ok()) {
      spdlog::error("releasing NIC {} again: {}", held->mac, s.message());
    }
  };

  SandboxConfig config;
  config.ifname = a_.interface_name;
  StatusBlock status;
  status.interface_name = a_.interface_name;
  // podman network create --dns: podman writes them into resolv.conf.
  status.dns_servers = a_.network.dns_servers;
  if (fixed) {
    for (const InterfaceAddress& address : plan.addresses) {
      config.addresses.push_back(address.ipnet);
    }
    config.routes = plan.routes;
    status.addresses = plan.addresses;
  } else {
    cni::AddOwnAddress(*held, &config);
    AddOwnAddresses(*held, &status);
  }
  Result<Link> moved =
      datapath_.MoveIn(*Mac::Parse(held->mac), netns_, config, held->name);
  if (!moved.ok()) {
    release();
    return moved.status().Annotate("hostnic could not set up NIC " +
                                   held->name + " (" + held->mac + ") for " +
                                   Ids(a_) + "; it is back on the host");
  }
  status.mac = moved->mac.ToString();
  if (Status kept = cache_.Put(KeyOf(a_), *held); !kept.ok()) {
    spdlog::warn("{}; a teardown while the daemon is down cannot find NIC {}",
                 kept.message(), held->mac);
  }
  return EncodeStatus(status);
}

Status Plugin::Teardown() {
  const cni::wire::AttachmentKey key = KeyOf(a_);
  Result<std::optional<cni::AttachInfo>> found = client_.Get(key);
  if (!found.ok()) {
    if (found.status().code() == Code::kTimeout && !client_.Listening()) {
      return TeardownWithoutDaemon(found.status());
    }
    return found.status().Annotate("hostnic could not look up " + Ids(a_));
  }
  if (*found) {
    const cni::AttachInfo& held = **found;
    Result<bool> back =
        datapath_.MoveOut(*Mac::Parse(held.mac), netns_, held.original);
    if (!back.ok()) {
      return back.status().Annotate("hostnic could not bring NIC " +
                                    held.original + " (" + held.mac +
                                    ") back from " + netns_);
    }
    HOSTNIC_RETURN_IF_ERROR(client_.Release(held.network_id, held.endpoint_id)
                                .Annotate("hostnic could not release NIC " +
                                          held.original + " (" + held.mac +
                                          ")"));
  }
  cache_.Remove(key);
  PayDebts();
  return Status::Ok();
}

Status Plugin::TeardownWithoutDaemon(const Status& why) {
  const cni::wire::AttachmentKey key = KeyOf(a_);
  const std::optional<cni::AttachInfo> copy = cache_.Get(key);
  std::optional<Mac> mac =
      copy ? Mac::Parse(copy->mac) : Mac::Parse(a_.static_mac);
  if (!mac) {
    return Status::Timeout(
        why.message() + "; this host has no copy of " + Ids(a_) + " (in " +
        (settings_.state_dir.empty() ? kDefaultStateDir : settings_.state_dir) +
        ") and podman named no MAC: retry when the daemon is back");
  }
  const std::string host_name =
      copy && !copy->original.empty() ? copy->original : FallbackName(*mac);
  spdlog::warn("{}; bringing NIC {} home as {} without it", why.message(),
               mac->ToString(), host_name);
  Result<bool> back = datapath_.MoveOut(*mac, netns_, host_name);
  if (!back.ok()) {
    return back.status().Annotate("hostnic could not bring NIC " +
                                  NicLabel(host_name, *mac) + " back from " +
                                  netns_ + " with the daemon down");
  }
  if (copy) {
    if (Status owed = cache_.Owe(key, *copy); !owed.ok()) {
      spdlog::error("{}; the daemon frees the NIC when it finds it home",
                    owed.message());
    }
  }
  return Status::Ok();
}

Result<std::string> Run(const std::vector<std::string>& args,
                        const std::string& stdin_text) {
  const std::string verb = args.empty() ? "" : args[0];
  if (verb == "info") return EncodeInfo(HOSTNIC_VERSION);
  if (verb == "create") {
    Result<Network> network = DecodeNetwork(stdin_text);
    if (!network.ok()) return network.status();
    Result<Network> created = Create(std::move(network).value());
    if (!created.ok()) return created.status();
    return EncodeNetwork(*created);
  }
  if (verb != "setup" && verb != "teardown") {
    return Status::InvalidArgument("'" + verb +
                                   "' is not a netavark plugin command; "
                                   "hostnic knows create, setup, teardown "
                                   "and info");
  }
  if (args.size() != 2 || args[1].empty() || args[1][0] != '/') {
    return Status::InvalidArgument(
        verb +
        " needs one argument, the absolute path of the container's "
        "network namespace");
  }
  Result<Attachment> attachment = DecodeAttachment(stdin_text);
  if (!attachment.ok()) return attachment.status();
  Result<Settings> settings = ReadSettings(attachment->network);
  if (!settings.ok()) {
    return settings.status().Annotate("network " + attachment->network.name);
  }
  Plugin plugin(std::move(attachment).value(), std::move(settings).value(),
                args[1]);
  if (verb == "setup") return plugin.Setup();
  Status done = plugin.Teardown();
  if (!done.ok()) return done;
  return std::string();
}

}  // namespace

bool IsNetavarkCommand(int argc, char** argv) {
  if (argc < 2) return false;
  for (const char* verb : {"create", "setup", "teardown", "info"}) {
    if (std::strcmp(argv[1], verb) == 0) return true;
  }
  return false;
}

int RunNetavark(const std::vector<std::string>& args,
                const std::string& stdin_text, std::string* stdout_text) {
  Result<std::string> out = Run(args, stdin_text);
  if (out.ok()) {
    *stdout_text = *out;
    return 0;
  }
  spdlog::error("{}", out.status().message());
  *stdout_text = EncodeError(out.status().message());
  return 1;
}

int RunNetavarkMain(int argc, char** argv) {
  cni::LogToStderr("hostnic-netavark");
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string output;
  const int code = RunNetavark(
      args, args[0] == "info" ? std::string() : cni::ReadStdin(kMaxInput),
      &output);
  cni::PrintAnswer(output);
  return code;
}

}  // namespace hostnic::netavark
