// The CNI plugin's parts beside the parser: the daemon protocol's codec
// (one for both sides), the PCI lookup through a fake sysfs tree, the
// attachment cache, lossless prevResult passthrough, the configuration's
// identity, GC without valid attachments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cni/attachment_cache.h"
#include "cni/json_util.h"
#include "cni/pci_device.h"
#include "cni/request.h"
#include "cni/result.h"
#include "cni/static_ipam.h"
#include "cni/wire.h"

namespace hostnic::cni {
namespace {

namespace fs = std::filesystem;
using ::nlohmann::json;
using ::testing::HasSubstr;

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hostnic-unit.XXXXXX");
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

wire::Attachment SomeAttachment() {
  wire::Attachment a;
  a.network_id = "cni-0123";
  a.endpoint_id = "cni4567";
  a.mac = "52:54:0e:e5:00:f7";
  a.original = "eth2";
  a.netns = "/run/netns/p1";
  a.joined = true;
  a.name = "eth2";
  a.address = "10.0.1.5/24";
  a.gateway = "10.0.1.1";
  a.routes = {{"10.9.0.0/16", "10.0.1.254"}};
  a.dns.servers = {"10.0.1.2"};
  a.dns.search = {"corp.example"};
  return a;
}

TEST(CniWireTest, EveryMessageRoundTrips) {
  wire::AttachRequest attach;
  attach.key = {"pods", "00ff", "c1", "eth0", ""};
  attach.netns = "/run/netns/p1";
  attach.nic = "0000:00:05.0";
  attach.options = {{"hostnic.mtu", "1400"}};
  Result<wire::AttachRequest> a =
      wire::DecodeAttachRequest(wire::Encode(attach));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->key.identity, "00ff");
  EXPECT_EQ(a->key.container_id, "c1");
  EXPECT_EQ(a->nic, "0000:00:05.0");
  EXPECT_EQ(a->options, attach.options);

  Result<wire::Attachment> b =
      wire::DecodeAttachment(wire::Encode(SomeAttachment()));
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->mac, "52:54:0e:e5:00:f7");
  EXPECT_TRUE(b->joined);
  ASSERT_EQ(b->routes.size(), 1u);
  EXPECT_EQ(b->routes[0].next_hop, "10.0.1.254");
  EXPECT_EQ(b->dns, SomeAttachment().dns);  // The lease's DNS, for "dns".
  EXPECT_EQ(DnsJson(b->dns),
            nlohmann::json::parse(
                R"({"nameservers":["10.0.1.2"],"search":["corp.example"]})"));
  EXPECT_EQ(DnsJson(Dns()), nlohmann::json::object());

  wire::StaleRequest stale;
  stale.network = "pods";
  stale.identity = "00ff";
  stale.valid = {{"", "", "c1", "eth0", ""}};
  Result<wire::StaleRequest> c = wire::DecodeStaleRequest(wire::Encode(stale));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->identity, "00ff");
  ASSERT_EQ(c->valid.size(), 1u);
  EXPECT_EQ(c->valid[0].ifname, "eth0");

  Status error = wire::DecodeReplyStatus(
      wire::EncodeError(Status::NotFound("no such attachment")));
  EXPECT_EQ(error.code(), Code::kNotFound);
  EXPECT_EQ(error.message(), "no such attachment");
  EXPECT_TRUE(wire::DecodeReplyStatus("{}").ok());
}

TEST(CniWireTest, BadBodiesNameTheField) {
  EXPECT_EQ(wire::DecodeAttachRequest("[]").status().code(),
            Code::kInvalidArgument);
  Result<wire::AttachRequest> r = wire::DecodeAttachRequest(
      R"({"network":"n","containerId":"c","ifname":"e","netns":"/x",)"
      R"("options":{"a":1}})");
  EXPECT_THAT(r.status().message(), HasSubstr("option \"a\""));
  Result<wire::Attachment> a =
      wire::DecodeAttachment(R"({"network":"n","endpoint":"e"})");
  EXPECT_THAT(a.status().message(), HasSubstr("\"mac\""));
}

// The upgrade window: a plugin newer than the daemon it reaches must learn
// whether the daemon brings the NIC home. The daemon before the asynchronous
// DEL answered every Release {}: that reads as "not returning".
TEST(CniWireTest, ReleaseReplySaysWhetherTheDaemonBringsTheNicHome) {
  Result<wire::ReleaseReply> returning =
      wire::DecodeReleaseReply(wire::Encode(wire::ReleaseReply{true}));
  ASSERT_TRUE(returning.ok()) << returning.status().message();
  EXPECT_TRUE(returning->returning);
  EXPECT_EQ(wire::Encode(wire::ReleaseReply{true}), R"({"returning":true})");
  // What the daemon answers a Release without "netns", and what the old
  // daemon answered every Release.
  EXPECT_EQ(wire::Encode(wire::ReleaseReply{}), "{}");
  Result<wire::ReleaseReply> old = wire::DecodeReleaseReply("{}");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->returning);
  EXPECT_FALSE(wire::DecodeReleaseReply(R"({"returning":null})")->returning);
  EXPECT_THAT(
      wire::DecodeReleaseReply(R"({"returning":"yes"})").status().message(),
      HasSubstr("\"returning\""));
  EXPECT_EQ(wire::DecodeReleaseReply("[true]").status().code(),
            Code::kInvalidArgument);
  // A request still carries its namespace only when it has one.
  EXPECT_EQ(wire::Encode(wire::ReleaseRequest{"n", "e", ""}),
            R"({"endpoint":"e","network":"n"})");
  Result<wire::ReleaseRequest> from = wire::DecodeReleaseRequest(
      wire::Encode(wire::ReleaseRequest{"n", "e", "/run/netns/p"}));
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->netns, "/run/netns/p");
}

TEST(PciDeviceTest, FindsTheMacOfAFunctionInAFakeSysfs) {
  TempDir sys;
  WriteFile(
      fs::path(sys.path()) / "bus/pci/devices/0000:00:05.0/net/ens5/address",
      "52:54:0e:e5:00:f7\n");
  Result<std::string> mac = MacOfPciDevice(sys.path(), "0000:00:05.0");
  ASSERT_TRUE(mac.ok()) << mac.status().message();
  EXPECT_EQ(*mac, "52:54:0e:e5:00:f7");

  // No such function; a function without a network device (in a
  // container already); one with two.
  EXPECT_EQ(MacOfPciDevice(sys.path(), "0000:00:06.0").status().code(),
            Code::kNotFound);
  fs::create_directories(fs::path(sys.path()) / "bus/pci/devices/0000:00:07.0");
  Result<std::string> none = MacOfPciDevice(sys.path(), "0000:00:07.0");
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("0000:00:07.0"));
  WriteFile(fs::path(sys.path()) / "bus/pci/devices/0000:00:08.0/net/a/address",
            "52:54:0e:e5:00:01");
  WriteFile(fs::path(sys.path()) / "bus/pci/devices/0000:00:08.0/net/b/address",
            "52:54:0e:e5:00:02");
  EXPECT_EQ(MacOfPciDevice(sys.path(), "0000:00:08.0").status().code(),
            Code::kFailedPrecondition);
}

TEST(AttachmentCacheTest, KeepsOweAndPays) {
  TempDir dir;
  const AttachmentCache cache(dir.path() + "/state");
  const wire::AttachmentKey key{"pods", "00ff", "c_1", "eth0", ""};
  const wire::AttachmentKey other{"pods", "00ff", "c", "1_eth0", ""};
  EXPECT_FALSE(cache.Get(key));
  ASSERT_TRUE(cache.Put(key, SomeAttachment()).ok());
  ASSERT_TRUE(cache.Get(key));
  EXPECT_EQ(cache.Get(key)->mac, "52:54:0e:e5:00:f7");
  EXPECT_FALSE(cache.Get(other)) << "keys that join alike stay apart";

  ASSERT_TRUE(cache.Owe(key, *cache.Get(key)).ok());
  EXPECT_FALSE(cache.Get(key)) << "an owed release is no attachment";
  std::vector<std::string> asked;
  auto fail = [&](const wire::Attachment& a) {
    asked.push_back(a.endpoint_id);
    return Status::Timeout("daemon down");
  };
  EXPECT_EQ(cache.PayDebts(fail), 1u);
  EXPECT_EQ(cache.PayDebts([&](const wire::Attachment& a) {
    asked.push_back(a.endpoint_id);
    return Status::Ok();
  }),
            0u);
  EXPECT_EQ(cache.PayDebts(fail), 0u) << "paid once, owed no more";
  EXPECT_EQ(asked, (std::vector<std::string>{"cni4567", "cni4567"}));
}

TEST(CniResultPassthroughTest, KeepsFieldsHostnicDoesNotUse) {
  const std::string prev = R"({"cniVersion":"1.1.0",
    "interfaces":[{"name":"vhost0","socketPath":"/run/vhost.sock",
                   "pciID":"0000:00:05.0"}],
    "ips":[{"address":"10.0.0.5/24","interface":0}],
    "routes":[{"dst":"10.1.0.0/16","gw":"10.0.0.1","mtu":1400,"advmss":1360,
               "priority":10,"table":100,"scope":0}]})";
  Result<CniResult> r = DecodeResult(prev);
  ASSERT_TRUE(r.ok()) << r.status().message();
  json out = json::parse(EncodeResult(*r, "1.1.0"));
  EXPECT_EQ(out["interfaces"][0]["socketPath"], "/run/vhost.sock");
  EXPECT_EQ(out["interfaces"][0]["pciID"], "0000:00:05.0");
  const json& route = out["routes"][0];
  EXPECT_EQ(route["mtu"], 1400);
  EXPECT_EQ(route["advmss"], 1360);
  EXPECT_EQ(route["priority"], 10);
  EXPECT_EQ(route["table"], 100);
  EXPECT_EQ(route["scope"], 0);
  EXPECT_EQ(route["gw"], "10.0.0.1");
}

std::map<std::string, std::string> Env(const char* command) {
  return {{"CNI_COMMAND", command},
          {"CNI_CONTAINERID", "c1"},
          {"CNI_NETNS", "/run/netns/x"},
          {"CNI_IFNAME", "eth0"},
          {"CNI_PATH", "/usr/lib/cni"}};
}

TEST(CniConfigurationTest, IdentityTellsRuntimesApartButNotCalls) {
  Request a, b, c, d;
  ASSERT_FALSE(ParseRequest(Env("ADD"),
                            R"({"cniVersion":"1.0.0","name":"pods",
                                "type":"hostnic","nics":["eth2"]})",
                            &a));
  // The same network as another runtime configured it.
  ASSERT_FALSE(ParseRequest(Env("ADD"),
                            R"({"cniVersion":"1.0.0","name":"pods",
                                "type":"hostnic","nics":["eth3"]})",
                            &b));
  // The first one again, with what a runtime adds per call.
  ASSERT_FALSE(ParseRequest(Env("ADD"),
                            R"({"cniVersion":"1.1.0","name":"pods",
                                "type":"hostnic","nics":["eth2"],
                                "runtimeConfig":{"mac":"52:54:0e:e5:00:f7"},
                                "prevResult":{"cniVersion":"1.1.0"}})",
                            &c));
  ASSERT_FALSE(ParseRequest(Env("GC"),
                            R"({"cniVersion":"1.1.0","name":"pods",
                                "type":"hostnic","nics":["eth2"],
                                "cni.dev/valid-attachments":[]})",
                            &d));
  EXPECT_EQ(a.conf.identity.size(), 16u);
  EXPECT_NE(a.conf.identity, b.conf.identity);
  EXPECT_EQ(a.conf.identity, c.conf.identity);
  EXPECT_EQ(a.conf.identity, d.conf.identity);
  EXPECT_TRUE(d.conf.valid_attachments_given);
}

TEST(CniConfigurationTest, GcWithoutTheKeyIsToldApart) {
  Request r;
  ASSERT_FALSE(ParseRequest(
      Env("GC"), R"({"cniVersion":"1.1.0","name":"pods","type":"hostnic"})",
      &r));
  EXPECT_FALSE(r.conf.valid_attachments_given);
}

TEST(CniConfigurationTest, DeviceIdSelectsByPciAddress) {
  Request r;
  ASSERT_FALSE(ParseRequest(Env("ADD"),
                            R"({"cniVersion":"1.0.0","name":"pods",
                                "type":"hostnic","pciBusID":"0000:00:04.0",
                                "runtimeConfig":{"deviceID":"0000:00:05.0"}})",
                            &r));
  EXPECT_EQ(r.conf.pci_address, "0000:00:05.0") << "the runtime's wins";
  ASSERT_FALSE(ParseRequest(Env("ADD"),
                            R"({"cniVersion":"1.0.0","name":"pods",
                                "type":"hostnic","pciBusID":"0000:00:04.0"})",
                            &r));
  EXPECT_EQ(r.conf.pci_address, "0000:00:04.0");
  Request bad;
  std::optional<Error> error =
      ParseRequest(Env("ADD"),
                   R"({"cniVersion":"1.0.0","name":"pods","type":"hostnic",
          "runtimeConfig":{"deviceID":"eth2"}})",
                   &bad);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, kInvalidConfig);
  EXPECT_THAT(error->details, HasSubstr("'eth2'"));
}

TEST(CniConfigurationTest, UnknownFieldErrorsNameTheValue) {
  Request r;
  std::optional<Error> error = ParseRequest(
      Env("ADD"),
      R"({"cniVersion":"1.0.0","name":"pods","type":"hostnic","mut":1400})",
      &r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, kUnsupportedField);
  EXPECT_THAT(error->details, HasSubstr("\"mut\": 1400"));
  auto env = Env("ADD");
  env["CNI_ARGS"] = "K8S_POD_NAME=web-0";
  error = ParseRequest(
      env, R"({"cniVersion":"1.0.0","name":"pods","type":"hostnic"})", &r);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, kUnsupportedField);
  EXPECT_THAT(error->details, HasSubstr("K8S_POD_NAME=web-0"));
}

Request StaticRequest(const std::string& ipam, const std::string& args = "") {
  Request r;
  auto env = Env("ADD");
  if (!args.empty()) env["CNI_ARGS"] = args;
  std::optional<Error> error = ParseRequest(
      env,
      R"({"cniVersion":"1.0.0","name":"pods","type":"hostnic","ipam":)" + ipam +
          "}",
      &r);
  EXPECT_FALSE(error) << error->msg << ": " << error->details;
  return r;
}

TEST(StaticIpamTest, AppliesAPlainSectionItself) {
  Request r = StaticRequest(
      R"({"type":"static","addresses":[{"address":"10.9.0.5/24",
          "gateway":"10.9.0.1"},{"address":"fd00::5/64"}],
          "routes":[{"dst":"0.0.0.0/0"},{"dst":"10.8.0.0/16",
          "gw":"10.9.0.254"}],"dns":{"nameservers":["10.9.0.53"]}})");
  std::optional<Result<CniResult>> got = RunStaticIpam(r, Command::kAdd);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->ok()) << got->status().message();
  const CniResult& result = **got;
  ASSERT_EQ(result.ips.size(), 2u);
  EXPECT_EQ(result.ips[0].address, "10.9.0.5/24");
  EXPECT_EQ(result.ips[0].gateway, "10.9.0.1");
  EXPECT_EQ(result.ips[1].address, "fd00::5/64");
  ASSERT_EQ(result.routes.size(), 2u);
  EXPECT_EQ(result.routes[1].gw, "10.9.0.254");
  EXPECT_THAT(result.dns, HasSubstr("10.9.0.53"));
  // static keeps no state: the other verbs have nothing to do.
  std::optional<Result<CniResult>> del = RunStaticIpam(r, Command::kDel);
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->ok());
}

TEST(StaticIpamTest, RefusesWhatStaticRefusesNamingTheValue) {
  for (const char* ipam :
       {R"({"type":"static","addresses":[{"address":"10.9.0.5"}]})",
        R"({"type":"static","addresses":[{"address":"10.9.0.5/24",
            "gateway":"fd00::1"}]})",
        R"({"type":"static","addresses":[{"address":"10.9.0.5/24"}],
            "routes":[{"dst":"10.8.0.0"}]})"}) {
    SCOPED_TRACE(ipam);
    std::optional<Result<CniResult>> got =
        RunStaticIpam(StaticRequest(ipam), Command::kAdd);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status().code(), Code::kInvalidArgument);
    EXPECT_THAT(got->status().message(), HasSubstr("'"));
  }
}

TEST(StaticIpamTest, LeavesAnythingElseToTheRealPlugin) {
  // Another type; a key static has that hostnic does not apply; addresses
  // from the runtime; no addresses at all.
  EXPECT_FALSE(RunStaticIpam(StaticRequest(R"({"type":"host-local",
      "ranges":[[{"subnet":"10.9.0.0/24"}]]})"),
                             Command::kAdd));
  EXPECT_FALSE(RunStaticIpam(StaticRequest(R"({"type":"static",
      "addresses":[{"address":"10.9.0.5/24"}],"newKey":1})"),
                             Command::kAdd));
  EXPECT_FALSE(
      RunStaticIpam(StaticRequest(R"({"type":"static","addresses":[]})",
                                  "IgnoreUnknown=1;IP=10.9.0.7/24"),
                    Command::kAdd));
  EXPECT_FALSE(
      RunStaticIpam(StaticRequest(R"({"type":"static"})"), Command::kAdd));
}

}  // namespace
}  // namespace hostnic::cni
