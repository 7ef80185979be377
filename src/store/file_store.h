// FileStore: the Store on disk, one JSON file per record under a state
// directory:
//
//   <dir>/networks/<network id>.json
//   <dir>/endpoints/<endpoint id>.json
//   <dir>/orphans/<mac with '-' for ':'>.json
//   <dir>/leases/<mac with '-' for ':'>.json
//
// Writes go to a temporary file (".tmp-" prefix) in the same directory, are
// fsynced, renamed over the record and the directory is fsynced, so a crash
// leaves either the old or the new record. Load removes temporary files left
// by an interrupted write and moves any record it cannot read aside to
// "<file>.corrupt" (or "<file>.corrupt.N"), reporting it in
// Snapshot::problems.
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

  // Put and Remove refuse IDs that fail IsValidId with kInvalidArgument.
  // Removing a record that does not exist is OK.
  Status PutNetwork(const NetworkRecord& network) override;
  Status RemoveNetwork(const std::string& id) override;
  Status PutEndpoint(const EndpointRecord& endpoint) override;
  Status RemoveEndpoint(const std::string& id) override;
  Status PutOrphan(const OrphanRecord& orphan) override;
  Status RemoveOrphan(const Mac& mac) override;
  Status PutLease(const Lease& lease) override;
  Status RemoveLease(const Mac& mac) override;
  Result<Snapshot> Load() override;

 private:
  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}

  // Atomically replaces `<dir_>/<subdir>/<name>.json` with `contents`.
  Status Write(const char* subdir, const std::string& name,
               const std::string& contents);
  Status Erase(const char* subdir, const std::string& name);

  const std::string dir_;
  std::shared_mutex mu_;  // Shared by writes, exclusive for Load.
};

}  // namespace hostnic

#endif  // HOSTNIC_STORE_FILE_STORE_H_
