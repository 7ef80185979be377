#include "cni/attachment_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errno_status.h"
#include "common/strings.h"

namespace hostnic::cni {

namespace fs = std::filesystem;

namespace {

constexpr char kDebtSuffix[] = ".release";

// One file name per key: letters, digits, '.' and '-' kept, everything else
// (the separator '_' too) as %XX, so that no two keys share a name.
std::string Escape(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

AttachmentCache::AttachmentCache(std::string dir) : dir_(std::move(dir)) {}

std::string AttachmentCache::PathOf(const wire::AttachmentKey& key) const {
  std::string name = Escape(key.network) + "_" + Escape(key.identity) + "_" +
                     Escape(key.container_id) + "_" + Escape(key.ifname);
  // Within NAME_MAX. Only names and IDs of hundreds of characters are cut;
  // two such keys alike in their first 200 would share a file.
  if (name.size() > 200) name = name.substr(0, 200);
  return dir_ + "/" + name + ".json";
}

Status AttachmentCache::Write(const std::string& path,
                              const wire::Attachment& attachment) const {
  const std::string doing = "keeping a copy of the attachment in " + path;
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) return Status::IoError(doing + ": " + error.message());
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  const std::string text = wire::Encode(attachment);
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoIoError(doing);
  // No fsync: a copy matters while the host stays up (a reboot ends every
  // namespace it names), and ADD is on every pod's start path.
  const bool written = ::write(fd, text.data(), text.size()) ==
                       static_cast<ssize_t>(text.size());
  const int err = errno;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int why = written ? errno : err;
    ::unlink(tmp.c_str());
    return ErrnoIoError(doing, why);
  }
  return Status::Ok();
}

Status AttachmentCache::Put(const wire::AttachmentKey& key,
                            const wire::Attachment& attachment) const {
  return Write(PathOf(key), attachment);
}

std::optional<wire::Attachment> AttachmentCache::Get(
    const wire::AttachmentKey& key) const {
  std::ifstream in(PathOf(key));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  Result<wire::Attachment> attachment = wire::DecodeAttachment(text.str());
  if (!attachment.ok()) return std::nullopt;
  return *attachment;
}

void AttachmentCache::Remove(const wire::AttachmentKey& key) const {
  Forget(PathOf(key));
}

void AttachmentCache::Forget(const std::string& path) const {
  ::unlink(path.c_str());
}

Status AttachmentCache::Owe(const wire::AttachmentKey& key,
                            const wire::Attachment& attachment) const {
  const std::string path = PathOf(key);
  HOSTNIC_RETURN_IF_ERROR(Write(path + kDebtSuffix, attachment));
  Forget(path);
  return Status::Ok();
}

bool AttachmentCache::Owes(const wire::AttachmentKey& key) const {
  return ::access((PathOf(key) + kDebtSuffix).c_str(), F_OK) == 0;
}

std::vector<std::pair<std::string, wire::Attachment>> AttachmentCache::Debts()
    const {
  std::vector<std::pair<std::string, wire::Attachment>> out;
  std::error_code error;
  for (fs::directory_iterator it(dir_, error), end; !error && it != end;
       it.increment(error)) {
    const std::string path = it->path().string();
    if (!EndsWith(path, kDebtSuffix)) continue;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    Result<wire::Attachment> attachment = wire::DecodeAttachment(text.str());
    if (attachment.ok()) out.emplace_back(path, *attachment);
  }
  return out;
}

}  // namespace hostnic::cni
