// dhcp_bench: times fresh DHCP exchanges on one NIC of the caller's
// namespace, which must be down: DHCPv4 (4: DhcpSource::Acquire, the NIC
// brought up with IPv6 off, DISCOVER/OFFER/REQUEST/ACK, the NIC put back) or
// DHCPv6 (6: Dhcp6Source::Acquire, the NIC brought up with IPv6 on,
// SOLICIT/ADVERTISE/REQUEST/REPLY or a Rapid Commit REPLY, the NIC put
// back). Run by bench/dhcp4_exchange.sh and bench/dhcp6_exchange.sh inside a
// namespace of their own.
//
//   dhcp_bench 4|6 IFNAME MAC RUNS [PAUSE_MS]
//
// Prints one line per run ("run N: M ms") and then "p50 X ms, p99 Y ms".
// PAUSE_MS (default 0) between runs: the kernel reports a NIC's carrier
// changes at most once a second (linkwatch), so a NIC brought down and up
// again within a second waits for its link-local address until then -- what
// a container started on a NIC that just flapped sees, not a fresh one.
#include <net/if.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "dhcp/dhcp_source.h"
#include "dhcp6/dhcp6_source.h"
#include "netlink/link_control.h"

int main(int argc, char** argv) {
  using namespace hostnic;  // NOLINT: a benchmark's main.
  const std::string family = argc > 1 ? argv[1] : "";
  if ((argc != 5 && argc != 6) || (family != "4" && family != "6")) {
    std::fprintf(stderr, "usage: %s 4|6 IFNAME MAC RUNS [PAUSE_MS]\n", argv[0]);
    return 2;
  }
  Link link;
  link.name = argv[2];
  link.ifindex = static_cast<int>(if_nametoindex(argv[2]));
  const std::optional<Mac> mac = Mac::Parse(argv[3]);
  const int runs = std::atoi(argv[4]);
  const int pause_ms = argc == 6 ? std::atoi(argv[5]) : 0;
  if (link.ifindex == 0 || !mac || runs < 1) {
    std::fprintf(stderr, "%s: no NIC %s, a bad MAC or a bad count\n", argv[0],
                 argv[2]);
    return 2;
  }
  link.mac = *mac;
  NetlinkLinkControl links;
  dhcp::DhcpSource source4(&links, SystemClock());
  dhcp6::Dhcp6Source source6(&links, SystemClock());
  AddressSource& source =
      family == "4" ? static_cast<AddressSource&>(source4) : source6;
  std::vector<double> ms;
  for (int run = 1; run <= runs; ++run) {
    if (run > 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
    const auto start = std::chrono::steady_clock::now();
    Result<Lease> lease = source.Acquire(link, std::chrono::seconds(10));
    const double took = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    if (!lease.ok()) {
      std::fprintf(stderr, "run %d: %s\n", run,
                   lease.status().message().c_str());
      return 1;
    }
    std::printf("run %d: %.1f ms (%s)\n", run, took, lease->address.c_str());
    ms.push_back(took);
  }
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  std::printf("p50 %.1f ms, p99 %.1f ms over %zu runs\n", at(0.5), at(0.99),
              ms.size());
  return 0;
}
