// NicTable: the one owner of "who holds which NIC" -- networks, the endpoints
// that hold NICs, NICs owed a restore, and endpoint records whose removal
// from the store is pending. Plain in-memory state: it never touches the
// store, netlink or hooks; the Driver does those and then records the outcome
// here.
//
// Invariants (Violations() lists any that are broken; every mutator keeps
// them and refuses, changing nothing, what would break them):
//  1. Each NIC (MAC) has at most one holder, an endpoint that records it.
//  2. Each endpoint's NIC has a holder. Two endpoints recording one NIC only
//     come from a damaged state directory (AddRecovered): the first is the
//     holder and the other takes over when it is released.
//  3. A NIC is never both held and owed a restore.
//  4. An endpoint added by Hold belongs to a known network; one recovered
//     from the store may not (AddRecovered reports it), and a network is
//     only removed once no endpoint belongs to it.
//  5. "In its sandbox" marks endpoints that joined (and may have left
//     since, across a restart); "metadata routes pending" marks joined
//     endpoints. Both are forgotten at every Join, Leave and release.
//  6. No pending removal names a live endpoint.
//
// Not thread-safe: the Driver guards it with its mutex.
#ifndef HOSTNIC_DRIVER_NIC_TABLE_H_
#define HOSTNIC_DRIVER_NIC_TABLE_H_

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

class NicTable {
 public:
  // ---- Networks.
  // Null when unknown.
  const NetworkRecord* Network(const std::string& id) const;
  // Adds or replaces a network.
  void PutNetwork(const NetworkRecord& network);
  // kFailedPrecondition while an endpoint belongs to it (release them first).
  Status RemoveNetwork(const std::string& id);
  size_t network_count() const { return networks_.size(); }

  // ---- Endpoints and the NICs they hold.
  // Null when unknown.
  const EndpointRecord* Endpoint(const std::string& id) const;
  // The endpoint holding the NIC, or null when it is free.
  const EndpointRecord* HolderOf(const Mac& mac) const;
  std::vector<EndpointRecord> EndpointsOf(const std::string& network_id) const;
  const std::unordered_map<std::string, EndpointRecord>& endpoints() const {
    return endpoints_;
  }

  // Records that a new endpoint holds its NIC. Refused (kFailedPrecondition)
  // when its network is unknown, its ID is in use or the NIC is held. A
  // restore owed to the NIC is taken over: the endpoint's `original` must
  // carry it (see Orphan). A pending removal of the same ID is dropped (the
  // caller has just written the new record).
  Status Hold(const EndpointRecord& endpoint);
  // Replaces a known endpoint's record; its network and NIC cannot change.
  // A Join or Leave (`joined` changes) forgets the in-sandbox and
  // metadata-pending marks: the NIC starts a new trip.
  Status Update(const EndpointRecord& endpoint);
  // Forgets the endpoint and frees its NIC, unless another recovered record
  // of the NIC takes it over (invariant 2). `owed_restore`: the NIC is away
  // and must be put back to the endpoint's `original` when it returns (see
  // Orphan). `record_removed`: false keeps the ID as a pending removal.
  // Returns whether the NIC is free now (false also for an unknown ID).
  bool Release(const std::string& endpoint_id, bool owed_restore,
               bool record_removed);
  // Takes in an endpoint loaded from the store at start. Returns one sentence
  // per problem found (its NIC recorded by another endpoint too, its network
  // unknown); the endpoint is kept either way.
  std::vector<std::string> AddRecovered(const EndpointRecord& endpoint);

  // ---- A joined endpoint whose NIC was seen leaving the host (moved into
  // its sandbox), or one found away at start: when the NIC comes back, the
  // sandbox is being torn down. Ignored unless the endpoint is joined or
  // has left.
  void MarkInSandbox(const std::string& endpoint_id);
  // Whether the mark was set; clears it.
  bool TakeInSandbox(const std::string& endpoint_id);
  // ---- A joined endpoint whose metadata routes wait for its sandbox.
  // Ignored unless the endpoint is joined.
  void MarkMetadataPending(const std::string& endpoint_id);
  // Whether the mark was set; clears it.
  bool TakeMetadataPending(const std::string& endpoint_id);

  // ---- NICs released while away, owed a restore to `original`.
  // Null when nothing is owed.
  const OrphanRecord* Orphan(const Mac& mac) const;
  // Refused (kFailedPrecondition) while the NIC is held.
  Status PutOrphan(const OrphanRecord& orphan);
  // Whether one was owed.
  bool RemoveOrphan(const Mac& mac);
  size_t orphan_count() const { return orphans_.size(); }

  // ---- Released endpoints whose record the store failed to remove.
  const std::unordered_set<std::string>& pending_removals() const {
    return pending_removals_;
  }
  // A record of an endpoint the table does not hold (a stale one found at
  // start) that the store failed to remove.
  void RemovalFailed(const std::string& endpoint_id);
  void RemovalDone(const std::string& endpoint_id);

  // Every broken invariant, one sentence each; empty when the table is sound.
  std::vector<std::string> Violations() const;

 private:
  std::unordered_map<std::string, NetworkRecord> networks_;
  std::unordered_map<std::string, EndpointRecord> endpoints_;
  std::unordered_map<Mac, std::string> holders_;  // NIC -> endpoint ID.
  std::unordered_map<Mac, OrphanRecord> orphans_;
  std::unordered_set<std::string> pending_removals_;
  std::unordered_set<std::string> in_sandbox_;
  std::unordered_set<std::string> metadata_pending_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_NIC_TABLE_H_
