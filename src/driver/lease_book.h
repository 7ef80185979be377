// LeaseBook: the one owner of the NICs' own-address leases (as the store
// has them) and of what the lease keeper made of each: bound, renewing,
// rebinding, lost. Plain in-memory state, like NicTable: it never touches
// the store, a socket or a sandbox; the Driver does those and then records
// the outcome here. It holds the lease rules that need no I/O: which lease a
// new endpoint may reuse, which leases are due for work, and when a lease
// whose renewal got no answer is tried again.
//
// Invariants (Violations() lists any that are broken; every mutator keeps
// them and refuses, changing nothing, what would break them):
//  1. Each lease is filed under its own NIC's MAC, names the network that
//     obtained it, and comes from "dhcp" or "hook".
//  2. Its address is an IPv4 CIDR.
//  3. A hook's lease never expires; a DHCP lease that expires has
//     t1 <= t2 <= lease_seconds.
//  4. A NIC is "renewing" or "rebinding" only while it has a lease that
//     expires, and its next try is no later than that lease's expiry.
//  5. A NIC without a lease has a state only when its lease was lost
//     ("lost: <why>"), and then no next try.
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
#include "hostnic/driver.h"
#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

class NicTable;

class LeaseBook {
 public:
  // A renewal that got no answer is tried again after half the time left
  // until T2 (then expiry), as RFC 2131 4.4.5 suggests, but not sooner than
  // this.
  static constexpr UnixSeconds kMinRetrySeconds = 10;

  // Null when the NIC has no lease.
  const Lease* Find(const Mac& mac) const;
  // The lease `endpoint` uses (its NIC's, of its network, with its address),
  // or null.
  const Lease* LeaseOf(const EndpointRecord& endpoint) const;
  // The DHCP lease of `network_id` that a new endpoint on `mac` may take at
  // `now` without asking the server: one that never expires or is before
  // its T1.
  std::optional<Lease> Reusable(const Mac& mac, const std::string& network_id,
                                UnixSeconds now) const;
  size_t size() const { return leases_.size(); }

  // kInvalidArgument, saying why, when `lease` breaks invariants 1-3 (a
  // source's or a server's answer, a damaged store).
  static Status Check(const Lease& lease);
  // Records a lease just obtained, renewed or loaded from the store; the NIC
  // counts as bound. Refused as Check says, changing nothing.
  [[nodiscard]] Status Put(const Lease& lease);
  // Forgets the NIC's lease without a trace (released with its network).
  void Forget(const Mac& mac);
  // Forgets `lease`, lost for reason `why` (kept for status). Returns false,
  // changing nothing, when `lease` is no longer the NIC's lease.
  bool Lose(const Lease& lease, const std::string& why);
  // Notes that renewing (or, `rebinding`, rebinding) `lease` at `now` got no
  // answer, for reason `why`, and returns when to try again. nullopt,
  // changing nothing, when `lease` is no longer the NIC's lease.
  std::optional<UnixSeconds> NoAnswer(const Lease& lease, bool rebinding,
                                      UnixSeconds now, const std::string& why);

  // A lease the keeper must act on now, in its joined endpoint's sandbox.
  struct Due {
    Lease lease;
    std::string sandbox_key;
    bool rebinding = false;  // Past T2: ask any server (broadcast).
    bool expired = false;    // Past expiry: the lease is lost.
    std::chrono::milliseconds timeout{0};  // The network's DHCP timeout.
  };
  // The leases of joined endpoints (as `table` has them) that are due at
  // `now`; lowers `*next` to the time the next one that is not falls due.
  std::vector<Due> DueAt(UnixSeconds now, const NicTable& table,
                         UnixSeconds* next) const;
  // The leases of `network_id` whose NIC nobody holds in `table`: those a
  // network's deletion releases.
  std::vector<Lease> Unheld(const std::string& network_id,
                            const NicTable& table) const;

  // Fills in `row`'s lease and lease state, as status shows them at `now`.
  void Report(NicReport* row, UnixSeconds now) const;

  // Every broken invariant, one sentence each; empty when the book is sound.
  std::vector<std::string> Violations() const;

 private:
  // What the keeper made of a NIC's lease beyond "bound" (see NicReport),
  // and when it tries again after a renewal got no answer.
  struct Keeping {
    std::string state;
    UnixSeconds retry_at = 0;
  };

  std::unordered_map<Mac, Lease> leases_;
  std::unordered_map<Mac, Keeping> keeping_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_LEASE_BOOK_H_
