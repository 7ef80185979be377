// FileStore: the Store on disk, one JSON file per record under a state
// directory:
//
//   <dir>/networks/<network id>.json
//   <dir>/endpoints/<endpoint id>.json
//   <dir>/orphans/<mac with '-' for ':'>.json
//   <dir>/leases/<mac with '-' for ':'>.json         (IPv4)
//   <dir>/leases/<mac with '-' for ':'>-ipv6.json    (IPv6)
//
// Every change is atomic: the record is written to a temporary file (".tmp-"
// prefix) in the same directory and renamed over the old one (or exchanged
// with it, the temporary file then removed; see Write), so whoever
// reads the directory -- including hostnic after kill -9 at any point --
// finds either the old or the new record, never part of one. Load removes
// temporary files left by an interrupted write and moves any record it
// cannot read aside to "<file>.corrupt" (or "<file>.corrupt.N"), reporting
// it in Snapshot::problems.
//
// What must also survive a power cut or kernel crash is decided per kind of
// record (see Durability). A record outlives a crash of hostnic alone
// without any fsync: the kernel's page cache holds it. fsync only matters
// when the kernel itself goes, and then so does every piece of runtime state
// a record could describe -- NICs are back on the host under their boot-time
// names and settings, containers' namespaces are gone, sandboxes are to be
// made again. So:
//
//   networks   survive a reboot (fsync the file, rename, fsync the
//              directory). Docker creates a network once and never sends
//              CreateNetwork again, even after a reboot; a lost record would
//              break the network for good. Rare, so the ~2-8 ms are free.
//              Removing a network first syncs the endpoint and lease
//              directories, so a reboot never finds endpoints (their NICs
//              would stay held with no one to free them) or leases of a
//              network whose removal survived.
//   endpoints  survive hostnic's death only. After a reboot every endpoint
//              describes a container that no longer runs; Recover() and
//              Docker's own clean-up (Leave/DeleteEndpoint, which succeed for
//              an endpoint hostnic does not know) reconcile a record that is
//              lost, older than the last change, or empty (its data never
//              reached the disk) and so moved aside as unreadable.
//   orphans    survive hostnic's death only. An orphan is a restore owed to
//              a NIC that is away (name, MTU, up); a reboot gives the NIC its
//              boot-time settings, which is all the restore would give back.
//              A stale orphan that survives does what it did before: the NIC
//              is put back to its recorded state when it shows.
//   leases     survive hostnic's death only. A stored DHCP lease is only a
//              shortcut: it is reused before T1 and otherwise asked for
//              again. A lease lost in a power cut costs one fresh DHCP
//              exchange (the server knows the NIC by its MAC); a renewal
//              lost leaves the older lease, which reaches T1 sooner (asks
//              again sooner, never later); a removal lost leaves a lease
//              that was lost at renewal time, so past T1 and never reused
//              (leases released with their network are synced, above).
//
// That keeps fsync off every call of an endpoint's life (CreateEndpoint,
// Join, Leave, DeleteEndpoint, lease renewals), so the state directory on a
// disk costs about what it costs on tmpfs (docs/benchmarks.md).
//
// Thread-safe. Load excludes writes (it removes temporary files).
#ifndef HOSTNIC_STORE_FILE_STORE_H_
#define HOSTNIC_STORE_FILE_STORE_H_

#include <memory>
#include <shared_mutex>
#include <string>

#include "hostnic/store.h"

namespace hostnic {

class FileStore : public Store {
 public:
  // Creates `dir` (mode 0700, parents as needed) and its subdirectories when
  // missing. Fails with kIoError when they cannot be created.
  static Result<std::unique_ptr<FileStore>> Open(const std::string& dir);

  // Put and Remove refuse IDs that fail IsValidId with kInvalidArgument, and
  // PutEndpoint an endpoint whose network_id fails it.
  // Removing a record that does not exist is OK.
  Status PutNetwork(const NetworkRecord& network) override;
  Status RemoveNetwork(const std::string& id) override;
  Status PutEndpoint(const EndpointRecord& endpoint) override;
  Status RemoveEndpoint(const std::string& id) override;
  Status PutOrphan(const OrphanRecord& orphan) override;
  Status RemoveOrphan(const Mac& mac) override;
  Status PutLease(const Lease& lease) override;
  Status RemoveLease(const Mac& mac) override;
  Status RemoveLease6(const Mac& mac) override;
  Result<Snapshot> Load() override;

 private:
  // What a change must survive once it returns OK.
  enum class Durability {
    kCrash,   // hostnic's death (kill -9): rename, no fsync.
    kReboot,  // A power cut or kernel crash too: fsync file and directory.
  };

  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}

  // What changes to the records in `subdir` must survive: networks a
  // reboot, the others hostnic's death.
  static Durability DurabilityOf(const char* subdir);

  // Atomically replaces `<dir_>/<subdir>/<name>.json` with `record` as
  // JSON. Errors begin "saving `what`: ".
  template <typename Record>
  Status Save(const char* subdir, const std::string& name, const Record& record,
              const std::string& what);
  Status Write(const char* subdir, const std::string& name,
               const std::string& contents, Durability durability);
  // Removes `<dir_>/<subdir>/<name>.json`, if there. Errors begin
  // "forgetting `what`: ".
  Status Erase(const char* subdir, const std::string& name,
               const std::string& what);

  const std::string dir_;
  std::shared_mutex mu_;  // Shared by writes, exclusive for Load.
};

}  // namespace hostnic

#endif  // HOSTNIC_STORE_FILE_STORE_H_
