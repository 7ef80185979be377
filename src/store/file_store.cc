#include "store/file_store.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/errno_status.h"
#include "common/strings.h"
#include "hostnic/ids.h"
#include "store/record_json.h"

namespace hostnic {

namespace {

using nlohmann::json;

constexpr char kNetworks[] = "networks";
constexpr char kEndpoints[] = "endpoints";
constexpr char kOrphans[] = "orphans";
constexpr char kLeases[] = "leases";
constexpr char kSuffix[] = ".json";
constexpr char kTempPrefix[] = ".tmp-";

using record_json::Decode;
using record_json::Encode;
using record_json::FileName;
using record_json::MacName;

// ---- Files ----

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoIoError("writing " + path);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> ReadAll(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoIoError("opening " + path);
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      Status error = ErrnoIoError("reading " + path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// Makes renames and unlinks in `dir` durable.
Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoIoError("opening directory " + dir + " to sync it");
  Status status;
  if (::fsync(fd) != 0) status = ErrnoIoError("syncing directory " + dir);
  ::close(fd);
  return status;
}

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::Ok();
  const int err = errno;
  struct stat st;
  if (err == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::Ok();
  }
  return ErrnoIoError("creating state directory " + dir, err);
}

Status RefuseInvalid(const std::string& what, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument("refusing to store " + what + " \"" + id +
                                 "\": an ID is 1-128 characters of "
                                 "[A-Za-z0-9_-]");
}

// Renames `path` to the first free "<path>.corrupt[.N]" and returns that name.
Result<std::string> MoveAside(const std::string& path) {
  std::string aside = path + ".corrupt";
  for (int n = 1;; ++n) {
    struct stat st;
    if (::lstat(aside.c_str(), &st) != 0) break;
    aside = path + ".corrupt." + std::to_string(n);
  }
  if (::rename(path.c_str(), aside.c_str()) != 0) {
    return ErrnoIoError("renaming " + path + " to " + aside);
  }
  return aside;
}

// Parses and decodes one record file; the error says what is wrong with it.
template <typename Record>
Result<Record> ReadRecord(const std::string& path, const std::string& stem) {
  Result<std::string> text = ReadAll(path);
  if (!text.ok()) return text.status();
  json j;
  try {
    j = json::parse(*text);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) {
    return Status::InvalidArgument("not a JSON object");
  }
  Record record;
  HOSTNIC_RETURN_IF_ERROR(Decode(j, &record));
  if (FileName(record) != stem) {
    return Status::InvalidArgument("holds the record of \"" + FileName(record) +
                                   "\", not of \"" + stem + "\"");
  }
  return record;
}

// Loads every record of `dir` into `records`. Unreadable records are moved
// aside and reported in `problems`; leftover temporary files are removed.
template <typename Record>
Status LoadDir(const std::string& dir, std::vector<Record>* records,
               std::vector<std::string>* problems) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    return Status::IoError("listing state directory " + dir + ": " +
                           ec.message());
  }
  // Sorted so that problems are reported in a stable order.
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    if (name.rfind(kTempPrefix, 0) == 0) {
      if (::unlink(path.c_str()) != 0) {
        problems->push_back(
            ErrnoIoError("removing leftover temporary file " + path).message());
      }
      continue;
    }
    if (!EndsWith(name, kSuffix)) continue;  // Includes *.corrupt files.
    const std::string stem = name.substr(0, name.size() - strlen(kSuffix));
    Result<Record> record = ReadRecord<Record>(path, stem);
    if (record.ok()) {
      records->push_back(std::move(*record));
      continue;
    }
    if (record.status().code() == Code::kIoError) {
      // Not known to be corrupt, so it stays for the next start to retry.
      problems->push_back("cannot load record: " + record.status().message());
      continue;
    }
    std::string problem =
        "record " + path + " is unreadable (" + record.status().message() + ")";
    Result<std::string> aside = MoveAside(path);
    problems->push_back(problem + (aside.ok()
                                       ? "; moved aside to " + *aside
                                       : "; " + aside.status().message()));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<FileStore>> FileStore::Open(const std::string& dir) {
  std::filesystem::path path = std::filesystem::path(dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "state/"
  const std::filesystem::path parent = path.parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IoError("creating the parent of state directory " + dir +
                           ": " + ec.message());
  }
  HOSTNIC_RETURN_IF_ERROR(MakeDir(dir));
  for (const char* subdir : {kNetworks, kEndpoints, kOrphans, kLeases}) {
    HOSTNIC_RETURN_IF_ERROR(MakeDir(dir + "/" + subdir));
  }
  return std::unique_ptr<FileStore>(new FileStore(dir));
}

Status FileStore::Write(const char* subdir, const std::string& name,
                        const std::string& contents, Durability durability) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const std::string dir = dir_ + "/" + subdir;
  const std::string path = dir + "/" + name + kSuffix;
  std::string temp = dir + "/" + kTempPrefix + name + kSuffix + ".XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return ErrnoIoError("creating a temporary file for " + path);
  Status status = WriteAll(fd, contents, temp);
  if (status.ok() && durability == Durability::kReboot && ::fsync(fd) != 0) {
    status = ErrnoIoError("syncing " + temp);
  }
  if (::close(fd) != 0 && status.ok()) status = ErrnoIoError("closing " + temp);
  if (status.ok() && durability == Durability::kCrash &&
      ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(),
                  RENAME_EXCHANGE) == 0) {
    // The record is in place and the temporary file holds the old one. A
    // rename over the record would do the same, but ext4 then starts
    // writing the new file out at once (auto_da_alloc, its stand-in for the
    // fsync applications forget), and the next replace or removal of the
    // record waits for that write: milliseconds per call on a busy disk.
    // Exchanged, the old data is dropped from the page cache unwritten. A
    // leftover (killed before the unlink) is removed by Load.
    ::unlink(temp.c_str());
    return Status::Ok();
  }
  // A new record, one to make durable, or a file system without
  // RENAME_EXCHANGE.
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoIoError("renaming " + temp + " to " + path);
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  if (durability == Durability::kCrash) return Status::Ok();
  return SyncDir(dir);
}

FileStore::Durability FileStore::DurabilityOf(const char* subdir) {
  return std::string_view(subdir) == kNetworks ? Durability::kReboot
                                               : Durability::kCrash;
}

template <typename Record>
Status FileStore::Save(const char* subdir, const std::string& name,
                       const Record& record, const std::string& what) {
  return Write(subdir, name, Encode(record).dump(2) + "\n",
               DurabilityOf(subdir))
      .Annotate("saving " + what);
}

Status FileStore::Erase(const char* subdir, const std::string& name,
                        const std::string& what) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const std::string dir = dir_ + "/" + subdir;
  const std::string path = dir + "/" + name + kSuffix;
  Status status;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    status = ErrnoIoError("removing " + path);
  } else if (DurabilityOf(subdir) == Durability::kReboot) {
    status = SyncDir(dir);
  }
  return status.Annotate("forgetting " + what);
}

Status FileStore::PutNetwork(const NetworkRecord& network) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("network", network.id));
  return Save(kNetworks, network.id, network, "network " + network.id);
}

Status FileStore::RemoveNetwork(const std::string& id) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("network", id));
  // The driver removes a network's endpoints and leases before the network:
  // make those removals reach the disk first, so that a reboot never finds
  // endpoints (holding NICs) or leases of a network whose removal survived.
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (const char* subdir : {kEndpoints, kLeases}) {
      HOSTNIC_RETURN_IF_ERROR(
          SyncDir(dir_ + "/" + subdir).Annotate("forgetting network " + id));
    }
  }
  return Erase(kNetworks, id, "network " + id);
}

Status FileStore::PutEndpoint(const EndpointRecord& endpoint) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("endpoint", endpoint.id));
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid(
      "endpoint " + endpoint.id + " of network", endpoint.network_id));
  return Save(kEndpoints, endpoint.id, endpoint, "endpoint " + endpoint.id);
}

Status FileStore::RemoveEndpoint(const std::string& id) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("endpoint", id));
  return Erase(kEndpoints, id, "endpoint " + id);
}

Status FileStore::PutOrphan(const OrphanRecord& orphan) {
  return Save(kOrphans, MacName(orphan.mac), orphan,
              "orphaned NIC " + orphan.mac.ToString());
}

Status FileStore::RemoveOrphan(const Mac& mac) {
  return Erase(kOrphans, MacName(mac), "orphaned NIC " + mac.ToString());
}

Status FileStore::PutLease(const Lease& lease) {
  return Save(kLeases, FileName(lease), lease,
              "the " + std::string(lease.Ipv6() ? "IPv6 " : "") +
                  "lease of NIC " + lease.mac.ToString());
}

Status FileStore::RemoveLease(const Mac& mac) {
  return Erase(kLeases, MacName(mac), "the lease of NIC " + mac.ToString());
}

Status FileStore::RemoveLease6(const Mac& mac) {
  Lease v6;
  v6.mac = mac;
  v6.source = "dhcp6";
  return Erase(kLeases, FileName(v6),
               "the IPv6 lease of NIC " + mac.ToString());
}

Result<Snapshot> FileStore::Load() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  Snapshot snapshot;
  HOSTNIC_RETURN_IF_ERROR(
      LoadDir(dir_ + "/" + kNetworks, &snapshot.networks, &snapshot.problems));
  HOSTNIC_RETURN_IF_ERROR(LoadDir(dir_ + "/" + kEndpoints, &snapshot.endpoints,
                                  &snapshot.problems));
  HOSTNIC_RETURN_IF_ERROR(
      LoadDir(dir_ + "/" + kOrphans, &snapshot.orphans, &snapshot.problems));
  HOSTNIC_RETURN_IF_ERROR(
      LoadDir(dir_ + "/" + kLeases, &snapshot.leases, &snapshot.problems));
  return snapshot;
}

}  // namespace hostnic
