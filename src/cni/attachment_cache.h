// AttachmentCache: the plugin's own copy of each attachment ADD set up, one
// file per attachment under the configuration's state directory (default
// /var/lib/cni/hostnic), so that DEL can bring the NIC home and release the
// IPAM lease while the daemon is down, and tell the daemon afterwards.
//
// A file is written (whole, by rename) when ADD succeeded and removed when
// DEL released the attachment through the daemon. A DEL done without the
// daemon turns the file into a debt: a release owed to the daemon, paid by
// the next plugin run that reaches it (PayDebts). Files are the daemon
// protocol's own encoding (cni/wire.h); an unreadable one counts as
// absent. Plugin runs share nothing but the files: each write is atomic.
#ifndef HOSTNIC_CNI_ATTACHMENT_CACHE_H_
#define HOSTNIC_CNI_ATTACHMENT_CACHE_H_

#include <optional>
#include <string>
#include <vector>

#include "cni/wire.h"
#include "hostnic/status.h"

namespace hostnic::cni {

class AttachmentCache {
 public:
  explicit AttachmentCache(std::string dir);

  // Keeps `attachment` as `key`'s copy (the directory is made if absent).
  Status Put(const wire::AttachmentKey& key,
             const wire::Attachment& attachment) const;
  // `key`'s copy, or nullopt.
  std::optional<wire::Attachment> Get(const wire::AttachmentKey& key) const;
  // Forgets `key`'s copy (nothing to do when there is none).
  void Remove(const wire::AttachmentKey& key) const;
  // Turns `key`'s copy, `attachment`, into a release owed to the daemon.
  Status Owe(const wire::AttachmentKey& key,
             const wire::Attachment& attachment) const;
  // Whether a DEL done without the daemon owes `key`'s release.
  bool Owes(const wire::AttachmentKey& key) const;
  // Calls `release` for every release owed and forgets those it returns
  // OK for; returns the number still owed.
  template <typename Release>
  size_t PayDebts(Release release) const {
    size_t left = 0;
    for (const auto& [path, attachment] : Debts()) {
      if (release(attachment).ok()) {
        Forget(path);
      } else {
        ++left;
      }
    }
    return left;
  }

 private:
  std::string PathOf(const wire::AttachmentKey& key) const;
  std::vector<std::pair<std::string, wire::Attachment>> Debts() const;
  Status Write(const std::string& path,
               const wire::Attachment& attachment) const;
  void Forget(const std::string& path) const;

  const std::string dir_;
};

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_ATTACHMENT_CACHE_H_
