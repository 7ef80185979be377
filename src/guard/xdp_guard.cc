#include "guard/xdp_guard.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <system_error>

#include "common/errno_status.h"
#include "common/netns.h"
#include "guard/guard_object.h"
#include "guard/link_xdp.h"

namespace hostnic {

namespace {

// libbpf's own messages (the verifier's log among them) go to the daemon's
// log, once they matter.
int LogLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  char line[1024];
  vsnprintf(line, sizeof(line), format, args);
  std::string text(line);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (level == LIBBPF_WARN) {
    spdlog::warn("libbpf: {}", text);
  } else {
    spdlog::debug("libbpf: {}", text);
  }
  return 0;
}

struct Addresses {
  std::vector<uint32_t> v4;  // Network byte order.
  std::vector<in6_addr> v6;
};

Result<Addresses> ParseAddresses(const std::vector<std::string>& addresses) {
  Addresses parsed;
  for (const std::string& a : addresses) {
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, a.c_str(), &v4) == 1) {
      parsed.v4.push_back(v4.s_addr);
    } else if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
      parsed.v6.push_back(v6);
    } else {
      return Status::InvalidArgument("'" + a +
                                     "' is not an IPv4 or IPv6 address");
    }
  }
  return parsed;
}

// The ifindex of the one device with `mac` in the calling thread's network
// namespace.
Result<int> IfindexOf(const Mac& mac) {
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) {
    return Status::IoError("listing network devices: " + ErrnoText(errno));
  }
  std::vector<int> found;
  std::string names;
  for (const ifaddrs* i = all; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_PACKET) {
      continue;
    }
    const auto* ll = reinterpret_cast<const sockaddr_ll*>(i->ifa_addr);
    if (ll->sll_halen == 6 &&
        std::memcmp(ll->sll_addr, mac.bytes().data(), 6) == 0) {
      found.push_back(ll->sll_ifindex);
      names += std::string(names.empty() ? "" : ", ") + i->ifa_name;
    }
  }
  freeifaddrs(all);
  if (found.empty()) {
    return Status::NotFound("no network device has MAC " + mac.ToString());
  }
  if (found.size() > 1) {
    return Status::FailedPrecondition("several devices have MAC " +
                                      mac.ToString() + " (" + names +
                                      "); cannot tell which one to guard");
  }
  return found[0];
}

std::string NameOf(int ifindex) {
  char name[IF_NAMESIZE] = {};
  return if_indextoname(ifindex, name) ? std::string(name)
                                       : std::to_string(ifindex);
}

// Whether program `id` is a guard, by its name in the kernel. Reading
// another program's name takes CAP_SYS_ADMIN: without it (a managed plugin
// granted CAP_BPF only), a program on a NIC hostnic handed out counts as
// one, since Attach replaced whatever was there.
bool IsGuard(uint32_t id) {
  const int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return errno == EPERM;
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  const bool ours = bpf_obj_get_info_by_fd(fd, &info, &length) == 0 &&
                    std::strcmp(info.name, XdpGuard::kProgramName) == 0;
  ::close(fd);
  return ours;
}

}  // namespace

// One loaded instance of the program, with its maps filled.
struct XdpGuard::Program {
  bpf_object* object = nullptr;
  int program_fd = -1;
  int drops_fd = -1;
  std::string mode;
  ~Program() { bpf_object__close(object); }
};

XdpGuard::XdpGuard() { libbpf_set_print(LogLibbpf); }

XdpGuard::~XdpGuard() = default;

Status XdpGuard::Attach(const std::string& netns_path, const Mac& mac,
                        const std::vector<std::string>& addresses) {
  const std::string where =
      netns_path.empty() ? "" : " in network namespace " + netns_path;
  const std::string doing = "guarding NIC " + mac.ToString() + where +
                            " against the metadata service";
  Result<Addresses> parsed = ParseAddresses(addresses);
  if (!parsed.ok()) return parsed.status().Annotate(doing);

  auto program = std::make_shared<Program>();
  bpf_object_open_opts options{};
  options.sz = sizeof(options);
  options.object_name = kProgramName;
  program->object =
      bpf_object__open_mem(kGuardObject, kGuardObjectSize, &options);
  if (program->object == nullptr) {
    return Status::Internal(
        doing + ": reading the embedded XDP program: " + ErrnoText(errno));
  }
  if (int err = bpf_object__load(program->object); err != 0) {
    return Status::FailedPrecondition(
        doing + ": the kernel refused to load the XDP program (" +
        ErrnoText(err) +
        "; loading it needs CAP_BPF and CAP_NET_ADMIN, or CAP_SYS_ADMIN)");
  }
  bpf_program* prog =
      bpf_object__find_program_by_name(program->object, kProgramName);
  bpf_map* v4 = bpf_object__find_map_by_name(program->object, "guarded_v4");
  bpf_map* v6 = bpf_object__find_map_by_name(program->object, "guarded_v6");
  bpf_map* drops = bpf_object__find_map_by_name(program->object, "drops");
  if (prog == nullptr || v4 == nullptr || v6 == nullptr || drops == nullptr) {
    return Status::Internal(doing + ": the embedded XDP program lacks " +
                            "its program or maps");
  }
  program->program_fd = bpf_program__fd(prog);
  program->drops_fd = bpf_map__fd(drops);
  const uint8_t yes = 1;
  for (uint32_t a : parsed->v4) {
    if (int err = bpf_map__update_elem(v4, &a, sizeof(a), &yes, sizeof(yes),
                                       BPF_ANY)) {
      return Status::InvalidArgument(
          doing + ": adding an IPv4 address: " + ErrnoText(err) +
          " (at most 64 addresses of each family)");
    }
  }
  for (const in6_addr& a : parsed->v6) {
    if (int err = bpf_map__update_elem(v6, &a, sizeof(a), &yes, sizeof(yes),
                                       BPF_ANY)) {
      return Status::InvalidArgument(
          doing + ": adding an IPv6 address: " + ErrnoText(err) +
          " (at most 64 addresses of each family)");
    }
  }

  auto attach = [&]() -> Status {
    Result<int> ifindex = IfindexOf(mac);
    if (!ifindex.ok()) return ifindex.status().Annotate(doing);
    const std::string nic = NicLabel(NameOf(*ifindex), mac);
    // The driver's own XDP first; a NIC whose driver has none, or refuses
    // it (some cloud NICs do above an MTU), gets the generic hook, which
    // also runs before any packet socket sees a frame. Either replaces the
    // program already there in one step.
    const int native = bpf_xdp_attach(*ifindex, program->program_fd,
                                      XDP_FLAGS_DRV_MODE, nullptr);
    if (native == 0) {
      program->mode = "native";
      return Status::Ok();
    }
    const int generic = bpf_xdp_attach(*ifindex, program->program_fd,
                                       XDP_FLAGS_SKB_MODE, nullptr);
    if (generic == 0) {
      program->mode = "generic";
      return Status::Ok();
    }
    return Status::FailedPrecondition(
        "guarding NIC " + nic + where +
        ": the NIC takes no XDP program (native: " + ErrnoText(native) +
        "; generic: " + ErrnoText(generic) + ")");
  };
  Status attached =
      netns_path.empty() ? attach() : RunInNetns(netns_path, doing, attach);
  if (!attached.ok()) return attached;
  MutexLock lock(&mu_);
  attached_[mac] = std::move(program);
  return Status::Ok();
}

Status XdpGuard::Detach(const Mac& mac, int ifindex) {
  {
    MutexLock lock(&mu_);
    attached_.erase(mac);
  }
  const std::string doing =
      "removing the metadata guard from NIC " + mac.ToString();
  Result<std::optional<LinkXdp>> nic = ReadLinkXdp(ifindex, doing);
  if (!nic.ok()) return nic.status();
  if (!*nic || (*nic)->mac != mac) {
    // Not where the caller saw it last (gone, moved, or the ifindex is
    // another device's now): find it by MAC.
    Result<int> found = IfindexOf(mac);
    if (!found.ok()) {
      return found.status().code() == Code::kNotFound ? Status::Ok()
                                                      : found.status();
    }
    nic = ReadLinkXdp(*found, doing);
    if (!nic.ok()) return nic.status();
    if (!*nic || (*nic)->mac != mac) return Status::Ok();  // Gone meanwhile.
  }
  const LinkXdp& link = **nic;
  const std::pair<uint32_t, uint32_t> modes[] = {
      {link.drv_prog_id, XDP_FLAGS_DRV_MODE},
      {link.skb_prog_id, XDP_FLAGS_SKB_MODE}};
  for (const auto& [id, flags] : modes) {
    if (id == 0 || !IsGuard(id)) continue;
    if (int err = bpf_xdp_detach(link.ifindex, flags, nullptr); err != 0) {
      return Status::IoError("removing the metadata guard from NIC " +
                             NicLabel(link.name, mac) + ": " + ErrnoText(err));
    }
    spdlog::info("metadata guard removed from NIC {} ({})", link.name,
                 mac.ToString());
  }
  return Status::Ok();
}

std::optional<GuardInfo> XdpGuard::Info(const Mac& mac) const {
  std::shared_ptr<Program> program;
  {
    MutexLock lock(&mu_);
    auto it = attached_.find(mac);
    if (it == attached_.end()) return std::nullopt;
    program = it->second;
  }
  GuardInfo info;
  info.mode = program->mode;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus > 0) {
    std::vector<uint64_t> per_cpu(cpus);
    const uint32_t key = 0;
    if (bpf_map_lookup_elem(program->drops_fd, &key, per_cpu.data()) == 0) {
      for (uint64_t n : per_cpu) info.dropped += n;
    }
  }
  return info;
}

}  // namespace hostnic
