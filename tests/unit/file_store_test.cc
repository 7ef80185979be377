#include "store/file_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "fakes/fake_address.h"
#include "fakes/temp_dir.h"

namespace hostnic {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Records have no operator==; compare them through all their fields.
auto Fields(const NetworkRecord& n) {
  return std::tie(n.id, n.subnet, n.gateway, n.subnet6, n.gateway6, n.nics,
                  n.routes, n.mtu, n.wait_ms, n.address_source,
                  n.dhcp_timeout_ms, n.block_metadata, n.options);
}
auto Fields(const NicState& s) { return std::tie(s.name, s.mtu, s.up); }
auto Fields(const EndpointRecord& e) {
  return std::tuple_cat(
      std::tie(e.id, e.network_id, e.mac, e.address, e.address6),
      Fields(e.original), std::tie(e.joined, e.sandbox_key));
}
auto Fields(const OrphanRecord& o) {
  return std::tuple_cat(std::tie(o.mac), Fields(o.original),
                        std::tie(o.endpoint_id));
}

Mac MacOf(const char* text) { return *Mac::Parse(text); }

NetworkRecord FullNetwork() {
  NetworkRecord n;
  n.id = "4390abcdef";
  n.subnet = "192.168.1.0/24";
  n.gateway = "192.168.1.1";
  n.subnet6 = "fd00::/64";
  n.gateway6 = "fd00::1";
  n.nics = {*NicSpec::Parse("eth2"), *NicSpec::Parse("52:54:0e:e5:00:f7")};
  n.routes = {{"10.0.0.0/8", "192.168.1.254"}, {"172.16.0.0/12", ""}};
  n.mtu = 9000;
  n.wait_ms = 2500;
  n.address_source = "dhcp";
  n.dhcp_timeout_ms = 4500;
  n.block_metadata = true;
  n.options = {{"hostnic.mtu", "9000"}, {"hostnic.nics", "eth2"}};
  return n;
}

Lease FullLease() {
  Lease l = CloudLease("52:54:0e:e5:00:f7", "192.168.61.11/24");
  l.network_id = "4390abcdef";
  l.acquired = 1700000000;
  return l;
}

EndpointRecord FullEndpoint() {
  EndpointRecord e;
  e.id = "2b34_ep-1";
  e.network_id = "4390abcdef";
  e.mac = MacOf("52:54:0e:e5:00:f7");
  e.address = "192.168.1.5/24";
  e.address6 = "fd00::5/64";
  e.original = {"eth2", 1500, true};
  e.joined = true;
  e.sandbox_key = "/var/run/docker/netns/061211930da6";
  return e;
}

OrphanRecord FullOrphan() {
  OrphanRecord o;
  o.mac = MacOf("52:54:0e:e5:00:f8");
  o.original = {"eth3", 1400, false};
  o.endpoint_id = "2b35";
  return o;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.empty());
    Result<std::unique_ptr<FileStore>> store = FileStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }

  void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  std::set<std::string> Files(const std::string& subdir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_ + "/" + subdir)) {
      names.insert(e.path().filename().string());
    }
    return names;
  }
  Snapshot MustLoad() {
    Result<Snapshot> snapshot = store_->Load();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().message();
    return snapshot.ok() ? *snapshot : Snapshot{};
  }

  const TempDir tmp_{"file-store"};
  const std::string root_ = tmp_.path();
  const std::string dir_ = root_ + "/state";
  std::unique_ptr<FileStore> store_;
};

TEST_F(FileStoreTest, OpenCreatesPrivateDirectories) {
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* sub : {"networks", "endpoints", "orphans", "leases"}) {
    EXPECT_TRUE(fs::is_directory(dir_ + "/" + sub)) << sub;
  }
  // Opening an existing directory again is fine.
  EXPECT_TRUE(FileStore::Open(dir_).ok());

  // Missing parents are created; a trailing slash still gives 0700.
  const std::string nested = root_ + "/a/b/state/";
  ASSERT_TRUE(FileStore::Open(nested).ok());
  ASSERT_EQ(stat(nested.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(FileStoreTest, RoundTripsEveryField) {
  ASSERT_TRUE(store_->PutNetwork(FullNetwork()).ok());
  ASSERT_TRUE(store_->PutEndpoint(FullEndpoint()).ok());
  ASSERT_TRUE(store_->PutOrphan(FullOrphan()).ok());

  // A fresh store reads what the first one wrote.
  Result<std::unique_ptr<FileStore>> reopened = FileStore::Open(dir_);
  ASSERT_TRUE(reopened.ok());
  Result<Snapshot> snapshot = (*reopened)->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_THAT(snapshot->problems, IsEmpty());
  ASSERT_THAT(snapshot->networks, SizeIs(1));
  ASSERT_THAT(snapshot->endpoints, SizeIs(1));
  ASSERT_THAT(snapshot->orphans, SizeIs(1));
  EXPECT_EQ(Fields(snapshot->networks[0]), Fields(FullNetwork()));
  EXPECT_EQ(Fields(snapshot->endpoints[0]), Fields(FullEndpoint()));
  EXPECT_EQ(Fields(snapshot->orphans[0]), Fields(FullOrphan()));
}

TEST_F(FileStoreTest, LeasesRoundTripAndAreReplacedPerMac) {
  ASSERT_TRUE(store_->PutLease(FullLease()).ok());
  Lease renewed = FullLease();
  renewed.acquired += 60;
  ASSERT_TRUE(store_->PutLease(renewed).ok());
  EXPECT_THAT(Files("leases"), ElementsAre("52-54-0e-e5-00-f7.json"));
  Snapshot s = MustLoad();
  ASSERT_THAT(s.leases, SizeIs(1));
  EXPECT_EQ(s.leases[0], renewed);
  ASSERT_TRUE(store_->RemoveLease(renewed.mac).ok());
  EXPECT_THAT(MustLoad().leases, IsEmpty());
}

TEST_F(FileStoreTest, NetworkWrittenBeforeAddressSourcesLoadsWithDefaults) {
  WriteFile(dir_ + "/networks/old.json",
            R"({"id":"old","subnet":"192.168.1.0/24","gateway":"192.168.1.1",)"
            R"("subnet6":"","gateway6":"","nics":[],"routes":[],"mtu":0,)"
            R"("wait_ms":-1,"options":{}})");
  Snapshot s = MustLoad();
  EXPECT_THAT(s.problems, IsEmpty());
  ASSERT_THAT(s.networks, SizeIs(1));
  EXPECT_EQ(s.networks[0].address_source, "docker");
  EXPECT_EQ(s.networks[0].dhcp_timeout_ms, 10000);
  EXPECT_FALSE(s.networks[0].block_metadata);
}

TEST_F(FileStoreTest, RoundTripsDefaults) {
  NetworkRecord n;
  n.id = "n";
  EndpointRecord e;
  e.id = "e";
  e.network_id = "n";
  ASSERT_TRUE(store_->PutNetwork(n).ok());
  ASSERT_TRUE(store_->PutEndpoint(e).ok());
  Snapshot s = MustLoad();
  EXPECT_THAT(s.problems, IsEmpty());
  ASSERT_THAT(s.networks, SizeIs(1));
  ASSERT_THAT(s.endpoints, SizeIs(1));
  EXPECT_EQ(Fields(s.networks[0]), Fields(n));
  EXPECT_EQ(Fields(s.endpoints[0]), Fields(e));
}

TEST_F(FileStoreTest, FilesAreNamedByIdAndMac) {
  ASSERT_TRUE(store_->PutNetwork(FullNetwork()).ok());
  ASSERT_TRUE(store_->PutEndpoint(FullEndpoint()).ok());
  ASSERT_TRUE(store_->PutOrphan(FullOrphan()).ok());
  EXPECT_THAT(Files("networks"), ElementsAre("4390abcdef.json"));
  EXPECT_THAT(Files("endpoints"), ElementsAre("2b34_ep-1.json"));
  EXPECT_THAT(Files("orphans"), ElementsAre("52-54-0e-e5-00-f8.json"));
}

TEST_F(FileStoreTest, PutReplacesWithoutLeavingTemporaryFiles) {
  NetworkRecord n = FullNetwork();
  ASSERT_TRUE(store_->PutNetwork(n).ok());
  n.mtu = 1500;
  n.routes.clear();
  ASSERT_TRUE(store_->PutNetwork(n).ok());
  EXPECT_THAT(Files("networks"), ElementsAre("4390abcdef.json"));
  // Records not fsynced are swapped in (RENAME_EXCHANGE); the old copy goes.
  EndpointRecord e = FullEndpoint();
  Lease l = FullLease();
  for (int i = 0; i < 3; ++i) {
    e.joined = i % 2 == 0;
    l.acquired += 60;
    ASSERT_TRUE(store_->PutEndpoint(e).ok());
    ASSERT_TRUE(store_->PutLease(l).ok());
  }
  EXPECT_THAT(Files("endpoints"), ElementsAre("2b34_ep-1.json"));
  EXPECT_THAT(Files("leases"), ElementsAre("52-54-0e-e5-00-f7.json"));
  Snapshot s = MustLoad();
  ASSERT_THAT(s.networks, SizeIs(1));
  EXPECT_EQ(Fields(s.networks[0]), Fields(n));
  ASSERT_THAT(s.endpoints, SizeIs(1));
  EXPECT_EQ(Fields(s.endpoints[0]), Fields(e));
  ASSERT_THAT(s.leases, SizeIs(1));
  EXPECT_EQ(s.leases[0].acquired, l.acquired);
}

TEST_F(FileStoreTest, RemoveForgetsAndMissingIsOk) {
  ASSERT_TRUE(store_->PutNetwork(FullNetwork()).ok());
  ASSERT_TRUE(store_->PutEndpoint(FullEndpoint()).ok());
  ASSERT_TRUE(store_->PutOrphan(FullOrphan()).ok());
  EXPECT_TRUE(store_->RemoveNetwork(FullNetwork().id).ok());
  EXPECT_TRUE(store_->RemoveEndpoint(FullEndpoint().id).ok());
  EXPECT_TRUE(store_->RemoveOrphan(FullOrphan().mac).ok());
  Snapshot s = MustLoad();
  EXPECT_THAT(s.networks, IsEmpty());
  EXPECT_THAT(s.endpoints, IsEmpty());
  EXPECT_THAT(s.orphans, IsEmpty());

  EXPECT_TRUE(store_->RemoveNetwork("never-there").ok());
  EXPECT_TRUE(store_->RemoveEndpoint("never-there").ok());
  EXPECT_TRUE(store_->RemoveOrphan(MacOf("02:00:00:00:00:01")).ok());
}

TEST_F(FileStoreTest, CorruptRecordsAreMovedAsideAndReported) {
  ASSERT_TRUE(store_->PutNetwork(FullNetwork()).ok());
  const std::string garbage = dir_ + "/networks/garbage.json";
  WriteFile(garbage, "{\"id\": \"garbage\", ");
  const std::string missing = dir_ + "/endpoints/missing.json";
  WriteFile(missing, R"({"id": "missing", "network_id": "n"})");
  const std::string bad_mac = dir_ + "/orphans/02-00-00-00-00-01.json";
  WriteFile(bad_mac, R"({"mac": "nope", "original": {"name": "eth9",
            "mtu": 1500, "up": false}, "endpoint_id": "e"})");
  const std::string wrong_type = dir_ + "/networks/wrongtype.json";
  WriteFile(wrong_type, R"({"id": "wrongtype", "subnet": 5})");
  // A leftover from an earlier start is not in the way.
  WriteFile(garbage + ".corrupt", "older");

  Snapshot s = MustLoad();
  ASSERT_THAT(s.networks, SizeIs(1));  // The good one survives.
  EXPECT_THAT(s.endpoints, IsEmpty());
  EXPECT_THAT(s.orphans, IsEmpty());
  ASSERT_THAT(s.problems, SizeIs(4));
  EXPECT_THAT(s.problems[0], HasSubstr(garbage));
  EXPECT_THAT(s.problems[0], HasSubstr("not JSON"));
  EXPECT_THAT(s.problems[0], HasSubstr(garbage + ".corrupt.1"));
  EXPECT_THAT(s.problems[1], HasSubstr(wrong_type));
  EXPECT_THAT(s.problems[1], HasSubstr("field \"subnet\" is not a string"));
  EXPECT_THAT(s.problems[2], HasSubstr(missing));
  EXPECT_THAT(s.problems[2], HasSubstr("missing field \"mac\""));
  EXPECT_THAT(s.problems[3], HasSubstr(bad_mac));
  EXPECT_THAT(s.problems[3], HasSubstr("not a MAC address"));

  EXPECT_EQ(Files("networks"),
            (std::set<std::string>{"4390abcdef.json", "garbage.json.corrupt",
                                   "garbage.json.corrupt.1",
                                   "wrongtype.json.corrupt"}));
  EXPECT_EQ(Files("endpoints"), std::set<std::string>{"missing.json.corrupt"});

  // Moved-aside files are not read again.
  Snapshot again = MustLoad();
  EXPECT_THAT(again.problems, IsEmpty());
  EXPECT_THAT(again.networks, SizeIs(1));
}

TEST_F(FileStoreTest, RecordNamingAnInvalidNetworkIsCorrupt) {
  // A hand-edited endpoint or lease must not point outside the state
  // directory, or at a network no request could have named.
  ASSERT_TRUE(store_->PutEndpoint(FullEndpoint()).ok());
  ASSERT_TRUE(store_->PutLease(FullLease()).ok());
  for (const std::string& file : {dir_ + "/endpoints/2b34_ep-1.json",
                                  dir_ + "/leases/52-54-0e-e5-00-f7.json"}) {
    std::ifstream in(file);
    nlohmann::json j = nlohmann::json::parse(in);
    j["network_id"] = "../networks/x";
    WriteFile(file, j.dump());
  }
  Snapshot s = MustLoad();
  EXPECT_THAT(s.endpoints, IsEmpty());
  EXPECT_THAT(s.leases, IsEmpty());
  ASSERT_THAT(s.problems, SizeIs(2));
  for (const std::string& problem : s.problems) {
    EXPECT_THAT(problem, HasSubstr("field \"network_id\" (\"../networks/x\") "
                                   "is not a valid ID"));
  }
}

TEST_F(FileStoreTest, RecordUnderAnotherNameIsCorrupt) {
  ASSERT_TRUE(store_->PutNetwork(FullNetwork()).ok());
  fs::rename(dir_ + "/networks/4390abcdef.json", dir_ + "/networks/other.json");
  Snapshot s = MustLoad();
  EXPECT_THAT(s.networks, IsEmpty());
  ASSERT_THAT(s.problems, SizeIs(1));
  EXPECT_THAT(s.problems[0], HasSubstr("\"4390abcdef\", not of \"other\""));
}

TEST_F(FileStoreTest, LeftoverTemporaryFilesAreRemoved) {
  EndpointRecord e = FullEndpoint();
  e.joined = false;
  ASSERT_TRUE(store_->PutEndpoint(e).ok());
  // Killed while writing, and killed after writing a whole newer record but
  // before the rename: either way the record that was there stays.
  WriteFile(dir_ + "/endpoints/.tmp-2b34_ep-1.json.AbC123", "{\"id\": ");
  ASSERT_TRUE(store_->PutEndpoint(FullEndpoint()).ok());
  fs::rename(dir_ + "/endpoints/2b34_ep-1.json",
             dir_ + "/endpoints/.tmp-2b34_ep-1.json.XyZ789");
  ASSERT_TRUE(store_->PutEndpoint(e).ok());
  WriteFile(dir_ + "/networks/.tmp-x.json.Zz9999", "");
  Snapshot s = MustLoad();
  EXPECT_THAT(s.problems, IsEmpty());
  ASSERT_THAT(s.endpoints, SizeIs(1));
  EXPECT_EQ(Fields(s.endpoints[0]), Fields(e));
  EXPECT_THAT(Files("endpoints"), ElementsAre("2b34_ep-1.json"));
  EXPECT_THAT(Files("networks"), IsEmpty());
}

// What a write cut short leaves when the rename is not atomic after all (a
// record edited by hand, copied with cp, or emptied by a power cut on a file
// system that does not flush a renamed file's data): every truncation of a
// record is moved aside and reported, never loaded.
TEST_F(FileStoreTest, TruncatedRecordsAreMovedAsideNotLoaded) {
  ASSERT_TRUE(store_->PutEndpoint(FullEndpoint()).ok());
  const std::string path = dir_ + "/endpoints/2b34_ep-1.json";
  std::ifstream in(path);
  const std::string whole((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  ASSERT_EQ(whole.back(), '\n');
  ASSERT_TRUE(fs::remove(path));
  // Up to the closing brace: without the newline the record is whole.
  for (size_t n = 0; n + 1 < whole.size(); ++n) {
    SCOPED_TRACE("first " + std::to_string(n) + " bytes");
    WriteFile(path, whole.substr(0, n));
    Snapshot s = MustLoad();
    EXPECT_THAT(s.endpoints, IsEmpty());
    ASSERT_THAT(s.problems, SizeIs(1));
    EXPECT_THAT(s.problems[0], HasSubstr(path + " is unreadable"));
    EXPECT_THAT(Files("endpoints"), ElementsAre("2b34_ep-1.json.corrupt"));
    fs::remove(path + ".corrupt");
  }
}

// kill -9 at any moment while records are being replaced and removed: the
// next Load finds whole records (an old or a new version) and nothing to
// complain about.
TEST_F(FileStoreTest, KilledWhileWritingLeavesWholeRecords) {
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(ready[0]);
      auto store = FileStore::Open(dir_);
      if (!store.ok()) ::_exit(1);
      EndpointRecord e = FullEndpoint();
      OrphanRecord o = FullOrphan();
      Lease l = FullLease();
      for (long i = 0;; ++i) {
        e.joined = i % 2 == 0;
        e.sandbox_key = "/var/run/docker/netns/" + std::to_string(i);
        l.acquired = 1700000000 + i;
        if (!(*store)->PutEndpoint(e).ok() || !(*store)->PutLease(l).ok() ||
            !(i % 2 == 0 ? (*store)->PutOrphan(o)
                         : (*store)->RemoveOrphan(o.mac))
                 .ok()) {
          ::_exit(1);
        }
        if (i == 0 && ::write(ready[1], "x", 1) != 1) ::_exit(1);
      }
    }
    ::close(ready[1]);
    char byte;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(500 * round));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed";

    Snapshot s = MustLoad();
    EXPECT_THAT(s.problems, IsEmpty());
    ASSERT_THAT(s.endpoints, SizeIs(1));
    const EndpointRecord& e = s.endpoints[0];
    EXPECT_EQ(e.id, FullEndpoint().id);
    const long i =
        std::stol(e.sandbox_key.substr(e.sandbox_key.rfind('/') + 1));
    EXPECT_EQ(e.joined, i % 2 == 0);
    ASSERT_THAT(s.leases, SizeIs(1));
    EXPECT_GE(s.leases[0].acquired, 1700000000 + i - 1);
    EXPECT_LE(s.leases[0].acquired, 1700000000 + i);
    EXPECT_LE(s.orphans.size(), 1u);
    EXPECT_THAT(Files("endpoints"), ElementsAre("2b34_ep-1.json"));
  }
}

TEST_F(FileStoreTest, InvalidIdsAreRefused) {
  for (const std::string& id :
       {std::string(""), std::string("../escape"), std::string("a/b"),
        std::string("dot.ted"), std::string(129, 'a')}) {
    NetworkRecord n;
    n.id = id;
    EndpointRecord e;
    e.id = id;
    e.network_id = "n";
    EndpointRecord in_bad_network = FullEndpoint();
    in_bad_network.network_id = id;
    for (const Status& s : {store_->PutNetwork(n), store_->RemoveNetwork(id),
                            store_->PutEndpoint(e), store_->RemoveEndpoint(id),
                            store_->PutEndpoint(in_bad_network)}) {
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << id;
      EXPECT_THAT(s.message(), HasSubstr("refusing")) << id;
    }
  }
  EXPECT_THAT(Files("networks"), IsEmpty());
  EXPECT_THAT(Files("endpoints"), IsEmpty());
  EXPECT_FALSE(fs::exists(root_ + "/escape.json"));
}

TEST_F(FileStoreTest, OpenUnderAFileIsAClearIoError) {
  const std::string file = root_ + "/plain-file";
  WriteFile(file, "x");
  Result<std::unique_ptr<FileStore>> store = FileStore::Open(file + "/state");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kIoError);
  EXPECT_THAT(store.status().message(), HasSubstr(file));
  EXPECT_THAT(store.status().message(), HasSubstr("Not a directory"));

  Result<std::unique_ptr<FileStore>> proc = FileStore::Open("/proc/hostnic");
  ASSERT_FALSE(proc.ok());
  EXPECT_EQ(proc.status().code(), Code::kIoError);
  EXPECT_THAT(proc.status().message(), HasSubstr("/proc/hostnic"));
}

TEST_F(FileStoreTest, UnwritableDirectoryIsAClearIoError) {
  // Root ignores permissions, so make the directory impossible instead.
  fs::remove_all(dir_ + "/networks");
  WriteFile(dir_ + "/networks", "not a directory");
  Status put = store_->PutNetwork(FullNetwork());
  EXPECT_EQ(put.code(), Code::kIoError);
  EXPECT_THAT(put.message(), HasSubstr("saving network 4390abcdef"));
  EXPECT_THAT(put.message(), HasSubstr(dir_ + "/networks/4390abcdef.json"));
  EXPECT_THAT(put.message(), HasSubstr("Not a directory"));

  Status remove = store_->RemoveNetwork("4390abcdef");
  EXPECT_EQ(remove.code(), Code::kIoError);
  EXPECT_THAT(remove.message(), HasSubstr("Not a directory"));

  Result<Snapshot> load = store_->Load();
  ASSERT_FALSE(load.ok());
  EXPECT_EQ(load.status().code(), Code::kIoError);
  EXPECT_THAT(load.status().message(), HasSubstr(dir_ + "/networks"));
}

}  // namespace
}  // namespace hostnic
