#include "netlink/netns_datapath.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link/inet6.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>

#include "common/cidr.h"
#include "common/errno_status.h"
#include "common/netns.h"
#include "netlink/nl_ptr.h"
#include "netlink/nl_util.h"

namespace hostnic {

namespace {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

bool IsIfName(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..")
    return false;
  for (char c : name) {
    if (c == '/' || c == ':' || c <= ' ') return false;
  }
  return true;
}

// A route socket in the calling thread's namespace and the device there with
// `mac` (FindNic: null when there is none).
struct FoundNic {
  NlSockPtr sock;
  RtnlLinkPtr link;
};
Result<FoundNic> ConnectAndFind(const Mac& mac, const std::string& doing) {
  Result<NlSockPtr> sock = ConnectRoute(doing);
  if (!sock.ok()) return sock.status();
  Result<RtnlLinkPtr> link = FindNic(sock->get(), mac, doing);
  if (!link.ok()) return link.status();
  return FoundNic{std::move(*sock), std::move(*link)};
}

Status Change(nl_sock* sock, rtnl_link* current, const std::string& doing,
              const std::function<void(rtnl_link*)>& set) {
  RtnlLinkPtr change(rtnl_link_alloc());
  if (!change) return Status::IoError(doing + ": out of memory");
  set(change.get());
  const int err = rtnl_link_change(sock, current, change.get(), 0);
  if (err < 0) return NlStatus(err, doing);
  return Status::Ok();
}

// Moves `current` to the namespace `ns_fd`, named `name` there.
Status Move(nl_sock* sock, rtnl_link* current, int ns_fd,
            const std::string& name, const std::string& doing) {
  return Change(sock, current, doing, [&](rtnl_link* change) {
    rtnl_link_set_ns_fd(change, ns_fd);
    rtnl_link_set_name(change, name.c_str());
  });
}

// Whether the socket's namespace has a device with `mac`.
Result<bool> Holds(nl_sock* sock, const Mac& mac, const std::string& doing) {
  Result<RtnlLinkPtr> link = FindNic(sock, mac, doing);
  if (!link.ok()) return link.status();
  return *link != nullptr;
}

// Moves `link` to the namespace `ns_fd` and names it `name` there. The
// kernel moves first and renames after; the name it is given is used for
// the move itself only when the device's current name is taken there. So a
// failed rename can leave the device moved under its old name: whether it
// moved is read back, not taken from the error.
Result<bool> MoveTo(nl_sock* sock, rtnl_link* link, int ns_fd,
                    const std::string& name, const Mac& mac,
                    const std::string& doing, Status* error) {
  *error = Move(sock, link, ns_fd, name, doing);
  if (error->ok()) return true;
  Result<bool> here = Holds(sock, mac, doing);
  if (!here.ok()) return here.status();
  return !*here;
}

// Flushes, downs and moves `link` (inside the socket's namespace) to the
// namespace `host_fd`, named `host_name` there when that is free (else it
// keeps a name the daemon puts right when it releases the NIC).
Status SendHome(nl_sock* sock, rtnl_link* link, int host_fd,
                const std::string& host_name, const Mac& mac,
                const std::string& doing) {
  const int ifindex = rtnl_link_get_ifindex(link);
  HOSTNIC_RETURN_IF_ERROR(FlushIfAddresses(sock, ifindex, doing));
  HOSTNIC_RETURN_IF_ERROR(Change(sock, link, doing, [](rtnl_link* change) {
    rtnl_link_unset_flags(change, IFF_UP);
  }));
  Status error;
  Result<bool> moved =
      MoveTo(sock, link, host_fd, host_name, mac, doing, &error);
  if (moved.ok() && !*moved && error.code() == Code::kAlreadyExists) {
    // Both its name here and `host_name` are taken on the host.
    moved = MoveTo(sock, link, host_fd, FallbackName(mac), mac, doing, &error);
  }
  if (!moved.ok()) return moved.status();
  return *moved ? Status::Ok() : error;
}

Status AddAddress(nl_sock* sock, int ifindex, const std::string& text,
                  const Cidr& cidr, const std::string& doing) {
  const std::string adding = doing + ": adding " + text;
  Result<NlAddrPtr> local = ToNlAddr(cidr, adding);
  if (!local.ok()) return local.status();
  RtnlAddrPtr addr(rtnl_addr_alloc());
  if (!addr) return Status::IoError(adding + ": out of memory");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), cidr.family);
  if (int err = rtnl_addr_set_local(addr.get(), local->get()); err < 0) {
    return NlStatus(err, adding);
  }
  // The address is the NIC's own: usable at once, no duplicate detection.
  if (cidr.family == AF_INET6) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  const int err = rtnl_addr_add(sock, addr.get(), 0);
  if (err < 0 && err != -NLE_EXIST) return NlStatus(err, adding);
  return Status::Ok();
}

struct ParsedRoute {
  Route route;
  Cidr destination;
  std::optional<Cidr> next_hop;
};

Status AddRoute(nl_sock* sock, int ifindex, const ParsedRoute& r,
                const std::string& doing) {
  const std::string adding =
      doing + ": adding the route to " + r.route.destination +
      (r.route.next_hop.empty() ? "" : " via " + r.route.next_hop);
  Result<NlAddrPtr> dst = ToNlAddr(r.destination, adding);
  if (!dst.ok()) return dst.status();
  RtnlRoutePtr route(rtnl_route_alloc());
  if (!route) return Status::IoError(adding + ": out of memory");
  rtnl_route_set_family(route.get(),
                        static_cast<uint8_t>(r.destination.family));
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_scope(route.get(),
                       r.next_hop ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  if (int err = rtnl_route_set_dst(route.get(), dst->get()); err < 0) {
    return NlStatus(err, adding);
  }
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (nh == nullptr) return Status::IoError(adding + ": out of memory");
  rtnl_route_nh_set_ifindex(nh, ifindex);
  if (r.next_hop) {
    Result<NlAddrPtr> gw = ToNlAddr(*r.next_hop, adding);
    if (!gw.ok()) {
      rtnl_route_nh_free(nh);
      return gw.status();
    }
    rtnl_route_nh_set_gateway(nh, gw->get());
  }
  rtnl_route_add_nexthop(route.get(), nh);  // The route owns it now.
  const int err = rtnl_route_add(sock, route.get(), NLM_F_EXCL);
  // The kernel already routes the address's own subnet through the NIC.
  if (err < 0 && err != -NLE_EXIST) return NlStatus(err, adding);
  return Status::Ok();
}

Result<Fd> OpenNetns(const std::string& path, const std::string& doing) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoStatus(doing + ": opening network namespace " + path);
  }
  return Fd(fd);
}

// A SandboxConfig's addresses and routes, parsed (nothing changed yet).
struct ParsedConfig {
  std::vector<Cidr> addresses;
  std::vector<ParsedRoute> routes;
};

Result<ParsedConfig> ParseConfig(const SandboxConfig& config,
                                 const std::string& doing) {
  ParsedConfig out;
  for (const std::string& text : config.addresses) {
    std::optional<Cidr> cidr = ParseCidr(text);
    if (!cidr) {
      return Status::InvalidArgument(doing + ": '" + text +
                                     "' is not an address such as "
                                     "10.0.1.23/24");
    }
    out.addresses.push_back(*cidr);
  }
  for (const Route& route : config.routes) {
    ParsedRoute parsed{route, {}, std::nullopt};
    std::optional<Cidr> dst = ParseCidr(route.destination);
    if (!dst || !dst->IsNetwork()) {
      return Status::InvalidArgument(doing + ": route destination '" +
                                     route.destination +
                                     "' is not a network such as 10.0.0.0/8");
    }
    parsed.destination = *dst;
    if (!route.next_hop.empty()) {
      parsed.next_hop =
          ParseCidr(route.next_hop + (dst->family == AF_INET ? "/32" : "/128"));
      if (!parsed.next_hop || parsed.next_hop->family != dst->family) {
        return Status::InvalidArgument(doing + ": next hop '" + route.next_hop +
                                       "' of " + route.destination +
                                       " is not an address of its family");
      }
    }
    out.routes.push_back(parsed);
  }
  return out;
}

// Inside the NIC's namespace: turns IPv6 on `link`, named `ifname`, on or
// off (off: coming up it sends no DAD probe, router solicitation or MLD
// report; a moved NIC takes the namespace's default, usually on). Where
// /proc/sys is read-only, off means no link-local address generation.
Status SetIpv6Here(nl_sock* sock, rtnl_link* link, const std::string& ifname,
                   bool on, const std::string& doing) {
  const std::string path =
      "/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6";
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0 && errno == ENOENT) return Status::Ok();
  if (fd.get() >= 0 && ::write(fd.get(), on ? "0" : "1", 1) == 1) {
    return Status::Ok();
  }
  const Status failed = ErrnoStatus(doing + ": writing " + path);
  if (on) return failed;
  return Change(sock, link,
                failed.message() + "; turning off its IPv6 address generation",
                [](rtnl_link* change) {
                  rtnl_link_inet6_set_addr_gen_mode(change,
                                                    IN6_ADDR_GEN_MODE_NONE);
                });
}

// Inside the NIC's namespace: names `link` config.ifname (when one is given
// and the move kept its host name), turns its IPv6 on if it gets an IPv6
// address (else off, when `just_moved`), adds the addresses, brings it up,
// adds the routes; `*result` is the NIC as it is then.
Status ConfigureHere(nl_sock* sock, rtnl_link* link,
                     const SandboxConfig& config, const ParsedConfig& parsed,
                     bool just_moved, const std::string& doing, Link* result) {
  const int ifindex = rtnl_link_get_ifindex(link);
  const char* name = rtnl_link_get_name(link);
  if (!config.ifname.empty() && (name == nullptr || config.ifname != name)) {
    Status renamed = Change(sock, link, doing, [&](rtnl_link* change) {
      rtnl_link_set_name(change, config.ifname.c_str());
    });
    if (renamed.code() == Code::kAlreadyExists) {
      return Status::AlreadyExists(doing + ": a device named " + config.ifname +
                                   " already exists there");
    }
    HOSTNIC_RETURN_IF_ERROR(renamed);
  }
  const bool ipv6 =
      std::any_of(parsed.addresses.begin(), parsed.addresses.end(),
                  [](const Cidr& cidr) { return cidr.family == AF_INET6; });
  // A NIC already at work keeps its IPv6 when only IPv4 is added: an IPv4
  // lease re-installed in a dual-stack container must not cut its IPv6.
  if (ipv6 || just_moved) {
    HOSTNIC_RETURN_IF_ERROR(SetIpv6Here(
        sock, link,
        config.ifname.empty() ? std::string(name ? name : "") : config.ifname,
        ipv6, doing));
  }
  for (size_t i = 0; i < parsed.addresses.size(); ++i) {
    HOSTNIC_RETURN_IF_ERROR(AddAddress(sock, ifindex, config.addresses[i],
                                       parsed.addresses[i], doing));
  }
  HOSTNIC_RETURN_IF_ERROR(
      Change(sock, link, doing + ": bringing it up",
             [](rtnl_link* change) { rtnl_link_set_flags(change, IFF_UP); }));
  for (const ParsedRoute& route : parsed.routes) {
    HOSTNIC_RETURN_IF_ERROR(AddRoute(sock, ifindex, route, doing));
  }
  rtnl_link* fresh = nullptr;
  const int err = rtnl_link_get_kernel(sock, ifindex, nullptr, &fresh);
  RtnlLinkPtr owned(fresh);
  if (err < 0) return NlStatus(err, doing + ": reading it back");
  *result = ToLink(owned.get());
  return Status::Ok();
}

}  // namespace

std::string FallbackName(const Mac& mac) {
  std::string name = "hn";
  for (char c : mac.ToString()) {
    if (c != ':') name += c;
  }
  return name;
}

Result<Link> NetnsDatapath::MoveIn(const Mac& mac,
                                   const std::string& netns_path,
                                   const SandboxConfig& config,
                                   const std::string& host_name) {
  const std::string doing = "moving NIC " + NicLabel(host_name, mac) +
                            " into network namespace " + netns_path + " as " +
                            config.ifname;
  if (!IsIfName(config.ifname) || !IsIfName(host_name)) {
    return Status::InvalidArgument(
        doing +
        ": a device name has 1 to 15 characters, none of them '/', "
        "':' or blank");
  }
  Result<ParsedConfig> parsed = ParseConfig(config, doing);
  if (!parsed.ok()) return parsed.status();

  Result<Fd> host_ns = OpenNetns("/proc/thread-self/ns/net", doing);
  if (!host_ns.ok()) return host_ns.status();
  Result<Fd> sandbox_ns = OpenNetns(netns_path, doing);
  if (!sandbox_ns.ok()) return sandbox_ns.status();
  {
    Result<NlSockPtr> sock = ConnectRoute(doing);
    if (!sock.ok()) return sock.status();
    Result<RtnlLinkPtr> nic = FindNicNamed(sock->get(), mac, host_name, doing);
    if (!nic.ok()) return nic.status();
    if (!*nic) {
      return Status::NotFound(doing + ": no device on the host has that MAC");
    }
    Status error;
    Result<bool> moved = MoveTo(sock->get(), nic->get(), sandbox_ns->get(),
                                config.ifname, mac, doing, &error);
    if (!moved.ok()) return moved.status();
    if (!*moved && error.code() == Code::kAlreadyExists) {
      return Status::AlreadyExists(doing + ": a device named " + config.ifname +
                                   " already exists there");
    }
    if (!*moved) return error;
  }
  Link result;
  Status rollback;
  Status configured = RunInNetns(netns_path, doing, [&]() -> Status {
    Result<FoundNic> nic = ConnectAndFind(mac, doing);
    if (!nic.ok()) return nic.status();
    if (!nic->link) {
      return Status::NotFound(doing + ": the NIC vanished after the move");
    }
    Status s = ConfigureHere(nic->sock.get(), nic->link.get(), config, *parsed,
                             /*just_moved=*/true, doing, &result);
    if (!s.ok()) {
      rollback = SendHome(nic->sock.get(), nic->link.get(), host_ns->get(),
                          host_name, mac, "putting it back on the host");
    }
    return s;
  });
  if (!configured.ok() && !rollback.ok()) {
    return Status(configured.code(), configured.message() + "; and then " +
                                         rollback.message() +
                                         " (the NIC stays in the namespace)");
  }
  if (!configured.ok()) return configured;
  return result;
}

Result<Link> NetnsDatapath::Configure(const Mac& mac,
                                      const std::string& netns_path,
                                      const SandboxConfig& config) {
  const std::string doing =
      "configuring NIC " + mac.ToString() +
      (config.ifname.empty() ? "" : " as " + config.ifname) +
      InNetns(netns_path);
  if (!config.ifname.empty() && !IsIfName(config.ifname)) {
    return Status::InvalidArgument(doing + ": not a device name");
  }
  Result<ParsedConfig> parsed = ParseConfig(config, doing);
  if (!parsed.ok()) return parsed.status();
  Link result;
  Status s = RunInNetns(netns_path, doing, [&]() -> Status {
    Result<FoundNic> nic = ConnectAndFind(mac, doing);
    if (!nic.ok()) return nic.status();
    if (!nic->link) return Status::NotFound(doing + ": the NIC is not there");
    return ConfigureHere(nic->sock.get(), nic->link.get(), config, *parsed,
                         /*just_moved=*/false, doing, &result);
  });
  if (!s.ok()) return s;
  return result;
}

Result<bool> NetnsDatapath::MoveOut(const Mac& mac,
                                    const std::string& netns_path,
                                    const std::string& host_name) {
  const std::string doing = "bringing NIC " + mac.ToString() + " back from" +
                            InNetns(netns_path) + " as " + host_name;
  if (!IsIfName(host_name)) {
    return Status::InvalidArgument(doing + ": not a device name");
  }
  Result<Fd> host_ns = OpenNetns("/proc/thread-self/ns/net", doing);
  if (!host_ns.ok()) return host_ns.status();
  bool moved = false;
  Status s = RunInNetns(netns_path, doing, [&]() -> Status {
    Result<FoundNic> nic = ConnectAndFind(mac, doing);
    if (!nic.ok()) return nic.status();
    if (!nic->link) return Status::Ok();
    moved = true;
    return SendHome(nic->sock.get(), nic->link.get(), host_ns->get(), host_name,
                    mac, doing);
  });
  if (s.code() == Code::kNotFound && !moved) return false;
  if (!s.ok()) return s;
  return moved;
}

Result<SandboxView> NetnsDatapath::Inspect(const std::string& netns_path,
                                           const std::string& ifname) {
  const std::string doing = "reading " + ifname + InNetns(netns_path);
  SandboxView view;
  Status s = RunInNetns(netns_path, doing, [&]() -> Status {
    Result<NlSockPtr> sock = ConnectRoute(doing);
    if (!sock.ok()) return sock.status();
    rtnl_link* found = nullptr;
    const int err =
        rtnl_link_get_kernel(sock->get(), 0, ifname.c_str(), &found);
    RtnlLinkPtr link(found);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
      return Status::NotFound(doing + ": no such device");
    }
    if (err < 0) return NlStatus(err, doing);
    view.link = ToLink(link.get());

    nl_cache* cache = nullptr;
    int e = rtnl_addr_alloc_cache(sock->get(), &cache);
    NlCachePtr addrs(cache);
    if (e < 0) return NlStatus(e, doing + ": listing addresses");
    for (nl_object* obj = nl_cache_get_first(addrs.get()); obj != nullptr;
         obj = nl_cache_get_next(obj)) {
      auto* addr = reinterpret_cast<rtnl_addr*>(obj);
      if (rtnl_addr_get_ifindex(addr) != view.link.ifindex) continue;
      const std::string ip = IpText(rtnl_addr_get_local(addr));
      if (ip.empty()) continue;
      view.addresses.push_back(ip + "/" +
                               std::to_string(rtnl_addr_get_prefixlen(addr)));
    }

    cache = nullptr;
    e = rtnl_route_alloc_cache(sock->get(), AF_UNSPEC, 0, &cache);
    NlCachePtr routes(cache);
    if (e < 0) return NlStatus(e, doing + ": listing routes");
    for (nl_object* obj = nl_cache_get_first(routes.get()); obj != nullptr;
         obj = nl_cache_get_next(obj)) {
      auto* route = reinterpret_cast<rtnl_route*>(obj);
      if (rtnl_route_get_table(route) != RT_TABLE_MAIN ||
          rtnl_route_get_nnexthops(route) != 1) {
        continue;
      }
      rtnl_nexthop* nh = rtnl_route_nexthop_n(route, 0);
      if (rtnl_route_nh_get_ifindex(nh) != view.link.ifindex) continue;
      const int family = rtnl_route_get_family(route);
      nl_addr* dst = rtnl_route_get_dst(route);
      Route out;
      if (dst == nullptr || nl_addr_get_prefixlen(dst) == 0) {
        out.destination = family == AF_INET6 ? "::/0" : "0.0.0.0/0";
      } else {
        out.destination =
            IpText(dst) + "/" + std::to_string(nl_addr_get_prefixlen(dst));
      }
      out.next_hop = IpText(rtnl_route_nh_get_gateway(nh));
      view.routes.push_back(out);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return view;
}

}  // namespace hostnic
