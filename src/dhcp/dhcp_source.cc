#include "dhcp/dhcp_source.h"

#include <net/if.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "dhcp/client.h"
#include "dhcp/exchange.h"
#include "dhcp/exchange_journal.h"
#include "dhcp/packet_transport.h"
#include "dhcp/transport_util.h"
#include "dhcp/udp_transport.h"

namespace hostnic::dhcp {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kReleaseTime{2000};
// How long the first message waits, after the NIC's carrier, for the
// kernel's link watcher to mark the NIC running (operstate up).
constexpr milliseconds kRunningWait{1000};

std::optional<Ipv4> CidrAddress(const std::string& cidr) {
  return ParseIpv4(cidr.substr(0, cidr.find('/')));
}

// Waits for the NIC's carrier, then until the NIC is running, at most
// kRunningWait and never past `deadline`. The carrier (the driver's word)
// comes first; until the link watcher has run on the link (IFF_RUNNING),
// its far end may still drop the first frame, and the first DISCOVER then
// waits for a retransmission. A NIC that is not running by then is tried
// anyway: the retransmissions cover it.
Status WaitUntilReady(PacketTransport& transport, const Link& link,
                      MonoTime deadline) {
  HOSTNIC_RETURN_IF_ERROR(transport.WaitForCarrier(deadline));
  const MonoTime until =
      std::min(deadline, SystemClock()->Monotonic() + kRunningWait);
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strncpy(request.ifr_name, link.name.c_str(), IFNAMSIZ - 1);
  while (fd.valid() && ::ioctl(fd.get(), SIOCGIFFLAGS, &request) == 0 &&
         (request.ifr_flags & IFF_RUNNING) == 0 &&
         SystemClock()->Monotonic() < until) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return Status::Ok();
}

}  // namespace

DhcpSource::DhcpSource(LinkControl* links, Clock* clock,
                       ExchangeJournal* journal)
    : links_(links), clock_(clock), journal_(journal) {}

Status DhcpSource::WhileUp(
    const Link& requested, Ipv4 source, Ipv4 destination,
    const std::function<Status(PacketTransport&)>& work) {
  Result<Link> link = DownHostNic(links_, requested, "DHCP");
  if (!link.ok()) return link.status();
  Result<std::unique_ptr<PacketTransport>> transport =
      PacketTransport::Open(*link, source, destination);
  if (!transport.ok()) return transport.status();
  Result<bool> ipv6_was_off = links_->SetIpv6Disabled(*link, true);
  if (!ipv6_was_off.ok()) return ipv6_was_off.status();
  // Noted before the NIC is up, forgotten once it is back (see the header).
  if (journal_ != nullptr) journal_->Note(link->mac, {*ipv6_was_off, {}});

  Status result = links_->SetUp(*link, true);
  if (result.ok()) result = work(**transport);

  // The NIC goes back as it was found, whatever happened above.
  std::vector<Status> restores = {links_->SetUp(*link, false)};
  if (!*ipv6_was_off) {
    restores.push_back(links_->SetIpv6Disabled(*link, false).status());
  }
  return EndHostExchange(std::move(result), restores, *link, "DHCP", journal_);
}

Result<Lease> DhcpSource::Acquire(const Link& link, milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  std::optional<ServerMessage> ack;
  const Status status =
      WhileUp(link, 0, kBroadcast, [&](PacketTransport& transport) {
        Status carrier = WaitUntilReady(transport, link, start + timeout);
        if (!carrier.ok()) {
          return Status(carrier.code(), "no DHCP answer for NIC " +
                                            NicLabel(link) + " within " +
                                            DurationText(timeout) + ": " +
                                            carrier.message());
        }
        Client client(&transport, SystemClock(), RandomXid, link.mac,
                      NicLabel(link), RandomJitter);
        Result<ServerMessage> answer = client.Acquire(timeout, start);
        if (!answer.ok()) return answer.status();
        ack = std::move(answer).value();
        return Status::Ok();
      });
  if (!status.ok()) return status;
  const Lease lease = LeaseFromAck(*ack, link.mac, clock_->Now());
  spdlog::info("DHCP: NIC {} got {} from {} for {} s in {} ms", NicLabel(link),
               lease.address, lease.server, lease.lease_seconds,
               std::chrono::duration_cast<milliseconds>(
                   SystemClock()->Monotonic() - start)
                   .count());
  return lease;
}

Result<LeaseRenewer::Renewal> DhcpSource::Renew(const std::string& netns_path,
                                                const Lease& lease,
                                                bool rebinding,
                                                milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  const std::optional<Ipv4> address = CidrAddress(lease.address);
  const std::optional<Ipv4> server = ParseIpv4(lease.server);
  if (!address || (!rebinding && !server)) {
    return Status::InvalidArgument(
        "cannot renew the lease of " + lease.mac.ToString() + ": address \"" +
        lease.address + "\" or server \"" + lease.server + "\" is not IPv4");
  }
  Result<std::unique_ptr<UdpTransport>> transport = UdpTransport::Open(
      netns_path, lease.mac, *address, rebinding ? kBroadcast : *server);
  if (!transport.ok()) return transport.status();
  Client client(transport->get(), SystemClock(), RandomXid, lease.mac,
                (*transport)->nic(), RandomJitter);
  Result<ServerMessage> answer =
      client.Renew(*address, rebinding ? 0 : *server, timeout, start);
  if (!answer.ok()) return answer.status();
  Renewal renewal;
  if (answer->type == MessageType::kNak) {
    renewal.answer = Answer::kNak;
    renewal.lease = lease;
    spdlog::info("DHCP: server refused to renew {} of NIC {}: \"{}\"",
                 lease.address, (*transport)->nic(), answer->message);
    return renewal;
  }
  renewal.lease = RenewedLease(*answer, lease, clock_->Now());
  return renewal;
}

Result<Lease> DhcpSource::Reacquire(const std::string& netns_path,
                                    const Lease& lease, bool ask_same_first,
                                    milliseconds timeout) {
  const MonoTime start = SystemClock()->Monotonic();
  Result<std::unique_ptr<PacketTransport>> transport =
      PacketTransport::OpenInNetns(netns_path, lease.mac);
  if (!transport.ok()) return transport.status();
  PacketTransport& conduit = **transport;
  HOSTNIC_RETURN_IF_ERROR(conduit.WaitForCarrier(start + timeout));
  Client client(&conduit, SystemClock(), RandomXid, lease.mac, conduit.nic(),
                RandomJitter);
  const std::optional<Ipv4> address = CidrAddress(lease.address);
  if (ask_same_first && address) {
    Result<ServerMessage> answer = client.Reboot(*address, timeout / 2, start);
    if (answer.ok() && answer->type == MessageType::kAck) {
      return RenewedLease(*answer, lease, clock_->Now());
    }
    if (answer.ok()) {
      spdlog::info("DHCP: server {} refused {} to NIC {} (\"{}\"); discovering",
                   Ipv4ToString(answer->server_id), lease.address,
                   conduit.nic(), answer->message);
    } else if (answer.status().code() != Code::kTimeout) {
      return answer.status();
    }
  }
  Result<ServerMessage> ack = client.Acquire(timeout, start);
  if (!ack.ok()) return ack.status();
  Lease regained = RenewedLease(*ack, lease, clock_->Now());
  spdlog::info("DHCP: NIC {} got {} from {} for {} s in {} ms", conduit.nic(),
               regained.address, regained.server, regained.lease_seconds,
               std::chrono::duration_cast<milliseconds>(
                   SystemClock()->Monotonic() - start)
                   .count());
  return regained;
}

Status DhcpSource::Release(const Link& link, const Lease& lease) {
  const std::optional<Ipv4> address = CidrAddress(lease.address);
  const std::optional<Ipv4> server = ParseIpv4(lease.server);
  if (!address || !server) {
    return Status::InvalidArgument(
        "cannot release the lease of NIC " + NicLabel(link) + ": address \"" +
        lease.address + "\" or server \"" + lease.server + "\" is not IPv4");
  }
  const MonoTime deadline = SystemClock()->Monotonic() + kReleaseTime;
  return WhileUp(link, *address, *server, [&](PacketTransport& transport) {
    HOSTNIC_RETURN_IF_ERROR(WaitUntilReady(transport, link, deadline));
    Client client(&transport, SystemClock(), RandomXid, link.mac,
                  NicLabel(link), RandomJitter);
    return client.Release(*address, *server);
  });
}

}  // namespace hostnic::dhcp
