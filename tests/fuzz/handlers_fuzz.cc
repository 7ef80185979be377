// libFuzzer target: the remote-driver API (wire decoding + Handlers + Driver)
// over fakes -- an Inventory of a few fake devices, FakeLinkControl,
// MemoryStore and FakeHooks.
//
// One input is a script, one step per line:
//
//   PATH BODY     POST BODY to PATH ("/NetworkDriver.Join"); a PATH without
//                 the leading '/' that names a method ("Join",
//                 "Plugin.Activate") is expanded, anything else is sent as is
//   !gone N       NIC N (0-3) leaves the host (Docker moved it into a
//                 container, or it was detached)
//   !back N NAME  NIC N is back (or renamed) as NAME, with a new ifindex when
//                 it was gone; the driver hears of it as from the monitor
//   !attach N     the next attach hook plugs NIC N (!attach - : plugs none)
//   !hookfail     the next attach hooks fail, the detach hooks too
//   !disk on|off  every store write fails (full or read-only disk) or not
//   !linkfail     the next LinkControl call fails
//   !restart      a new Driver recovers from the store; it must know the
//                 endpoints on disk (the old one's, plus lingering records)
//   !time N       N (0-9) times 20 s pass, then the lease keeper runs
//                 (KeepLeases: renewals, expiry, asking again when lost)
//   !dhcp WHAT    the DHCP server's next answer to a renewal or to a lost
//                 lease's request: ack, nak, none (no answer), move (another
//                 address), down (no answer to either until !dhcp up), up
//                 (a lost NIC gets its address back; ack: the same),
//                 badinstall (putting
//                 the address back in the container fails)
//
// NICs 0-2 get DHCP leases (120 s, T1 60 s, T2 105 s) on networks whose
// IPAM is null or that ask hostnic.address=dhcp.
//
// After every step it checks: the reply is HTTP 200 for the protocol's
// methods and 404 otherwise, with a non-empty JSON object body; an "Err" is a
// non-empty string (libnetwork takes "" as success); successful replies have
// the documented shape (a Join names the NIC the endpoint holds); every
// endpoint the driver knows is on disk as it is, and the disk holds no other
// endpoint except one released while the disk failed (its record may linger
// until a later request removes it); no NIC is recorded twice; no endpoint
// outlives its network; device names stay unique; after !restart the driver
// knows exactly the endpoints on disk. Any violation aborts with
// the step and the reply. Waits for absent NICs are cut at once
// (Driver::Shutdown) so no input can stall the fuzzer.
//
// HOSTNIC_FUZZ_LOG=1 logs the driver at debug level to stderr (reproducing);
// otherwise logs are formatted into a null sink (the formatting is fuzzed too).
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "docker/handlers.h"
#include "driver/driver.h"
#include "fakes/fake_address.h"
#include "fakes/fake_hooks.h"
#include "fakes/fake_link_control.h"
#include "fakes/memory_store.h"
#include "observability/metrics.h"

namespace hostnic {
namespace {

using nlohmann::json;

constexpr size_t kMaxSteps = 64;

const char* const kMethods[] = {
    "/Plugin.Activate",
    "/NetworkDriver.GetCapabilities",
    "/NetworkDriver.CreateNetwork",
    "/NetworkDriver.DeleteNetwork",
    "/NetworkDriver.AllocateNetwork",
    "/NetworkDriver.FreeNetwork",
    "/NetworkDriver.CreateEndpoint",
    "/NetworkDriver.EndpointOperInfo",
    "/NetworkDriver.DeleteEndpoint",
    "/NetworkDriver.Join",
    "/NetworkDriver.Leave",
    "/NetworkDriver.DiscoverNew",
    "/NetworkDriver.DiscoverDelete",
    "/NetworkDriver.ProgramExternalConnectivity",
    "/NetworkDriver.RevokeExternalConnectivity",
};

// The NICs a script can move (index N of !gone/!back/!attach).
const char* const kNicMacs[] = {"52:54:0e:e5:00:f7", "52:54:0e:e5:00:f8",
                                "52:54:0e:e5:00:f9", "52:54:0e:e5:00:fa"};

[[noreturn]] void Fail(const std::string& step, const std::string& what,
                       const std::string& detail = "") {
  std::fprintf(stderr, "\nINVARIANT VIOLATED at step: %s\n  %s\n%s%s\n",
               step.c_str(), what.c_str(), detail.empty() ? "" : "  ",
               detail.c_str());
  std::abort();
}

Link MakeLink(int ifindex, const std::string& name, const std::string& mac,
              const std::string& kind = "veth", unsigned mtu = 1500,
              bool up = false) {
  Link l;
  l.ifindex = ifindex;
  l.name = name;
  l.mac = *Mac::Parse(mac);
  l.kind = kind;
  l.mtu = mtu;
  l.up = up;
  return l;
}

std::vector<Link> InitialLinks() {
  Link lo = MakeLink(1, "lo", "00:00:00:00:00:00", "", 65536, true);
  lo.loopback = true;
  Link bond = MakeLink(7, "bond0", "52:54:0e:e5:00:fa", "bond", 1500, true);
  Link slave = MakeLink(8, "eth5", "52:54:0e:e5:00:fa", "", 1500, true);
  slave.master = 7;
  slave.slave = true;
  return {lo,
          MakeLink(2, "eth0", "52:54:00:00:00:01", "", 1500, true),
          MakeLink(3, "eth2", kNicMacs[0]),
          MakeLink(4, "eth3", kNicMacs[1], "veth", 1500, true),
          MakeLink(5, "eth4", kNicMacs[2], "", 9000, false),
          MakeLink(6, "docker0", "02:42:ac:11:00:01", "bridge", 1500, true),
          bond,
          slave};
}

std::string Expand(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  for (const char* m : kMethods) {
    const std::string full = m;
    if (full == "/" + path || full == "/NetworkDriver." + path) return full;
  }
  return path;
}

bool KnownMethod(const std::string& path) {
  for (const char* m : kMethods) {
    if (path == m) return true;
  }
  return false;
}

// endpoint ID -> (network ID, MAC, joined)
using EndpointView = std::map<std::string, std::tuple<std::string, Mac, bool>>;

EndpointView FromReport(const Driver& driver) {
  EndpointView view;
  for (const NicReport& row : driver.Report()) {
    if (row.endpoint_id.empty()) continue;
    view[row.endpoint_id] =
        std::make_tuple(row.network_id, row.link.mac, row.joined);
  }
  return view;
}

std::string Describe(const EndpointView& view) {
  std::string out;
  for (const auto& [id, e] : view) {
    out += id + "@" + std::get<0>(e) + "=" + std::get<1>(e).ToString() +
           (std::get<2>(e) ? "(joined) " : " ");
  }
  return out.empty() ? "(none)" : out;
}

class World {
 public:
  World()
      : links_(&inventory_),
        hooks_(&inventory_),
        dhcp_("dhcp", &clock_),
        renewer_(&clock_) {
    inventory_.Reset(InitialLinks(), {2});
    for (int i = 0; i < 3; ++i) {
      Lease lease;
      lease.mac = *Mac::Parse(kNicMacs[i]);
      lease.address = "192.168.61." + std::to_string(11 + i) + "/24";
      lease.gateway = lease.server = "192.168.61.1";
      lease.lease_seconds = 120;
      lease.t1_seconds = 60;
      lease.t2_seconds = 105;
      dhcp_.Set(lease);
    }
    NewDriver();
  }

  void Step(const std::string& line) {
    const EndpointView before = FromReport(*driver_);
    if (!line.empty() && line[0] == '!') {
      Event(line);
    } else {
      const size_t space = line.find(' ');
      const std::string path = Expand(line.substr(0, space));
      const std::string body =
          space == std::string::npos ? "" : line.substr(space + 1);
      Request(line, path, body);
    }
    // An endpoint released while the disk fails is gone from memory (its NIC
    // is free) but its record may stay until a later request can remove it.
    if (disk_failing_) {
      const EndpointView after = FromReport(*driver_);
      for (const auto& [id, e] : before) {
        if (!after.count(id)) may_linger_.insert(id);
      }
    }
    Check(line);
  }

 private:
  void NewDriver() {
    handlers_.reset();
    // This world has no sandboxes to tear down: every sandbox stays up, so a
    // restart keeps the joined endpoints the store has (the release of
    // endpoints whose sandbox is gone is covered by the unit tests).
    DriverOptions options;
    options.sandbox_exists = [](const std::string&) { return true; };
    driver_ = std::make_unique<Driver>(
        options, &inventory_, &links_, &store_, &hooks_,
        AddressPorts{&dhcp_, &renewer_, nullptr, &sandbox_, &clock_, nullptr});
    driver_->Shutdown();  // Waits for NICs fail at once.
    handlers_ = std::make_unique<api::Handlers>(driver_.get(), &metrics_);
  }

  void Request(const std::string& step, const std::string& path,
               const std::string& body) {
    api::Handlers::Reply reply;
    try {
      reply = handlers_->Handle(path, body);
    } catch (const std::exception& e) {
      Fail(step, "Handle threw", e.what());
    } catch (...) {
      Fail(step, "Handle threw a non-std exception");
    }
    const bool known = KnownMethod(path);
    if (reply.http_status != (known ? 200 : 404)) {
      Fail(step, "HTTP status " + std::to_string(reply.http_status), path);
    }
    if (reply.body.empty()) Fail(step, "empty reply body");
    const json j = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      Fail(step, "reply is not a JSON object", reply.body);
    }
    if (auto err = j.find("Err"); err != j.end()) {
      if (!err->is_string() || err->get<std::string>().empty()) {
        Fail(step, "\"Err\" is not a non-empty string", reply.body);
      }
      if (j.size() != 1) Fail(step, "error reply with more fields", reply.body);
      return;
    }
    if (!known) Fail(step, "404 without Err", reply.body);
    CheckSuccess(step, path, body, j);
  }

  void CheckSuccess(const std::string& step, const std::string& path,
                    const std::string& body, const json& reply) {
    // A request that succeeded was valid JSON with string IDs.
    const json request = json::parse(body, nullptr, false);
    auto id = [&](const char* key) -> std::string {
      if (request.is_object()) {
        auto it = request.find(key);
        if (it != request.end() && it->is_string()) return *it;
      }
      return "";
    };
    if (path == "/NetworkDriver.CreateEndpoint") {
      if (reply.empty()) return;
      const json* mac = nullptr;
      const json* address = nullptr;
      if (auto i = reply.find("Interface");
          i != reply.end() && i->is_object()) {
        if (auto m = i->find("MacAddress"); m != i->end() && m->is_string())
          mac = &*m;
        // A DHCP network answers the NIC's own address.
        if (auto a = i->find("Address"); a != i->end() && a->is_string())
          address = &*a;
        if (i->size() != (mac ? 1u : 0u) + (address ? 1u : 0u)) {
          Fail(step, "CreateEndpoint reply with other fields", reply.dump());
        }
      }
      if (mac == nullptr && address != nullptr) return;  // Docker's MAC.
      if (mac == nullptr || !Mac::Parse(mac->get<std::string>())) {
        Fail(step, "CreateEndpoint reply without a MAC", reply.dump());
      }
      // Docker rejects a reply that changes a MAC it sent.
      if (request.is_object()) {
        auto i = request.find("Interface");
        if (i != request.end() && i->is_object()) {
          auto m = i->find("MacAddress");
          if (m != i->end() && m->is_string() &&
              !m->get<std::string>().empty()) {
            Fail(step, "CreateEndpoint answered a MAC Docker had set",
                 reply.dump());
          }
        }
      }
      const EndpointView view = FromReport(*driver_);
      auto e = view.find(id("EndpointID"));
      if (e == view.end() ||
          std::get<1>(e->second) != *Mac::Parse(mac->get<std::string>())) {
        Fail(step, "CreateEndpoint answered a MAC the endpoint does not hold",
             reply.dump() + " / " + Describe(view));
      }
    } else if (path == "/NetworkDriver.Join") {
      const auto iface = reply.find("InterfaceName");
      if (iface == reply.end() || !iface->is_object() ||
          !iface->contains("SrcName") || !(*iface)["SrcName"].is_string() ||
          (*iface)["SrcName"].get<std::string>().empty() ||
          iface->value("DstPrefix", json()) != "eth") {
        Fail(step, "Join reply without InterfaceName", reply.dump());
      }
      const std::string src = (*iface)["SrcName"];
      bool found = false;
      for (const NicReport& row : driver_->Report()) {
        if (row.present && row.link.name == src &&
            row.endpoint_id == id("EndpointID") && row.joined) {
          found = true;
        }
      }
      if (!found) {
        Fail(step, "Join answered " + src +
                       ", which is not the joined endpoint's NIC on the host");
      }
    } else if (path == "/NetworkDriver.EndpointOperInfo") {
      if (!reply.contains("Value") || !reply["Value"].is_object()) {
        Fail(step, "EndpointOperInfo reply without Value", reply.dump());
      }
    } else if (path == "/Plugin.Activate") {
      if (reply != json::parse(R"({"Implements":["NetworkDriver"]})")) {
        Fail(step, "Activate reply", reply.dump());
      }
    } else if (path == "/NetworkDriver.GetCapabilities") {
      if (reply.value("Scope", json()) != "local") {
        Fail(step, "GetCapabilities reply", reply.dump());
      }
    } else if (!reply.empty()) {
      Fail(step, "success reply is not {}", reply.dump());
    }
  }

  // Parses "N" into an index of kNicMacs.
  static int NicIndex(const std::string& text) {
    if (text.size() != 1 || text[0] < '0' || text[0] > '3') return -1;
    return text[0] - '0';
  }

  void Event(const std::string& line) {
    std::vector<std::string> words;
    size_t start = 1;
    while (start <= line.size() && words.size() < 3) {
      size_t space = line.find(' ', start);
      if (space == std::string::npos) space = line.size();
      words.push_back(line.substr(start, space - start));
      start = space + 1;
    }
    const std::string& verb = words[0];
    const int n = words.size() > 1 ? NicIndex(words[1]) : -1;
    const Mac mac = n >= 0 ? *Mac::Parse(kNicMacs[n]) : Mac();
    if (verb == "gone" && n >= 0) {
      // Every device with that MAC: a bond's slave shares it.
      while (auto link = inventory_.FindByMac(mac)) {
        inventory_.Remove(link->ifindex);
      }
    } else if (verb == "back" && n >= 0 && words.size() > 2) {
      std::string name = words[2];
      std::optional<Link> link = inventory_.FindByMac(mac);
      if (!link) {
        link = MakeLink(next_ifindex_++, "", kNicMacs[n]);
        link->name = "eth" + std::to_string(link->ifindex);
      }
      // The kernel refuses a name that is taken or not a device name.
      if (auto other = inventory_.FindByName(name);
          name.empty() || name.size() > 15 ||
          name.find_first_of("/: \t") != std::string::npos ||
          (other && other->ifindex != link->ifindex)) {
        name = link->name;
      }
      link->name = name;
      inventory_.Upsert(*link);
      driver_->OnLinkChanged(*link);  // As the monitor's listener would.
    } else if (verb == "attach" && words.size() > 1) {
      if (n >= 0) {
        Link link = MakeLink(next_ifindex_++, "", kNicMacs[n]);
        link.name = "eth" + std::to_string(link.ifindex);
        if (inventory_.FindByMac(mac)) link.ifindex = 0;  // Already there.
        hooks_.OnAttach(link.ifindex != 0 ? std::optional<Link>(link)
                                          : std::nullopt);
      } else {
        hooks_.OnAttach(std::nullopt);
      }
    } else if (verb == "hookfail") {
      hooks_.OnAttach(std::nullopt, FakeHooks::Plug::kAtOnce, true,
                      Status::IoError("cloud API said no"));
      hooks_.FailDetach(Status::IoError("cloud API said no"));
    } else if (verb == "disk" && words.size() > 1) {
      disk_failing_ = words[1] == "on";
      store_.SetFailing(disk_failing_);
    } else if (verb == "linkfail") {
      links_.FailNext(Status::IoError("netlink: Operation not permitted"));
    } else if (verb == "time" && words.size() > 1 && words[1].size() == 1 &&
               words[1][0] >= '0' && words[1][0] <= '9') {
      clock_.Advance(std::chrono::seconds(20 * (words[1][0] - '0')));
      driver_->KeepLeases();
    } else if (verb == "dhcp" && words.size() > 1) {
      Dhcp(words[1]);
    } else if (verb == "restart") {
      // The new driver must know exactly what is on disk: the old one's
      // endpoints plus records that lingered (see Step), less the left
      // endpoints it releases: those whose NIC is back on the host (Docker
      // retries their DeleteEndpoint with an empty body) and those whose NIC
      // a joined endpoint records (a stale record). While the disk fails,
      // their records stay, and the next restart releases them again: the
      // driver is right to, so they may linger past this restart.
      Result<Snapshot> snapshot = store_.Load();
      if (!snapshot.ok()) Fail(line, "store Load failed");
      std::set<Mac> joined;
      for (const EndpointRecord& e : snapshot->endpoints) {
        if (e.joined) joined.insert(e.mac);
      }
      EndpointView stored;
      EndpointView releasable;
      std::set<std::string> released;
      for (const EndpointRecord& e : snapshot->endpoints) {
        if (e.left() && (inventory_.FindByMac(e.mac) || joined.count(e.mac))) {
          released.insert(e.id);
          releasable[e.id] = std::make_tuple(e.network_id, e.mac, e.joined);
          continue;
        }
        stored[e.id] = std::make_tuple(e.network_id, e.mac, e.joined);
      }
      // A `!linkfail` nobody consumed yet fails the recovery's first device
      // change: putting a released NIC back. That endpoint is then kept,
      // record and all, so the next start releases it again.
      const bool link_failing = links_.failing();
      NewDriver();
      Result<std::vector<std::string>> problems = driver_->Recover();
      if (!problems.ok()) {
        Fail(line, "Recover failed", problems.status().message());
      }
      const EndpointView after = FromReport(*driver_);
      if (link_failing) {
        for (const auto& [id, view] : releasable) {
          if (auto kept = after.find(id);
              kept != after.end() && kept->second == view)
            stored[id] = view;
        }
      }
      if (stored != after) {
        Fail(line, "endpoints after restart differ from the store",
             "store: " + Describe(stored) + "\n  after: " + Describe(after));
      }
      may_linger_.clear();
      if (disk_failing_) may_linger_ = std::move(released);
    }
  }

  // Queues the server's next answers (see !dhcp).
  void Dhcp(const std::string& what) {
    const Status silent = Status::Timeout("no DHCP answer within 10 s");
    if (what == "nak") {
      LeaseRenewer::Renewal nak;
      nak.answer = LeaseRenewer::Answer::kNak;
      renewer_.Queue(nak);
    } else if (what == "none") {
      renewer_.Queue(silent);
    } else if (what == "down") {
      for (int i = 0; i < 8; ++i) {
        renewer_.Queue(silent);
        renewer_.QueueReacquire(silent);
      }
    } else if (what == "up" || what == "ack") {
      renewer_.ClearQueues();  // Unqueued, the fake ACKs the same lease.
    } else if (what == "move") {
      Lease moved;
      moved.address = "192.168.61.77/24";
      moved.server = moved.gateway = "192.168.61.1";
      moved.lease_seconds = 120;
      moved.t1_seconds = 60;
      moved.t2_seconds = 105;
      LeaseRenewer::Renewal renewal;
      renewal.lease = moved;
      renewer_.Queue(renewal);
      renewer_.QueueReacquire(moved);
    } else if (what == "badinstall") {
      sandbox_.FailNextInstall(Status::IoError("netlink: No such device"));
    }
  }

  void Check(const std::string& step) {
    for (const std::string& broken : driver_->Violations()) {
      Fail(step, "the driver's NIC table is inconsistent", broken);
    }
    Result<Snapshot> snapshot = store_.Load();
    if (!snapshot.ok()) Fail(step, "store Load failed");
    EndpointView stored;
    std::set<std::string> networks;
    for (const NetworkRecord& n : snapshot->networks) networks.insert(n.id);
    std::map<Mac, std::string> holders;
    for (const EndpointRecord& e : snapshot->endpoints) {
      stored[e.id] = std::make_tuple(e.network_id, e.mac, e.joined);
      if (!networks.count(e.network_id)) {
        Fail(step,
             "endpoint " + e.id + " outlives its network " + e.network_id);
      }
      if (auto [it, fresh] = holders.emplace(e.mac, e.id); !fresh) {
        Fail(step, "NIC " + e.mac.ToString() + " held by " + it->second +
                       " and " + e.id);
      }
    }
    // Every endpoint in memory is on disk as it is; a record on disk that
    // memory lacks is one released while the disk failed, not yet removed.
    const EndpointView memory = FromReport(*driver_);
    bool agree = true;
    for (const auto& [id, e] : memory) {
      auto it = stored.find(id);
      if (it == stored.end() || it->second != e) agree = false;
    }
    for (auto it = may_linger_.begin(); it != may_linger_.end();) {
      it = stored.count(*it) ? std::next(it) : may_linger_.erase(it);
    }
    for (const auto& [id, e] : stored) {
      if (!memory.count(id) && !may_linger_.count(id)) agree = false;
    }
    if (!agree) {
      Fail(step, "store and driver disagree on endpoints",
           "store:  " + Describe(stored) + "\n  memory: " + Describe(memory));
    }
    std::set<std::string> names;
    for (const Link& l : inventory_.All()) {
      if (!names.insert(l.name).second) {
        Fail(step, "two devices named " + l.name);
      }
    }
  }

  Inventory inventory_;
  FakeLinkControl links_;
  MemoryStore store_;
  FakeHooks hooks_;
  FakeClock clock_;
  FakeAddressSource dhcp_;
  FakeRenewer renewer_;
  FakeSandbox sandbox_;
  api::Metrics metrics_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<api::Handlers> handlers_;
  int next_ifindex_ = 100;
  bool disk_failing_ = false;
  std::set<std::string> may_linger_;  // Endpoint IDs whose record may linger.
};

}  // namespace
}  // namespace hostnic

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (std::getenv("HOSTNIC_FUZZ_LOG") != nullptr) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "hostnic", std::make_shared<spdlog::sinks::stderr_sink_mt>()));
    spdlog::set_level(spdlog::level::debug);
  } else {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "hostnic", std::make_shared<spdlog::sinks::null_sink_mt>()));
    spdlog::set_level(spdlog::level::trace);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  hostnic::World world;
  size_t start = 0;
  for (size_t steps = 0; start < input.size() && steps < hostnic::kMaxSteps;
       ++steps) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string line(input.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    if (std::getenv("HOSTNIC_FUZZ_LOG") != nullptr) {
      std::fprintf(stderr, ">> %s\n", line.c_str());
    }
    world.Step(line);
  }
  return 0;
}
