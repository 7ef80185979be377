#include "dhcp6/dhcp6_source.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "dhcp6/client.h"
#include "dhcp6/udp6_transport.h"

namespace hostnic::dhcp6 {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kReleaseTime{2000};

// Per-NIC IPv6 settings held while the NIC is up on the host, and their
// values then: no RA, no SLAAC, no RS, no DAD (the link-local address is
// usable at once).
constexpr std::pair<const char*, const char*> kQuiet[] = {
    {"accept_ra", "0"},
    {"autoconf", "0"},
    {"router_solicitations", "0"},
    {"accept_dad", "0"},
};

uint32_t RandomXid() {
  thread_local std::mt19937 generator(std::random_device{}());
  return static_cast<uint32_t>(generator());
}

std::string Nic(const Link& link) {
  return link.name + " (" + link.mac.ToString() + ")";
}

Result<std::string> ReadSetting(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) {
    return Status::IoError("reading " + path + " failed");
  }
  return value;
}

Status WriteSetting(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value << '\n';
  out.close();
  if (!out)
    return Status::IoError("writing " + value + " to " + path + " failed");
  return Status::Ok();
}

std::optional<Ipv6> LeaseAddress(const Lease& lease) {
  return ParseIpv6(lease.address.substr(0, lease.address.find('/')));
}

}  // namespace

Dhcp6Source::Dhcp6Source(LinkControl* links, Clock* clock,
                         std::string sysctl_root)
    : links_(links), clock_(clock), sysctl_root_(std::move(sysctl_root)) {}

Status Dhcp6Source::WhileUp(const Link& requested, MonoTime deadline,
                            const std::function<Status(Udp6Transport&)>& work) {
  Result<Link> link = links_->Refresh(requested);
  if (!link.ok()) return link.status();
  if (link->up) {
    return Status::FailedPrecondition(
        "NIC " + Nic(*link) +
        " is up on the host; hostnic asks DHCPv6 only on a NIC that is down");
  }
  // Settings changed so far, with the values to put back.
  std::vector<std::pair<std::string, std::string>> changed;
  Status result = Status::Ok();
  for (const auto& [name, value] : kQuiet) {
    const std::string path = sysctl_root_ + "/" + link->name + "/" + name;
    Result<std::string> was = ReadSetting(path);
    if (!was.ok()) {
      result = was.status();
      break;
    }
    result = WriteSetting(path, value);
    if (!result.ok()) break;
    changed.emplace_back(path, *was);
  }
  std::optional<bool> ipv6_was_off;
  if (result.ok()) {
    Result<bool> was = links_->SetIpv6Disabled(*link, false);
    if (was.ok()) {
      ipv6_was_off = *was;
    } else {
      result = was.status();
    }
  }
  bool brought_up = false;
  if (result.ok()) {
    result = links_->SetUp(*link, true);
    brought_up = result.ok();
  }
  if (result.ok()) {
    Result<std::unique_ptr<Udp6Transport>> transport =
        Udp6Transport::OpenHere(link->name, link->ifindex, Nic(*link));
    if (transport.ok()) {
      result = (*transport)->WaitForLinkLocal(deadline);
      if (result.ok()) result = work(**transport);
    } else {
      result = transport.status();
    }
  }

  // The NIC goes back as it was found, whatever happened above.
  std::vector<Status> restores;
  if (brought_up) restores.push_back(links_->SetUp(*link, false));
  if (ipv6_was_off && *ipv6_was_off) {
    Result<bool> restored = links_->SetIpv6Disabled(*link, true);
    if (!restored.ok()) restores.push_back(restored.status());
  }
  for (auto it = changed.rbegin(); it != changed.rend(); ++it) {
    restores.push_back(WriteSetting(it->first, it->second));
  }
  for (const Status& restore : restores) {
    if (restore.ok()) continue;
    const Status failed =
        restore.Annotate("putting NIC " + Nic(*link) + " back after DHCPv6");
    if (result.ok()) {
      result = failed;
    } else {
      spdlog::warn("{}", failed.message());
    }
  }
  return result;
}

Result<Lease> Dhcp6Source::Acquire(const Link& link, milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  std::optional<ServerMessage> reply;
  const Status status =
      WhileUp(link, start + timeout, [&](Udp6Transport& transport) {
        Client client(&transport, SystemClock(), RandomXid, link.mac,
                      Nic(link));
        Result<ServerMessage> answer = client.Acquire(timeout, start);
        if (!answer.ok()) return answer.status();
        reply = std::move(answer).value();
        return Status::Ok();
      });
  if (!status.ok()) return status;
  std::optional<Lease> lease = LeaseFromReply(*reply, link.mac, clock_->Now());
  if (!lease) {  // Acquire returns only REPLYs that grant an address.
    return Status::Internal("DHCPv6 REPLY for NIC " + Nic(link) +
                            " grants no address");
  }
  spdlog::info("DHCPv6: NIC {} got {} from {} for {} s in {} ms", Nic(link),
               lease->address, lease->server, lease->lease_seconds,
               std::chrono::duration_cast<milliseconds>(
                   SystemClock()->Monotonic() - start)
                   .count());
  return *lease;
}

Result<LeaseRenewer::Renewal> Dhcp6Source::Renew(const std::string& netns_path,
                                                 const Lease& lease,
                                                 bool rebinding,
                                                 milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  const std::optional<Ipv6> address = LeaseAddress(lease);
  const std::optional<std::vector<uint8_t>> server = ParseHex(lease.server);
  if (!address || !server || server->empty()) {
    return Status::InvalidArgument("cannot renew the DHCPv6 lease of " +
                                   lease.mac.ToString() + ": address \"" +
                                   lease.address + "\" or server \"" +
                                   lease.server + "\" is not IPv6 and a DUID");
  }
  Result<std::unique_ptr<Udp6Transport>> transport =
      Udp6Transport::OpenIn(netns_path, lease.mac);
  if (!transport.ok()) return transport.status();
  Client client(transport->get(), SystemClock(), RandomXid, lease.mac,
                (*transport)->nic());
  Result<ServerMessage> answer = client.Renew(
      *address, rebinding ? std::vector<uint8_t>() : *server, timeout, start);
  if (!answer.ok()) return answer.status();
  Renewal renewal;
  std::optional<Lease> renewed =
      LeaseFromReply(*answer, lease.mac, clock_->Now());
  if (!renewed) {
    renewal.answer = Answer::kNak;
    renewal.lease = lease;
    spdlog::info("DHCPv6: server refused to renew {} of NIC {}: \"{}\"",
                 lease.address, (*transport)->nic(), answer->status_message);
    return renewal;
  }
  renewed->network_id = lease.network_id;
  renewal.lease = std::move(*renewed);
  return renewal;
}

Result<Lease> Dhcp6Source::Reacquire(const std::string&, const Lease& lease,
                                     bool, std::chrono::milliseconds) {
  return Status::FailedPrecondition(
      "asking DHCPv6 again for the lost lease of NIC " + lease.mac.ToString() +
      " is not supported yet");
}

Status Dhcp6Source::Release(const Link& link, const Lease& lease) {
  const std::optional<Ipv6> address = LeaseAddress(lease);
  const std::optional<std::vector<uint8_t>> server = ParseHex(lease.server);
  if (!address || !server || server->empty()) {
    return Status::InvalidArgument("cannot release the DHCPv6 lease of NIC " +
                                   Nic(link) + ": address \"" + lease.address +
                                   "\" or server \"" + lease.server +
                                   "\" is not IPv6 and a DUID");
  }
  const MonoTime deadline = SystemClock()->Monotonic() + kReleaseTime;
  return WhileUp(link, deadline, [&](Udp6Transport& transport) {
    Client client(&transport, SystemClock(), RandomXid, link.mac, Nic(link));
    return client.Release(*address, *server);
  });
}

}  // namespace hostnic::dhcp6
