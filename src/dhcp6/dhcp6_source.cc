#include "dhcp6/dhcp6_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "dhcp/exchange.h"
#include "dhcp/transport_util.h"
#include "dhcp6/client.h"
#include "dhcp6/ra_listener.h"
#include "dhcp6/udp6_transport.h"

namespace hostnic::dhcp6 {

namespace {

using dhcp::DownHostNic;
using dhcp::EndHostExchange;
using dhcp::RandomXid;
using std::chrono::milliseconds;

constexpr milliseconds kReleaseTime{2000};
// After the DHCPv6 exchange, how long Acquire still listens for the RA that
// names the default router (the solicitation went out before the exchange).
constexpr milliseconds kRouterWait{3000};
// How often a SLAAC acquisition solicits again (RFC 4861's
// RTR_SOLICITATION_INTERVAL).
constexpr milliseconds kSolicitInterval{4000};

// Per-NIC IPv6 settings held while the NIC is up on the host, and their
// values then: no RA, no SLAAC, no RS, no DAD (the link-local address is
// usable at once).
constexpr std::pair<const char*, const char*> kQuiet[] = {
    {"accept_ra", "0"},
    {"autoconf", "0"},
    {"router_solicitations", "0"},
    {"accept_dad", "0"},
};

std::optional<Ipv6> LeaseAddress(const Lease& lease) {
  return ParseIpv6(lease.address.substr(0, lease.address.find('/')));
}

// Takes the default router from `heard`, and the prefix length from its
// on-link prefix that holds the lease's address (else the /128 stays).
void ApplyRouter(const HeardRouter& heard, Lease* lease) {
  if (heard.advert.router_lifetime > 0) {
    lease->gateway = Ipv6ToString(heard.address);
  }
  lease->mtu = heard.advert.mtu;
  const std::optional<Ipv6> address = LeaseAddress(*lease);
  for (const RaPrefix& prefix : heard.advert.prefixes) {
    if (address && prefix.on_link && InPrefix(*address, prefix)) {
      lease->address =
          Ipv6ToString(*address) + "/" + std::to_string(prefix.length);
      return;
    }
  }
}

// The SLAAC lease `heard` gives `mac`, if it has an autonomous /64.
std::optional<Lease> SlaacLease(const HeardRouter& heard, const Mac& mac) {
  for (const RaPrefix& prefix : heard.advert.prefixes) {
    if (std::optional<Ipv6> address = SlaacAddress(prefix, mac)) {
      Lease lease;
      lease.mac = mac;
      lease.source = "slaac";
      lease.address = Ipv6ToString(*address) + "/64";
      lease.server = Ipv6ToString(heard.address);
      if (heard.advert.router_lifetime > 0) lease.gateway = lease.server;
      lease.mtu = heard.advert.mtu;
      return lease;
    }
  }
  return std::nullopt;
}

// A nudge only: routers advertise unsolicited too, so a solicitation that
// cannot be sent (seen once in 183 acquires: EADDRNOTAVAIL while the NIC's
// link-local address settled) costs time, not the exchange.
void SolicitRouter(RaListener& ra, const Link& link) {
  if (Status sent = ra.Solicit(link.mac); !sent.ok()) {
    spdlog::warn("DHCPv6: {}; waiting for the router's own advertisements",
                 sent.message());
  }
}

}  // namespace

Dhcp6Source::Dhcp6Source(LinkControl* links, Clock* clock,
                         dhcp::ExchangeJournal* journal,
                         std::string sysctl_root)
    : links_(links),
      clock_(clock),
      journal_(journal),
      sysctl_root_(std::move(sysctl_root)) {}

Status Dhcp6Source::WhileUp(
    const Link& requested, MonoTime deadline,
    const std::function<Status(Udp6Transport&, RaListener&)>& work) {
  Result<Link> link = DownHostNic(links_, requested, "DHCPv6");
  if (!link.ok()) return link.status();
  // All read before any is changed, so the journal has them all first.
  dhcp::ExchangeJournal::Found found;
  for (const auto& [name, value] : kQuiet) {
    Result<std::string> was =
        dhcp::ReadNicSetting(sysctl_root_, link->name, name);
    if (!was.ok()) return was.status();
    found.settings.emplace_back(name, *was);
  }
  if (journal_ != nullptr) journal_->Note(link->mac, found);
  // Settings changed so far, with the values to put back.
  std::vector<std::pair<std::string, std::string>> changed;
  Status result = Status::Ok();
  for (size_t i = 0; i < std::size(kQuiet) && result.ok(); ++i) {
    result = dhcp::WriteNicSetting(sysctl_root_, link->name, kQuiet[i].first,
                                   kQuiet[i].second);
    if (result.ok()) changed.push_back(found.settings[i]);
  }
  std::optional<bool> ipv6_was_off;
  if (result.ok()) {
    Result<bool> was = links_->SetIpv6Disabled(*link, false);
    if (was.ok()) {
      ipv6_was_off = *was;
      found.ipv6_off = *was;
      if (journal_ != nullptr) journal_->Note(link->mac, found);
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
        Udp6Transport::OpenHere(link->name, link->ifindex, NicLabel(*link));
    Result<std::unique_ptr<RaListener>> listener =
        RaListener::Open(link->name, link->ifindex, NicLabel(*link));
    if (!transport.ok()) {
      result = transport.status();
    } else if (!listener.ok()) {
      result = listener.status();
    } else {
      result = (*transport)->WaitForLinkLocal(deadline);
      if (result.ok()) result = work(**transport, **listener);
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
    restores.push_back(
        dhcp::WriteNicSetting(sysctl_root_, link->name, it->first, it->second));
  }
  return EndHostExchange(std::move(result), restores, *link, "DHCPv6",
                         journal_);
}

Result<Lease> Dhcp6Source::Acquire(const Link& link, milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  std::optional<ServerMessage> reply;
  std::optional<HeardRouter> router;
  const Status status = WhileUp(
      link, start + timeout, [&](Udp6Transport& transport, RaListener& ra) {
        // The router answers while DHCPv6 runs.
        SolicitRouter(ra, link);
        Client client(&transport, SystemClock(), RandomXid, link.mac,
                      NicLabel(link));
        Result<ServerMessage> answer = client.Acquire(timeout, start);
        if (!answer.ok()) return answer.status();
        reply = std::move(answer).value();
        const MonoTime until =
            std::min(start + timeout, SystemClock()->Monotonic() + kRouterWait);
        Result<std::optional<HeardRouter>> heard = ra.Receive(until);
        if (!heard.ok()) return heard.status();
        router = std::move(*heard);
        return Status::Ok();
      });
  if (!status.ok()) return status;
  std::optional<Lease> lease = LeaseFromReply(*reply, link.mac, clock_->Now());
  if (!lease) {  // Acquire returns only REPLYs that grant an address.
    return Status::Internal("DHCPv6 REPLY for NIC " + NicLabel(link) +
                            " grants no address");
  }
  if (router) {
    ApplyRouter(*router, &*lease);
  } else {
    spdlog::warn(
        "DHCPv6: no router advertisement on NIC {}: its address {} gets no "
        "IPv6 default route",
        NicLabel(link), lease->address);
  }
  spdlog::info("DHCPv6: NIC {} got {} via {} from {} for {} s in {} ms",
               NicLabel(link), lease->address,
               lease->gateway.empty() ? "no router" : lease->gateway,
               lease->server, lease->lease_seconds,
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
  // The router, its MTU and the on-link prefix are the RA's, not the
  // server's: they stay.
  renewed->gateway = lease.gateway;
  renewed->routes = lease.routes;
  renewed->mtu = lease.mtu;
  if (LeaseAddress(*renewed) == address) renewed->address = lease.address;
  renewal.lease = std::move(*renewed);
  return renewal;
}

Result<Lease> Dhcp6Source::Reacquire(const std::string& netns_path,
                                     const Lease& lease, bool,
                                     std::chrono::milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  Result<std::unique_ptr<Udp6Transport>> transport =
      Udp6Transport::OpenIn(netns_path, lease.mac);
  if (!transport.ok()) return transport.status();
  Client client(transport->get(), SystemClock(), RandomXid, lease.mac,
                (*transport)->nic());
  Result<ServerMessage> answer = client.Acquire(timeout, start);
  if (!answer.ok()) return answer.status();
  std::optional<Lease> got = LeaseFromReply(*answer, lease.mac, clock_->Now());
  if (!got) {
    return Status::Internal("DHCPv6 REPLY for NIC " + (*transport)->nic() +
                            " grants no address");
  }
  // The router, its MTU and the on-link prefix have not changed with the
  // server's mind.
  got->gateway = lease.gateway;
  got->routes = lease.routes;
  got->mtu = lease.mtu;
  got->network_id = lease.network_id;
  return *got;
}

Result<Lease> Dhcp6Source::AcquireSlaac(const Link& link,
                                        milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  const MonoTime deadline = start + timeout;
  std::optional<Lease> lease;
  size_t heard_without = 0;  // RAs without an autonomous /64.
  const Status status =
      WhileUp(link, deadline, [&](Udp6Transport&, RaListener& ra) {
        while (SystemClock()->Monotonic() < deadline) {
          SolicitRouter(ra, link);
          const MonoTime until =
              std::min(deadline, SystemClock()->Monotonic() + kSolicitInterval);
          for (;;) {
            Result<std::optional<HeardRouter>> heard = ra.Receive(until);
            if (!heard.ok()) return heard.status();
            if (!*heard) break;
            lease = SlaacLease(**heard, link.mac);
            if (lease) return Status::Ok();
            ++heard_without;
          }
        }
        return Status::Timeout(
            "no router advertisement with an autonomous /64 prefix (SLAAC) "
            "on NIC " +
            NicLabel(link) + " within " + std::to_string(timeout.count()) +
            " ms (heard " + std::to_string(heard_without) +
            " router advertisements without one)");
      });
  if (!status.ok()) return status;
  spdlog::info("SLAAC: NIC {} has {} via {} in {} ms", NicLabel(link),
               lease->address,
               lease->gateway.empty() ? "no router" : lease->gateway,
               std::chrono::duration_cast<milliseconds>(
                   SystemClock()->Monotonic() - start)
                   .count());
  return *lease;
}

Status Dhcp6Source::Release(const Link& link, const Lease& lease) {
  const std::optional<Ipv6> address = LeaseAddress(lease);
  const std::optional<std::vector<uint8_t>> server = ParseHex(lease.server);
  if (!address || !server || server->empty()) {
    return Status::InvalidArgument("cannot release the DHCPv6 lease of NIC " +
                                   NicLabel(link) + ": address \"" +
                                   lease.address + "\" or server \"" +
                                   lease.server + "\" is not IPv6 and a DUID");
  }
  const MonoTime deadline = SystemClock()->Monotonic() + kReleaseTime;
  return WhileUp(link, deadline, [&](Udp6Transport& transport, RaListener&) {
    Client client(&transport, SystemClock(), RandomXid, link.mac,
                  NicLabel(link));
    return client.Release(*address, *server);
  });
}

}  // namespace hostnic::dhcp6
