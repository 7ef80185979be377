#include "fuzz/handlers/world.h"

#include <chrono>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "fuzz/handlers/endpoints.h"
#include "fuzz/handlers/host.h"
#include "fuzz/handlers/protocol.h"

namespace hostnic::fuzz {
namespace {

// Parses "N" into an index of kNicMacs.
int NicIndex(const std::string& text) {
  if (text.size() != 1 || text[0] < '0' || text[0] > '3') return -1;
  return text[0] - '0';
}

}  // namespace

World::World()
    : links_(&inventory_),
      hooks_(&inventory_),
      dhcp_("dhcp", &clock_),
      renewer_(&clock_) {
  inventory_.Reset(InitialLinks(), {2});
  for (int i = 0; i < kDhcpNics; ++i) dhcp_.Set(NicLease(i));
  NewDriver();
}

void World::Step(const std::string& line) {
  const EndpointView before = FromReport(*driver_);
  if (!line.empty() && line[0] == '!') {
    Event(line);
  } else {
    const size_t space = line.find(' ');
    const std::string path = Expand(line.substr(0, space));
    const std::string body =
        space == std::string::npos ? "" : line.substr(space + 1);
    SendAndCheck(handlers_.get(), *driver_, line, path, body);
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

void World::NewDriver() {
  returns_.reset();
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
  handlers_ = std::make_unique<docker::Handlers>(driver_.get(), &metrics_);
  returns_ = std::make_unique<NetnsReturns>(
      driver_.get(), &inventory_, &home_,
      NetnsReturnsOptions{std::chrono::milliseconds(0),
                          std::chrono::milliseconds(0)});
  returns_->Drain();
}

void World::Event(const std::string& line) {
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
  } else if (verb == "wall" && words.size() > 1 &&
             (words[1] == "+" || words[1] == "-")) {
    // Leases are timed on the monotonic clock: setting the wall clock a day
    // on or back changes no lease's state.
    auto states = [this] {
      std::vector<std::string> s;
      for (const NicReport& row : driver_->Report())
        s.push_back(row.lease_state);
      return s;
    };
    const std::vector<std::string> before = states();
    clock_.StepWall(words[1] == "+" ? std::chrono::hours(24)
                                    : -std::chrono::hours(24));
    if (states() != before) Fail(line, "a wall-clock step changed a lease");
  } else if (verb == "dhcp" && words.size() > 1) {
    Dhcp(words[1]);
  } else if (verb == "restart") {
    Restart(line);
  } else if ((verb == "return" || verb == "owe") && n >= 0) {
    Return(line, verb, mac);
  } else if (verb == "home" && words.size() > 1) {
    home_.set_mode(words[1] == "gone"   ? FuzzNetnsHome::Mode::kGone
                   : words[1] == "fail" ? FuzzNetnsHome::Mode::kFail
                                        : FuzzNetnsHome::Mode::kOk);
  }
  // The link monitor hears of a NIC that came home.
  for (const Link& link : home_.TakeArrivals()) driver_->OnLinkChanged(link);
}

void World::Return(const std::string& line, const std::string& verb,
                   const Mac& mac) {
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac != mac || !row.joined) continue;
    const std::string netns = "/run/netns/fuzz-" + row.endpoint_id;
    if (verb == "return") {
      // An error (the namespace cannot be opened) changes nothing.
      (void)returns_->Begin(row.network_id, row.endpoint_id, netns);
      return;
    }
    // Killed after answering the DEL, before the NIC is home.
    if (driver_->OweReturn(row.network_id, row.endpoint_id, netns).ok()) {
      Restart(line);
    }
    return;
  }
}

void World::Restart(const std::string& line) {
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
  // A return the records say is owed is finished, and its endpoint
  // released, as are the left ones above.
  EndpointView stored;
  EndpointView releasable;
  std::set<std::string> released;
  std::set<std::string> owed;
  for (const EndpointRecord& e : snapshot->endpoints) {
    if (!e.return_from.empty()) owed.insert(e.id);
    if ((e.left() && (inventory_.FindByMac(e.mac) || joined.count(e.mac))) ||
        !e.return_from.empty()) {
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
  (void)returns_->Recover();
  for (const Link& link : home_.TakeArrivals()) driver_->OnLinkChanged(link);
  const EndpointView after = FromReport(*driver_);
  // An owed return's release also fails while the disk does (its Leave is
  // not stored): the endpoint is kept, and the next start tries again.
  for (const auto& [id, view] : releasable) {
    if (!link_failing && !(disk_failing_ && owed.count(id))) continue;
    if (auto kept = after.find(id); kept != after.end() && kept->second == view)
      stored[id] = view;
  }
  if (stored != after) {
    Fail(line, "endpoints after restart differ from the store",
         "store: " + Describe(stored) + "\n  after: " + Describe(after));
  }
  may_linger_.clear();
  if (disk_failing_) may_linger_ = std::move(released);
}

void World::Dhcp(const std::string& what) {
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
    const Lease moved = ServerLease("192.168.61.77/24");
    LeaseRenewer::Renewal renewal;
    renewal.lease = moved;
    renewer_.Queue(renewal);
    renewer_.QueueReacquire(moved);
  } else if (what == "badinstall") {
    sandbox_.FailNextInstall(Status::IoError("netlink: No such device"));
  }
}

void World::Check(const std::string& step) {
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
      Fail(step, "endpoint " + e.id + " outlives its network " + e.network_id);
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

}  // namespace hostnic::fuzz
