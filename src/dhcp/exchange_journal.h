// ExchangeJournal: what a DHCP or DHCPv6 exchange on a host NIC changed,
// kept on disk while the exchange runs, so that a hostnic killed during it
// (kill -9, a crash) does not leave the NIC up with IPv6 settings not its
// own: the next hostnic puts such NICs back with RestoreInterrupted before it
// does anything else. DhcpSource and Dhcp6Source share one.
//
// One file per NIC in the journal's directory, named by the NIC's MAC,
// replaced whole by each Note (a temporary file renamed over it, so a kill
// while noting leaves the previous note or the new one) and removed by
// Forget once the NIC is back as it was.
//
// Thread-safe: exchanges on different NICs note at once (the caller holds
// each NIC).
//
// Also here, the first and last steps of both sources' exchanges on a host
// NIC: DownHostNic and EndHostExchange.
#ifndef HOSTNIC_DHCP_EXCHANGE_JOURNAL_H_
#define HOSTNIC_DHCP_EXCHANGE_JOURNAL_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hostnic/link.h"
#include "hostnic/status.h"

namespace hostnic::dhcp {

// Where the kernel keeps the per-NIC IPv6 settings.
inline constexpr char kIpv6Conf[] = "/proc/sys/net/ipv6/conf";

// The per-NIC setting `name` of the NIC named `nic` (ROOT/NIC/NAME).
[[nodiscard]] Result<std::string> ReadNicSetting(const std::string& root,
                                                 const std::string& nic,
                                                 const std::string& name);
[[nodiscard]] Status WriteNicSetting(const std::string& root,
                                     const std::string& nic,
                                     const std::string& name,
                                     const std::string& value);

class ExchangeJournal {
 public:
  // What a NIC is put back to: down, its disable_ipv6 as it was (when
  // known), and its per-NIC IPv6 settings (names under ROOT/NIC/) with
  // the values they had, put back last first.
  struct Found {
    std::optional<bool> ipv6_off;
    std::vector<std::pair<std::string, std::string>> settings;
  };

  // `links` must outlive it. `dir` (created when missing) holds the notes;
  // empty: nothing is noted or restored. `sysctl_root` is where the per-NIC
  // IPv6 settings live (kIpv6Conf).
  ExchangeJournal(LinkControl* links, std::string dir,
                  std::string sysctl_root = kIpv6Conf);

  // Notes that `mac`'s NIC must be put back to `found` if this hostnic
  // does not Forget it. A note that cannot be written is logged: the
  // exchange goes on unprotected.
  void Note(const Mac& mac, const Found& found);
  // The NIC with `mac` is back as it was.
  void Forget(const Mac& mac);

  // Puts back the NICs noted and never forgotten (an earlier hostnic was
  // killed), then forgets them; `find` looks a host NIC up by MAC (a NIC no
  // longer on the host is skipped). Returns one line per NIC put back or
  // that could not be, for the log.
  std::vector<std::string> RestoreInterrupted(
      const std::function<std::optional<Link>(const Mac&)>& find);

 private:
  std::string PathOf(const Mac& mac) const;

  LinkControl* links_;
  const std::string dir_;
  const std::string sysctl_root_;
};

// `requested` as it is now (LinkControl::Refresh), when it is down:
// hostnic asks `protocol` ("DHCP", "DHCPv6") only on a NIC of the host that
// is down. kFailedPrecondition when it is up; Refresh's errors.
[[nodiscard]] Result<Link> DownHostNic(LinkControl* links,
                                       const Link& requested,
                                       const char* protocol);

// What an exchange on the host NIC `link` returns once the NIC has been put
// back: `result`, the exchange's own, unless that is OK and a step of
// putting the NIC back (`restores`) failed; then the first such failure, as
// "putting NIC eth1 (52:54:...) back after `protocol`: ...". Failures not
// returned are logged as warnings. `journal` (when not null) forgets the NIC
// once every step worked.
[[nodiscard]] Status EndHostExchange(Status result,
                                     const std::vector<Status>& restores,
                                     const Link& link, const char* protocol,
                                     ExchangeJournal* journal);

}  // namespace hostnic::dhcp

#endif  // HOSTNIC_DHCP_EXCHANGE_JOURNAL_H_
