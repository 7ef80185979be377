// Store: durable state. Every Put/Remove is atomic and durable when it
// returns OK (write to a temporary file, fsync, rename, fsync the directory),
// so a crash at any point leaves either the old or the new record.
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
  // IDs must already be validated (see IsValidId in hostnic/driver.h).
  virtual Status PutNetwork(const NetworkRecord& network) = 0;
  virtual Status RemoveNetwork(const std::string& id) = 0;
  virtual Status PutEndpoint(const EndpointRecord& endpoint) = 0;
  virtual Status RemoveEndpoint(const std::string& id) = 0;
  virtual Status PutOrphan(const OrphanRecord& orphan) = 0;
  virtual Status RemoveOrphan(const Mac& mac) = 0;
  // One lease per NIC (by MAC); a Put replaces the NIC's previous lease.
  virtual Status PutLease(const Lease& lease) = 0;
  virtual Status RemoveLease(const Mac& mac) = 0;
  // Reads everything. Fails only when the state directory itself is
  // unusable; unreadable records are reported in Snapshot::problems.
  virtual Result<Snapshot> Load() = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_STORE_H_
