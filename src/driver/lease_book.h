// LeaseBook: the one owner of the NICs' own-address leases (as the store
// has them) and of what the lease keeper made of each: bound, renewing,
// rebinding, lost. Plain in-memory state, like NicTable: it never touches
// the store, a socket or a sandbox; the Driver does those and then records
// the outcome here. It holds the lease rules that need no I/O: which lease a
// new endpoint may reuse, which leases are due for what, and when a lease
// whose renewal got no answer, or a lost one, is tried again.
//
// Its times are on the monotonic clock: each lease is filed with the
// monotonic time it was obtained, and T1, T2, expiry and every retry are
// counted from there, so setting the wall clock (NTP, a VM resumed) neither
// expires nor extends a lease. The lease's wall-clock `acquired` is only
// what the store keeps across restarts; ObtainedAt converts it once, when
// the store's leases are loaded.
//
// A lost lease (expired unanswered, NAKed) stays in the book, marked
// Lease::lost, until a server gives the NIC an address again: it says which
// address to ask for first, and the store keeps it across restarts.
//
// The Driver keeps two books: the NICs' IPv4 leases and their IPv6 ones
// (Lease::Ipv6); the rules are the same.
//
// Invariants (Violations() lists any that are broken; every mutator keeps
// them and refuses, changing nothing, what would break them):
//  1. Each lease is filed under its own NIC's MAC, names the network that
//     obtained it, and comes from "dhcp", "hook", "dhcp6" or "slaac".
//  2. Its address is an IPv4 CIDR (IPv6 for dhcp6 and slaac).
//  3. A hook's or SLAAC lease never expires and is never lost; a DHCP(v6)
//     lease that expires has t1 <= t2 <= lease_seconds.
//  4. Only a NIC with a lease has a state. It is "renewing" or "rebinding"
//     only while its lease expires and is not lost, with a next try no later
//     than the lease's expiry; it is "lost" exactly when its lease is (a
//     lost lease loaded at start has no state yet: it is due at once).
//  5. Each lease has the monotonic time it was obtained, and only a lease.
//
// Not thread-safe: the Driver guards it with its mutex.
#ifndef HOSTNIC_DRIVER_LEASE_BOOK_H_
#define HOSTNIC_DRIVER_LEASE_BOOK_H_

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hostnic/address.h"
#include "hostnic/clock.h"
#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/requests.h"
#include "hostnic/status.h"

namespace hostnic {

class NicTable;

// What the keeper must do with a lease now.
enum class LeaseAction {
  kRenew,      // Past T1: ask its server (unicast).
  kRebind,     // Past T2: ask any server (broadcast).
  kExpire,     // Past expiry after unanswered renewals: it is lost.
  kAskFirst,   // Past expiry with no try in this run (found so at start):
               // ask for it again before deciding.
  kReacquire,  // Lost: ask for an address again.
};
// A lease the keeper must act on now, in its joined endpoint's sandbox.
struct LeaseDue {
  Lease lease;
  std::string sandbox_key;
  LeaseAction action = LeaseAction::kRenew;
  bool ask_same_first = true;  // kReacquire: INIT-REBOOT before DISCOVER.
  // The network's DHCP timeout (kReacquire: at most kLostRetry).
  std::chrono::milliseconds timeout{0};
};

class LeaseBook {
 public:
  // A renewal that got no answer is tried again after half the time left
  // until T2 (then expiry), as RFC 2131 4.4.5 suggests, but not sooner than
  // this.
  static constexpr std::chrono::seconds kMinRetry{10};
  // A lost lease's NIC asks again this long after its last try ended; a try
  // lasts the network's DHCP timeout but at most this long too, so a lost
  // NIC asks at least every 30 s.
  static constexpr std::chrono::seconds kLostRetry{15};

  // Null when the NIC has no lease.
  const Lease* Find(const Mac& mac) const;
  // The lease `endpoint` uses (its NIC's, of its network, with its address,
  // or IPv6 address for an IPv6 lease), or null.
  const Lease* LeaseOf(const EndpointRecord& endpoint) const;
  // The DHCP(v6) lease of `network_id` that a new endpoint on `mac` may take
  // at `now` without asking the server: one not lost that never expires or
  // is before its T1.
  std::optional<Lease> Reusable(const Mac& mac, const std::string& network_id,
                                MonoTime now) const;
  size_t size() const { return leases_.size(); }

  // kInvalidArgument, saying why, when `lease` breaks invariants 1-3 (a
  // source's or a server's answer, a damaged store).
  static Status Check(const Lease& lease);
  // The monotonic time a lease loaded from the store was obtained, from its
  // wall-clock `acquired` and the clocks' readings `wall_now`, `mono_now`:
  // a lease acquired "later" than now (the wall clock was set back) counts
  // as obtained now, and a persisted expiry already past stays past.
  static MonoTime ObtainedAt(const Lease& lease, UnixSeconds wall_now,
                             MonoTime mono_now);
  // Records a lease obtained (just now, renewed, or loaded from the store:
  // see ObtainedAt) at monotonic time `obtained`; the NIC counts as bound
  // (lost, if the lease is, with no state yet). Refused as Check says,
  // changing nothing.
  [[nodiscard]] Status Put(const Lease& lease, MonoTime obtained);
  // As Put for the lease that replaced `old` after it was lost or moved;
  // `note` is shown as its state ("bound (re-acquired ...)") until the next
  // renewal. Returns false, changing nothing, when `old` is no longer the
  // NIC's lease or `lease` is refused.
  bool Regained(const Lease& old, const Lease& lease, MonoTime obtained,
                const std::string& note);
  // Forgets the NIC's lease without a trace (released with its network).
  void Forget(const Mac& mac);

  // Marks `lease` lost for reason `why`; the NIC asks again from
  // `retry_at`, first for the same address when `ask_same_first`. Returns
  // the lost lease (to be saved), or nullopt, changing nothing, when `lease`
  // is no longer the NIC's lease.
  std::optional<Lease> Lose(const Lease& lease, const std::string& why,
                            MonoTime retry_at, bool ask_same_first);
  // Notes that renewing (or, `rebinding`, rebinding) `lease` at `now` got no
  // answer, for reason `why`, and returns when to try again. nullopt,
  // changing nothing, when `lease` is no longer the NIC's lease.
  std::optional<MonoTime> NoAnswer(const Lease& lease, bool rebinding,
                                   MonoTime now, const std::string& why);
  // Notes that asking again for lost `lease` failed at `now` for reason
  // `why`; returns when to try again (kLostRetry on), or nullopt when
  // `lease` is no longer the NIC's lost lease.
  std::optional<MonoTime> StillLost(const Lease& lease, MonoTime now,
                                    const std::string& why);

  // The leases of joined endpoints (as `table` has them) that are due at
  // `now`; lowers `*next` to the time the next one that is not falls due.
  std::vector<LeaseDue> DueAt(MonoTime now, const NicTable& table,
                              MonoTime* next) const;
  // The leases of `network_id` whose NIC nobody holds in `table`: those a
  // network's deletion releases.
  std::vector<Lease> Unheld(const std::string& network_id,
                            const NicTable& table) const;

  // Fills in `row`'s lease and lease state (lease6 and lease6_state for an
  // IPv6 lease), as status shows them when the clocks read `wall_now` and
  // `mono_now`: the lease's `acquired` is given on today's wall clock
  // (mono_now - obtained before wall_now), so that its times stay right
  // after the wall clock was set.
  void Report(NicReport* row, UnixSeconds wall_now, MonoTime mono_now) const;

  // Every broken invariant, one sentence each; empty when the book is sound.
  std::vector<std::string> Violations() const;

 private:
  enum class Phase { kBound, kRenewing, kRebinding, kLost };
  // What the keeper made of a NIC's lease (see NicReport) and when it tries
  // again.
  struct Keeping {
    Phase phase = Phase::kBound;
    std::string state;  // As status shows it; empty: "bound".
    MonoTime retry_at{};
    bool ask_same_first = true;  // kLost: ask for the same address first.
  };
  // Whether `lease` is the NIC's lease now.
  bool Current(const Lease& lease) const;
  // When the NIC's lease reaches `seconds` (T1, T2, its lease time).
  MonoTime At(const Mac& mac, uint32_t seconds) const;

  std::unordered_map<Mac, Lease> leases_;
  std::unordered_map<Mac, MonoTime> obtained_;  // Keys: those of leases_.
  std::unordered_map<Mac, Keeping> keeping_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_LEASE_BOOK_H_
