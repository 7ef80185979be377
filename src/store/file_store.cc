#include "store/file_store.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>
#include <vector>

#include "common/errno_status.h"
#include "common/strings.h"
#include "hostnic/ids.h"

namespace hostnic {

namespace {

using nlohmann::json;

constexpr char kNetworks[] = "networks";
constexpr char kEndpoints[] = "endpoints";
constexpr char kOrphans[] = "orphans";
constexpr char kLeases[] = "leases";
constexpr char kSuffix[] = ".json";
constexpr char kTempPrefix[] = ".tmp-";

// Orphans and leases are named by their NIC's MAC.
std::string MacName(const Mac& mac) {
  std::string name = mac.ToString();
  std::replace(name.begin(), name.end(), ':', '-');
  return name;
}

// ---- Encoding ----

json EncodeNicState(const NicState& s) {
  return {{"name", s.name}, {"mtu", s.mtu}, {"up", s.up}};
}

json EncodeRoutes(const std::vector<Route>& list) {
  json routes = json::array();
  for (const Route& r : list) {
    routes.push_back(
        {{"destination", r.destination}, {"next_hop", r.next_hop}});
  }
  return routes;
}

json EncodeNics(const std::vector<NicSpec>& nics) {
  json list = json::array();
  for (const NicSpec& nic : nics) list.push_back(nic.ToString());
  return list;
}

json Encode(const NetworkRecord& n) {
  return {{"id", n.id},
          {"subnet", n.subnet},
          {"gateway", n.gateway},
          {"subnet6", n.subnet6},
          {"gateway6", n.gateway6},
          {"nics", EncodeNics(n.nics)},
          {"routes", EncodeRoutes(n.routes)},
          {"mtu", n.mtu},
          {"wait_ms", n.wait_ms},
          {"address_source", n.address_source},
          {"dhcp_timeout_ms", n.dhcp_timeout_ms},
          {"block_metadata", n.block_metadata},
          {"metadata_addresses", n.metadata_addresses},
          {"options", n.options}};
}

json Encode(const EndpointRecord& e) {
  return {{"id", e.id},
          {"network_id", e.network_id},
          {"mac", e.mac.ToString()},
          {"address", e.address},
          {"address6", e.address6},
          {"original", EncodeNicState(e.original)},
          {"joined", e.joined},
          {"sandbox_key", e.sandbox_key}};
}

json Encode(const Lease& l) {
  return {{"mac", l.mac.ToString()},
          {"network_id", l.network_id},
          {"source", l.source},
          {"address", l.address},
          {"gateway", l.gateway},
          {"routes", EncodeRoutes(l.routes)},
          {"mtu", l.mtu},
          {"server", l.server},
          {"acquired", l.acquired},
          {"lease_seconds", l.lease_seconds},
          {"t1_seconds", l.t1_seconds},
          {"t2_seconds", l.t2_seconds},
          {"lost", l.lost}};
}

json Encode(const OrphanRecord& o) {
  return {{"mac", o.mac.ToString()},
          {"original", EncodeNicState(o.original)},
          {"endpoint_id", o.endpoint_id}};
}

// ---- Decoding: every field is required and must have its exact type ----

bool HasType(const json& v, const std::string&) { return v.is_string(); }
bool HasType(const json& v, const bool&) { return v.is_boolean(); }
bool HasType(const json& v, const unsigned&) {
  return v.is_number_unsigned() && v.get<uint64_t>() <= UINT_MAX;
}
bool HasType(const json& v, const long long&) { return v.is_number_integer(); }
bool HasType(const json& v, const long&) { return v.is_number_integer(); }
bool HasType(const json& v, const std::vector<std::string>&) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) {
           return e.is_string();
         });
}
bool HasType(const json& v, const std::map<std::string, std::string>&) {
  return v.is_object() && std::all_of(v.begin(), v.end(), [](const json& e) {
           return e.is_string();
         });
}

const char* TypeName(const std::string&) { return "a string"; }
const char* TypeName(const bool&) { return "a boolean"; }
const char* TypeName(const unsigned&) { return "a 32-bit unsigned integer"; }
const char* TypeName(const long long&) { return "an integer"; }
const char* TypeName(const long&) { return "an integer"; }
const char* TypeName(const std::vector<std::string>&) {
  return "a list of strings";
}
const char* TypeName(const std::map<std::string, std::string>&) {
  return "an object of strings";
}

// Looks `key` up in `object`, which the caller made sure is an object.
Result<const json*> Find(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) {
    return Status::InvalidArgument(std::string("missing field \"") + key +
                                   "\"");
  }
  return &*it;
}

template <typename T>
Status Field(const json& object, const char* key, T* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  if (!HasType(**v, *out)) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not " + TypeName(*out));
  }
  (*v)->get_to(*out);
  return Status::Ok();
}

// A field added after records were first written: absent keeps the default,
// so state written by an older hostnic still loads.
template <typename T>
Status OptionalField(const json& object, const char* key, T* out) {
  if (!object.contains(key)) return Status::Ok();
  return Field(object, key, out);
}

Status MacField(const json& object, const char* key, Mac* out) {
  std::string text;
  HOSTNIC_RETURN_IF_ERROR(Field(object, key, &text));
  std::optional<Mac> mac = Mac::Parse(text);
  if (!mac) {
    return Status::InvalidArgument(std::string("field \"") + key + "\" (\"" +
                                   text + "\") is not a MAC address");
  }
  *out = *mac;
  return Status::Ok();
}

Status NicsField(const json& object, const char* key,
                 std::vector<NicSpec>* out) {
  std::vector<std::string> texts;
  HOSTNIC_RETURN_IF_ERROR(Field(object, key, &texts));
  for (const std::string& text : texts) {
    Result<NicSpec> nic = NicSpec::Parse(text);
    if (!nic.ok()) {
      return nic.status().Annotate(std::string("field \"") + key + "\"");
    }
    out->push_back(*nic);
  }
  return Status::Ok();
}

Status NicStateField(const json& object, const char* key, NicState* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  const json& s = **v;
  if (!s.is_object()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not an object");
  }
  HOSTNIC_RETURN_IF_ERROR(Field(s, "name", &out->name));
  HOSTNIC_RETURN_IF_ERROR(Field(s, "mtu", &out->mtu));
  return Field(s, "up", &out->up);
}

Status RoutesField(const json& object, const char* key,
                   std::vector<Route>* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  if (!(*v)->is_array()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not a list");
  }
  for (const json& r : **v) {
    if (!r.is_object()) {
      return Status::InvalidArgument(std::string("an entry of \"") + key +
                                     "\" is not an object");
    }
    Route route;
    HOSTNIC_RETURN_IF_ERROR(Field(r, "destination", &route.destination));
    HOSTNIC_RETURN_IF_ERROR(Field(r, "next_hop", &route.next_hop));
    out->push_back(std::move(route));
  }
  return Status::Ok();
}

Status CheckId(const char* key, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument(std::string("field \"") + key + "\" (\"" + id +
                                 "\") is not a valid ID");
}

Status Decode(const json& j, NetworkRecord* n) {
  HOSTNIC_RETURN_IF_ERROR(Field(j, "id", &n->id));
  HOSTNIC_RETURN_IF_ERROR(CheckId("id", n->id));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "subnet", &n->subnet));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "gateway", &n->gateway));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "subnet6", &n->subnet6));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "gateway6", &n->gateway6));
  HOSTNIC_RETURN_IF_ERROR(NicsField(j, "nics", &n->nics));
  HOSTNIC_RETURN_IF_ERROR(RoutesField(j, "routes", &n->routes));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "mtu", &n->mtu));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "wait_ms", &n->wait_ms));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "address_source", &n->address_source));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "dhcp_timeout_ms", &n->dhcp_timeout_ms));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "block_metadata", &n->block_metadata));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "metadata_addresses", &n->metadata_addresses));
  return Field(j, "options", &n->options);
}

Status Decode(const json& j, EndpointRecord* e) {
  HOSTNIC_RETURN_IF_ERROR(Field(j, "id", &e->id));
  HOSTNIC_RETURN_IF_ERROR(CheckId("id", e->id));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "network_id", &e->network_id));
  HOSTNIC_RETURN_IF_ERROR(MacField(j, "mac", &e->mac));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "address", &e->address));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "address6", &e->address6));
  HOSTNIC_RETURN_IF_ERROR(NicStateField(j, "original", &e->original));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "joined", &e->joined));
  return Field(j, "sandbox_key", &e->sandbox_key);
}

Status Decode(const json& j, Lease* l) {
  HOSTNIC_RETURN_IF_ERROR(MacField(j, "mac", &l->mac));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "network_id", &l->network_id));
  HOSTNIC_RETURN_IF_ERROR(CheckId("network_id", l->network_id));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "source", &l->source));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "address", &l->address));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "gateway", &l->gateway));
  HOSTNIC_RETURN_IF_ERROR(RoutesField(j, "routes", &l->routes));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "mtu", &l->mtu));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "server", &l->server));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "acquired", &l->acquired));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "lease_seconds", &l->lease_seconds));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "t1_seconds", &l->t1_seconds));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "t2_seconds", &l->t2_seconds));
  // Absent from leases saved before hostnic kept lost ones.
  return OptionalField(j, "lost", &l->lost);
}

Status Decode(const json& j, OrphanRecord* o) {
  HOSTNIC_RETURN_IF_ERROR(MacField(j, "mac", &o->mac));
  HOSTNIC_RETURN_IF_ERROR(NicStateField(j, "original", &o->original));
  return Field(j, "endpoint_id", &o->endpoint_id);
}

std::string FileName(const NetworkRecord& n) { return n.id; }
std::string FileName(const EndpointRecord& e) { return e.id; }
std::string FileName(const OrphanRecord& o) { return MacName(o.mac); }
std::string FileName(const Lease& l) { return MacName(l.mac); }

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

Status RefuseInvalid(const char* what, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument(std::string("refusing to store ") + what +
                                 " \"" + id +
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

Status FileStore::Erase(const char* subdir, const std::string& name,
                        Durability durability) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const std::string dir = dir_ + "/" + subdir;
  const std::string path = dir + "/" + name + kSuffix;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoIoError("removing " + path);
  }
  if (durability == Durability::kCrash) return Status::Ok();
  return SyncDir(dir);
}

Status FileStore::PutNetwork(const NetworkRecord& network) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("network", network.id));
  return Write(kNetworks, network.id, Encode(network).dump(2) + "\n",
               Durability::kReboot)
      .Annotate("saving network " + network.id);
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
  return Erase(kNetworks, id, Durability::kReboot)
      .Annotate("forgetting network " + id);
}

Status FileStore::PutEndpoint(const EndpointRecord& endpoint) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("endpoint", endpoint.id));
  return Write(kEndpoints, endpoint.id, Encode(endpoint).dump(2) + "\n",
               Durability::kCrash)
      .Annotate("saving endpoint " + endpoint.id);
}

Status FileStore::RemoveEndpoint(const std::string& id) {
  HOSTNIC_RETURN_IF_ERROR(RefuseInvalid("endpoint", id));
  return Erase(kEndpoints, id, Durability::kCrash)
      .Annotate("forgetting endpoint " + id);
}

Status FileStore::PutOrphan(const OrphanRecord& orphan) {
  return Write(kOrphans, MacName(orphan.mac), Encode(orphan).dump(2) + "\n",
               Durability::kCrash)
      .Annotate("saving orphaned NIC " + orphan.mac.ToString());
}

Status FileStore::RemoveOrphan(const Mac& mac) {
  return Erase(kOrphans, MacName(mac), Durability::kCrash)
      .Annotate("forgetting orphaned NIC " + mac.ToString());
}

Status FileStore::PutLease(const Lease& lease) {
  return Write(kLeases, MacName(lease.mac), Encode(lease).dump(2) + "\n",
               Durability::kCrash)
      .Annotate("saving the lease of NIC " + lease.mac.ToString());
}

Status FileStore::RemoveLease(const Mac& mac) {
  return Erase(kLeases, MacName(mac), Durability::kCrash)
      .Annotate("forgetting the lease of NIC " + mac.ToString());
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
