// Store: hostnic's state. Every Put/Remove is atomic: a crash at any point
// leaves either the old or the new record. When it returns OK, the change
// survives hostnic's death (kill -9). Networks and their removal also
// survive a power cut or kernel crash (Docker never sends CreateNetwork
// again); endpoints, orphans and leases need not: after a reboot they
// describe containers and NIC settings that are gone, and a record that is
// lost or older than its last change is reconciled at start (Recover) or,
// for a lease, costs a fresh DHCP exchange. src/store/file_store.h gives the
// reasoning per record kind.
#ifndef HOSTNIC_STORE_H_
#define HOSTNIC_STORE_H_

#include <string>
#include <vector>

#include "hostnic/address.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic {

struct Snapshot {
  std::vector<NetworkRecord> networks;
  std::vector<EndpointRecord> endpoints;
  std::vector<OrphanRecord> orphans;
  std::vector<Lease> leases;
  // One sentence per record that could not be read. The file was moved
  // aside (renamed with a ".corrupt" suffix), never deleted.
  std::vector<std::string> problems;
};

class Store {
 public:
  virtual ~Store() = default;
  // IDs must already be validated (see IsValidId in hostnic/ids.h).
  virtual Status PutNetwork(const NetworkRecord& network) = 0;
  virtual Status RemoveNetwork(const std::string& id) = 0;
  virtual Status PutEndpoint(const EndpointRecord& endpoint) = 0;
  virtual Status RemoveEndpoint(const std::string& id) = 0;
  virtual Status PutOrphan(const OrphanRecord& orphan) = 0;
  virtual Status RemoveOrphan(const Mac& mac) = 0;
  // One lease per NIC (by MAC) and family (Lease::Ipv6); a Put replaces
  // the NIC's previous lease of that family.
  virtual Status PutLease(const Lease& lease) = 0;
  virtual Status RemoveLease(const Mac& mac) = 0;   // The IPv4 lease.
  virtual Status RemoveLease6(const Mac& mac) = 0;  // The IPv6 lease.
  // Reads everything. Fails only when the state directory itself is
  // unusable; unreadable records are reported in Snapshot::problems.
  virtual Result<Snapshot> Load() = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_STORE_H_
