// hostnic_load: a load test of the daemon's control plane. As root:
//
//   hostnic_load --hostnic build/hostnic [--nics 64] [--threads 16]
//                [--cycles 1000] [--seconds 35] [--seed N] [--keep] [--no-mtu]
//                [--slow-clients 300] [--slow-only]
//
// It moves itself into a private network namespace (unshare(CLONE_NEWNET)),
// so nothing it does is visible on the host, creates NICS veth pairs there
// (hl0..hlN-1, MACs 52:54:0f:00:XX:YY, each with its own MTU 1500+i, every
// fourth one up), starts the daemon on its own socket and state dir (allowed
// to touch only those NICs), creates five networks with overlapping pools
// (all NICs; hl0..31 by name; hl16..47 by MAC; hl32..63 by name with
// hostnic.mtu=1400, unless --no-mtu; hl60..63, a pool that runs out) and
// has THREADS threads race through CreateEndpoint / Join / Leave /
// DeleteEndpoint cycles: by MAC, by hostnic.nic=NAME and by
// pool pick, so threads fight for the same NICs. A few endpoints are kept
// (containers that keep running). At a random point of the load the daemon
// is killed with SIGKILL and restarted on the same state dir; calls that hit
// the dead daemon are retried until they get an answer, as the client cannot
// know whether they took effect.
//
// Invariants, checked after the load, after a second kill -9 at rest, and
// after everything is deleted:
//   - no NIC held by two endpoints (status rows and state files);
//   - the endpoints the client believes exist are exactly those of /status
//     and exactly those of STATE/endpoints, with the same NIC, network and
//     joined state (no endpoint lost, none invented);
//   - STATE/networks holds exactly the networks created; no orphans, no
//     temporary or .corrupt files;
//   - every NIC that is not held is "free", has its own name, MTU and up
//     state; a held NIC has its name and the MTU its network asks for;
//   - at the end every NIC is free with its original name, MTU and state in
//     the kernel, and the state dir is empty.
// Before the load, SLOW_CLIENTS connections that send nothing and as many
// that send headers and half the body they announce hang on the socket
// while Plugin.Activate is called 20 times: every call must be answered
// before those clients are cut (the daemon's request timeout, 5 s), and
// every one of them must be cut within 20 s; the latencies and the time of
// the cut are printed.
// Any error answer other than "held by another endpoint" or "no free NIC"
// is a failure. Exits 0 when everything holds, 1 otherwise, 77 (skip) when
// not root.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/unix_http_client.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using hostnic::api::UnixHttpClient;

struct Options {
  std::string hostnic;
  int nics = 64;
  int threads = 16;
  int cycles = 1000;
  int seconds = 35;
  unsigned seed = 0;
  bool keep = false;
  bool mtu_network = true;  // --no-mtu: no network with hostnic.mtu
  int slow_clients = 300;   // --slow-clients: idle and half-body clients each
  bool slow_only = false;   // --slow-only: that phase alone, no load
};

struct Nic {
  std::string name;
  std::string mac;
  int mtu = 0;
  bool up = false;
};

struct Network {
  std::string id;
  std::vector<int> pool;  // indexes into nics
  int mtu = 0;            // hostnic.mtu, 0 for none
};

struct Belief {
  std::string network;
  std::string mac;
  bool joined = false;
};

// ------------------------------------------------------------------ world
Options opt;
std::string work;  // temporary directory: socket, state, log
std::string sock_path, state_dir, log_path;
std::vector<Nic> nics;
std::vector<Network> networks;
std::map<std::string, int> nic_by_mac;

std::mutex belief_mu;
std::map<std::string, Belief> belief;  // endpoint id -> what the client knows

std::mutex problems_mu;
std::vector<std::string> problems;  // invariant violations, unexpected answers

std::atomic<pid_t> daemon_pid{-1};
std::atomic<int> cycles_started{0}, cycles_done{0};
std::atomic<int> creates_ok{0}, joins_ok{0}, leaves_ok{0}, deletes_ok{0};
std::atomic<int> busy_refusals{0}, pool_exhausted{0}, retries{0};
std::atomic<bool> stop_load{false};

void Problem(const std::string& what) {
  std::lock_guard<std::mutex> lock(problems_mu);
  if (problems.size() < 200) problems.push_back(what);
  std::fprintf(stderr, "PROBLEM: %s\n", what.c_str());
}

std::string Sh(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    if (rc) *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

bool ShOk(const std::string& cmd) {
  int rc = 0;
  std::string out = Sh(cmd + " 2>&1", &rc);
  if (rc != 0) {
    std::fprintf(stderr, "command failed (%d): %s\n%s", rc, cmd.c_str(),
                 out.c_str());
  }
  return rc == 0;
}

std::string MacOf(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "52:54:0f:00:%02x:%02x", i / 256, i % 256);
  return buf;
}

// ---------------------------------------------------------------- daemon
bool SocketAnswers() {
  UnixHttpClient c(sock_path, std::chrono::milliseconds(1000));
  auto r = c.Post("/Plugin.Activate", "{}");
  return r.ok() && r->status == 200 &&
         r->body.find("NetworkDriver") != std::string::npos;
}

bool StartDaemon() {
  std::vector<std::string> args = {opt.hostnic,   "--socket", sock_path,
                                   "--state-dir", state_dir,  "--log-level",
                                   "info"};
  for (const Nic& n : nics) {
    args.push_back("--allow-nic");
    args.push_back(n.mac);
  }
  {
    std::ofstream log(log_path, std::ios::app);
    log << "---- starting the daemon\n";
  }
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  daemon_pid = pid;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (SocketAnswers()) return true;
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::fprintf(stderr, "the daemon exited during start-up\n");
      daemon_pid = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "the daemon's socket did not answer within 20 s\n");
  return false;
}

void StopDaemon(int sig) {
  const pid_t pid = daemon_pid.exchange(-1);
  if (pid <= 0) return;
  ::kill(pid, sig);
  int status;
  ::waitpid(pid, &status, 0);
}

// ------------------------------------------------------------------ calls
enum class Outcome { kOk, kErr, kGone };

struct Answer {
  Outcome outcome = Outcome::kGone;
  json body;
  std::string err;
  std::string raw;
};

// One POST; on a transport error (daemon dead or restarting) retries until
// the daemon answers, for up to 30 s.
Answer Call(const std::string& path, const json& body) {
  const UnixHttpClient client(sock_path, std::chrono::seconds(15));
  const std::string text = body.dump();
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (bool first = true;; first = false) {
    if (!first) retries++;
    auto r = client.Post(path, text);
    if (r.ok()) {
      Answer a;
      a.raw = r->body;
      if (r->status != 200) {
        a.outcome = Outcome::kErr;
        a.err = "HTTP " + std::to_string(r->status) + ": " + r->body;
        return a;
      }
      a.body = json::parse(r->body, nullptr, false);
      if (a.body.is_discarded() || !a.body.is_object()) {
        a.outcome = Outcome::kErr;
        a.err = "answer is not a JSON object: " + r->body;
      } else if (a.body.contains("Err")) {
        a.outcome = Outcome::kErr;
        a.err = a.body["Err"].is_string() ? a.body["Err"].get<std::string>()
                                          : a.body["Err"].dump();
      } else {
        a.outcome = Outcome::kOk;
      }
      return a;
    }
    if (Clock::now() > deadline) {
      Answer a;
      a.outcome = Outcome::kGone;
      a.err = r.status().message();
      return a;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

json Ids(const std::string& net, const std::string& ep) {
  return {{"NetworkID", net}, {"EndpointID", ep}};
}

bool ExpectOk(const char* what, const std::string& ep, const Answer& a) {
  if (a.outcome == Outcome::kOk) return true;
  Problem(std::string(what) + " " + ep + " failed: " + a.err);
  return false;
}

// ---------------------------------------------------------------- workers
void Worker(int t) {
  std::mt19937 rng(opt.seed * 7919 + t);
  int kept = 0;
  for (int c = 0; !stop_load; ++c) {
    if (cycles_started.fetch_add(1) >= opt.cycles) break;
    const Network& net = networks[rng() % networks.size()];
    const std::string ep =
        "load-t" + std::to_string(t) + "-c" + std::to_string(c);
    json create = Ids(net.id, ep);
    create["Interface"] = {{"Address", "10.77." + std::to_string(t) + "." +
                                           std::to_string(c % 250 + 2) +
                                           "/16"}};
    create["Options"] = json::object();
    const int mode = rng() % 10;
    std::string wanted_mac;
    const Nic& pick = nics[net.pool[rng() % net.pool.size()]];
    if (mode < 4) {  // --mac-address
      wanted_mac = pick.mac;
      create["Interface"]["MacAddress"] = pick.mac;
    } else if (mode < 6) {  // --driver-opt hostnic.nic=NAME
      create["Options"]["hostnic.nic"] = pick.name;
      wanted_mac = pick.mac;
    }  // else: pool pick
    Answer a = Call("/NetworkDriver.CreateEndpoint", create);
    if (a.outcome != Outcome::kOk) {
      if (a.outcome == Outcome::kErr &&
          a.err.find("is already held by endpoint") != std::string::npos &&
          !wanted_mac.empty()) {
        busy_refusals++;
      } else if (a.outcome == Outcome::kErr &&
                 a.err.find("no free NIC for network") != std::string::npos &&
                 wanted_mac.empty()) {
        pool_exhausted++;
      } else {
        Problem("CreateEndpoint " + ep + " (" + create.dump() +
                ") answered: " + (a.err.empty() ? a.raw : a.err));
      }
      cycles_done++;
      continue;
    }
    std::string mac = wanted_mac;
    if (a.body.contains("Interface")) {
      mac = a.body["Interface"].value("MacAddress", "");
      if (!wanted_mac.empty() && create["Interface"].contains("MacAddress")) {
        Problem("CreateEndpoint " + ep +
                " by --mac-address answered a MAC: " + a.raw);
      }
    }
    if (mac.empty() || !nic_by_mac.count(mac)) {
      Problem("CreateEndpoint " + ep + " answered " + a.raw +
              ": no MAC of a test NIC");
      cycles_done++;
      continue;
    }
    if (!wanted_mac.empty() && mac != wanted_mac) {
      Problem("CreateEndpoint " + ep + " wanted " + wanted_mac + " got " + mac);
    }
    {
      std::lock_guard<std::mutex> lock(belief_mu);
      belief[ep] = {net.id, mac, false};
    }
    creates_ok++;
    const Nic& nic = nics[nic_by_mac[mac]];

    json join = Ids(net.id, ep);
    // A path that exists: the sandbox stays up while the daemon restarts,
    // so a restart must keep the endpoint (see DriverOptions::sandbox_exists).
    join["SandboxKey"] = "/proc/self/ns/net";
    join["Options"] = json::object();
    a = Call("/NetworkDriver.Join", join);
    if (ExpectOk("Join", ep, a)) {
      joins_ok++;
      const json& iface = a.body.value("InterfaceName", json::object());
      if (iface.value("SrcName", "") != nic.name) {
        Problem("Join " + ep + " of NIC " + mac + " answered SrcName " +
                iface.value("SrcName", "?") + ", expected " + nic.name);
      }
      std::lock_guard<std::mutex> lock(belief_mu);
      belief[ep].joined = true;
    }
    if (kept < 2 && rng() % 40 == 0) {  // a container that keeps running
      kept++;
      cycles_done++;
      continue;
    }
    if (rng() % 10 != 0) {  // sometimes DeleteEndpoint without Leave
      if (ExpectOk("Leave", ep,
                   Call("/NetworkDriver.Leave", Ids(net.id, ep)))) {
        leaves_ok++;
        std::lock_guard<std::mutex> lock(belief_mu);
        belief[ep].joined = false;
      }
    }
    if (ExpectOk("DeleteEndpoint", ep,
                 Call("/NetworkDriver.DeleteEndpoint", Ids(net.id, ep)))) {
      deletes_ok++;
      std::lock_guard<std::mutex> lock(belief_mu);
      belief.erase(ep);
    }
    cycles_done++;
  }
}

// ------------------------------------------------------------- invariants
struct KernelLink {
  std::string name;
  int mtu = 0;
  bool up = false;
};

// The test NICs as the kernel sees them, by MAC.
std::map<std::string, KernelLink> KernelLinks() {
  std::map<std::string, KernelLink> out;
  json links = json::parse(Sh("ip -j link show"), nullptr, false);
  if (!links.is_array()) {
    Problem("ip -j link show did not print a JSON array");
    return out;
  }
  for (const json& l : links) {
    const std::string mac = l.value("address", "");
    if (!nic_by_mac.count(mac)) continue;
    KernelLink k;
    k.name = l.value("ifname", "");
    k.mtu = l.value("mtu", 0);
    for (const json& f : l.value("flags", json::array())) {
      if (f == "UP") k.up = true;
    }
    if (out.count(mac)) Problem("two kernel devices have MAC " + mac);
    out[mac] = k;
  }
  return out;
}

std::optional<json> ReadJson(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

struct Held {
  std::string network, mac, sandbox;
};

void Check(const std::string& when, bool final_check) {
  const size_t before = problems.size();
  auto P = [&](const std::string& s) { Problem(when + ": " + s); };

  // The daemon's memory.
  UnixHttpClient client(sock_path, std::chrono::seconds(10));
  auto r = client.Get("/status");
  if (!r.ok() || r->status != 200) {
    P("GET /status failed: " +
      (r.ok() ? std::to_string(r->status) : r.status().message()));
    return;
  }
  json status = json::parse(r->body, nullptr, false);
  if (status.is_discarded() || !status.contains("nics")) {
    P("GET /status is not a status document: " + r->body.substr(0, 200));
    return;
  }
  std::map<std::string, Held> mem;                    // endpoint -> held
  std::map<std::string, std::string> mem_mac_holder;  // mac -> endpoint
  std::map<std::string, json> row_by_mac;
  for (const json& row : status["nics"]) {
    const std::string mac = row.value("mac", "");
    const std::string ep = row.value("endpoint", "");
    if (nic_by_mac.count(mac)) {
      if (row_by_mac.count(mac)) P("/status lists NIC " + mac + " twice");
      row_by_mac[mac] = row;
    }
    if (ep.empty()) continue;
    if (mem.count(ep)) P("/status lists endpoint " + ep + " on two NICs");
    if (mem_mac_holder.count(mac)) {
      P("NIC " + mac + " held by two endpoints in /status: " +
        mem_mac_holder[mac] + " and " + ep);
    }
    mem_mac_holder[mac] = ep;
    mem[ep] = {row.value("network", ""), mac, row.value("sandbox", "")};
    if (row.value("state", "") != "held") {
      P("NIC " + mac + " of endpoint " + ep + " is '" + row.value("state", "") +
        "', expected 'held' (it never leaves)");
    }
  }

  // The state files.
  std::map<std::string, Held> disk;
  std::map<std::string, std::string> disk_mac_holder;
  for (const char* sub : {"networks", "endpoints", "orphans"}) {
    for (const auto& entry :
         fs::directory_iterator(fs::path(state_dir) / sub)) {
      const std::string file = entry.path().filename().string();
      if (file.size() < 5 || file.substr(file.size() - 5) != ".json") {
        P(std::string("stray file ") + sub + "/" + file);
      }
    }
  }
  for (const auto& entry :
       fs::directory_iterator(fs::path(state_dir) / "endpoints")) {
    const std::string file = entry.path().filename().string();
    if (file.size() < 5 || file.substr(file.size() - 5) != ".json") continue;
    auto j = ReadJson(entry.path());
    if (!j) {
      P("endpoints/" + file + " is not JSON");
      continue;
    }
    const std::string id = j->value("id", "");
    if (id + ".json" != file) P("endpoints/" + file + " has id " + id);
    const std::string mac = j->value("mac", "");
    if (disk_mac_holder.count(mac)) {
      P("NIC " + mac + " held by two endpoint files: " + disk_mac_holder[mac] +
        " and " + id);
    }
    disk_mac_holder[mac] = id;
    disk[id] = {j->value("network_id", ""), mac, j->value("sandbox_key", "")};
    if (j->value("joined", false) != !disk[id].sandbox.empty()) {
      P("endpoints/" + file + ": joined and sandbox_key disagree");
    }
    const json orig = j->value("original", json::object());
    if (nic_by_mac.count(mac)) {
      const Nic& n = nics[nic_by_mac[mac]];
      if (orig.value("name", "") != n.name || orig.value("mtu", 0) != n.mtu ||
          orig.value("up", !n.up) != n.up) {
        P("endpoints/" + file + " records the NIC's original state as " +
          orig.dump() + ", but it was " + n.name + " mtu " +
          std::to_string(n.mtu) + (n.up ? " up" : " down"));
      }
    }
  }
  std::set<std::string> disk_nets;
  for (const auto& entry :
       fs::directory_iterator(fs::path(state_dir) / "networks")) {
    std::string f = entry.path().filename().string();
    if (f.size() > 5) disk_nets.insert(f.substr(0, f.size() - 5));
  }
  std::set<std::string> want_nets;
  if (!final_check) {
    for (const Network& n : networks) want_nets.insert(n.id);
  }
  if (disk_nets != want_nets) {
    std::string got;
    for (const auto& n : disk_nets) got += n + " ";
    P("STATE/networks holds {" + got + "}");
  }
  if (!fs::is_empty(fs::path(state_dir) / "orphans")) {
    P("STATE/orphans is not empty (no NIC ever left the host)");
  }

  // Client belief vs memory vs disk.
  std::map<std::string, Belief> believed;
  {
    std::lock_guard<std::mutex> lock(belief_mu);
    believed = belief;
  }
  auto same = [](const Held& a, const Held& b) {
    return a.network == b.network && a.mac == b.mac && a.sandbox == b.sandbox;
  };
  for (const auto& [ep, b] : believed) {
    auto m = mem.find(ep);
    if (m == mem.end()) {
      P("endpoint " + ep + " (NIC " + b.mac + ") is lost: not in /status");
    } else if (m->second.network != b.network || m->second.mac != b.mac ||
               m->second.sandbox.empty() == b.joined) {
      P("endpoint " + ep + ": /status says network " + m->second.network +
        " NIC " + m->second.mac + " sandbox '" + m->second.sandbox +
        "', the client knows network " + b.network + " NIC " + b.mac +
        (b.joined ? " joined" : " not joined"));
    }
    if (!disk.count(ep)) {
      P("endpoint " + ep + " (NIC " + b.mac + ") is lost: no state file");
    }
  }
  for (const auto& [ep, h] : mem) {
    if (!believed.count(ep)) {
      P("/status lists endpoint " + ep + " (NIC " + h.mac +
        ") that the client deleted or never got");
    }
    auto d = disk.find(ep);
    if (d == disk.end()) {
      P("endpoint " + ep + " is in /status but has no state file");
    } else if (!same(d->second, h)) {
      P("endpoint " + ep + ": state file (network " + d->second.network +
        ", NIC " + d->second.mac + ", sandbox '" + d->second.sandbox +
        "') differs from /status (network " + h.network + ", NIC " + h.mac +
        ", sandbox '" + h.sandbox + "')");
    }
  }
  for (const auto& [ep, h] : disk) {
    if (!mem.count(ep)) {
      P("state file endpoints/" + ep + ".json (NIC " + h.mac +
        ") is not in /status");
    }
  }

  // The NICs themselves.
  const auto kernel = KernelLinks();
  std::map<std::string, int> net_mtu;
  for (const Network& n : networks) net_mtu[n.id] = n.mtu;
  for (const Nic& n : nics) {
    auto k = kernel.find(n.mac);
    if (k == kernel.end()) {
      P("NIC " + n.name + " (" + n.mac + ") is gone from the namespace");
      continue;
    }
    auto row = row_by_mac.find(n.mac);
    if (row == row_by_mac.end()) {
      P("/status does not list NIC " + n.name + " (" + n.mac + ")");
      continue;
    }
    const std::string state = row->second.value("state", "");
    int want_mtu = n.mtu;
    bool check_up = true;
    if (auto h = mem_mac_holder.find(n.mac); h != mem_mac_holder.end()) {
      const int m = net_mtu[mem[h->second].network];
      if (m != 0) want_mtu = m;
    } else if (state != "free") {
      P("NIC " + n.name + " is '" + state + "' (" +
        row->second.value("reason", "") + "), expected free");
    }
    if (k->second.name != n.name) {
      P("NIC " + n.mac + " is called " + k->second.name + ", expected " +
        n.name);
    }
    if (row->second.value("name", "") != k->second.name ||
        row->second.value("mtu", 0) != k->second.mtu) {
      P("/status says NIC " + n.mac + " is " + row->second.value("name", "") +
        " mtu " + std::to_string(row->second.value("mtu", 0)) +
        ", the kernel says " + k->second.name + " mtu " +
        std::to_string(k->second.mtu));
    }
    if (k->second.mtu != want_mtu) {
      P("NIC " + n.name + " has MTU " + std::to_string(k->second.mtu) +
        ", expected " + std::to_string(want_mtu));
    }
    if (check_up && k->second.up != n.up) {
      P("NIC " + n.name + " is " + (k->second.up ? "up" : "down") +
        ", it was " + (n.up ? "up" : "down"));
    }
  }
  if (final_check) {
    for (const char* sub : {"networks", "endpoints", "orphans"}) {
      if (!fs::is_empty(fs::path(state_dir) / sub)) {
        P(std::string("STATE/") + sub + " is not empty after deleting all");
      }
    }
  }
  std::printf("check %-34s %3zu endpoints held, %s\n", (when + ":").c_str(),
              mem.size(),
              problems.size() == before ? "OK" : "VIOLATIONS (see above)");
}

// ------------------------------------------------------------------ setup
bool MakeNics() {
  if (!ShOk("ip link set lo up")) return false;
  std::string batch;
  for (int i = 0; i < opt.nics; ++i) {
    Nic n;
    n.name = "hl" + std::to_string(i);
    n.mac = MacOf(i);
    n.mtu = 1500 + i;
    n.up = i % 4 == 0;
    batch += "link add " + n.name + " type veth peer name hlp" +
             std::to_string(i) + "\n";
    batch += "link set " + n.name + " address " + n.mac + " mtu " +
             std::to_string(n.mtu) + "\n";
    if (n.up) batch += "link set " + n.name + " up\n";
    nic_by_mac[n.mac] = i;
    nics.push_back(n);
  }
  const std::string file = work + "/nics.batch";
  std::ofstream(file) << batch;
  return ShOk("ip -batch " + file);
}

bool MakeNetworks() {
  struct Spec {
    std::string id;
    int from, to;
    bool by_mac;
    int mtu;
  };
  const int n = opt.nics;
  const std::vector<Spec> specs = {
      {"load-all", 0, n, false, 0},
      {"load-low", 0, n / 2, false, 0},
      {"load-mid", n / 4, 3 * n / 4, true, 0},
      {"load-high-mtu", n / 2, n, false, opt.mtu_network ? 1400 : 0},
      {"load-tiny", n - 4, n, false, 0},  // pool picks run out here
  };
  for (const Spec& s : specs) {
    Network net;
    net.id = s.id;
    net.mtu = s.mtu;
    json generic = json::object();
    std::string list;
    for (int i = s.from; i < s.to; ++i) {
      net.pool.push_back(i);
      list +=
          (list.empty() ? "" : ",") + (s.by_mac ? nics[i].mac : nics[i].name);
    }
    if (!(s.from == 0 && s.to == n)) generic["hostnic.nics"] = list;
    if (s.mtu) generic["hostnic.mtu"] = std::to_string(s.mtu);
    json body = {{"NetworkID", s.id},
                 {"Options",
                  {{"com.docker.network.enable_ipv6", false},
                   {"com.docker.network.generic", generic}}},
                 {"IPv4Data", json::array({{{"AddressSpace", "LocalDefault"},
                                            {"Pool", "10.77.0.0/16"},
                                            {"Gateway", "10.77.0.1/16"}}})},
                 {"IPv6Data", json::array()}};
    if (!ExpectOk("CreateNetwork", s.id,
                  Call("/NetworkDriver.CreateNetwork", body))) {
      return false;
    }
    networks.push_back(net);
  }
  return true;
}

// ----------------------------------------------------------- slow clients
int ConnectToDaemon() {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof(addr.sun_path) - 1);
  if (fd >= 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    fd = -1;
  }
  return fd;
}

// True once the daemon has closed `fd` (readable: EOF, or a 408 then EOF).
bool ClosedByDaemon(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
  }
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Docker's calls while opt.slow_clients connections send nothing and as
// many send half a body: all must be answered before those are cut, and
// those must be cut.
void SlowClients() {
  const int n = opt.slow_clients;
  std::vector<int> fds;
  const std::string half =
      "POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: plugin\r\n"
      "Content-Length: 1000\r\n\r\n{\"NetworkID\":\"slow\"";
  const auto opened = Clock::now();
  for (int i = 0; i < 2 * n; ++i) {
    const int fd = ConnectToDaemon();
    if (fd < 0) {
      Problem("slow clients: connection " + std::to_string(i) +
              " to the daemon failed: " + std::strerror(errno));
      break;
    }
    fds.push_back(fd);
    if (i % 2 == 1 && ::send(fd, half.data(), half.size(), MSG_NOSIGNAL) !=
                          static_cast<ssize_t>(half.size())) {
      Problem("slow clients: sending half a request failed");
    }
  }
  // Docker's calls, one after the other.
  constexpr int kCalls = 20;
  std::vector<double> ms;
  const UnixHttpClient client(sock_path, std::chrono::seconds(60));
  for (int i = 0; i < kCalls; ++i) {
    const auto t = Clock::now();
    auto r = client.Post("/Plugin.Activate", "{}");
    ms.push_back(Ms(Clock::now() - t));
    if (!r.ok() || r->status != 200) {
      Problem("slow clients: Plugin.Activate failed: " +
              (r.ok() ? "HTTP " + std::to_string(r->status)
                      : r.status().message()));
    }
  }
  const auto answered = Clock::now();
  // The daemon's threads while the clients hang on.
  std::string threads = "?";
  {
    std::ifstream st("/proc/" + std::to_string(daemon_pid.load()) + "/status");
    for (std::string line; std::getline(st, line);) {
      if (line.rfind("Threads:", 0) == 0) threads = line.substr(9);
    }
  }
  size_t cut_early = 0;
  for (int fd : fds) cut_early += ClosedByDaemon(fd) ? 1 : 0;
  if (cut_early > 0) {
    Problem("slow clients: " + std::to_string(cut_early) +
            " were cut before Docker's calls were answered (" +
            std::to_string(static_cast<int>(Ms(answered - opened))) +
            " ms after they connected)");
  }
  // Every one of them is cut, each after the daemon's request timeout.
  std::vector<bool> open(fds.size(), true);
  size_t left = fds.size();
  double first_cut = -1, last_cut = -1;
  const auto give_up = opened + std::chrono::seconds(20);
  for (;;) {  // at least one look, however late
    for (size_t i = 0; i < fds.size(); ++i) {
      if (open[i] && ClosedByDaemon(fds[i])) {
        open[i] = false;
        --left;
        last_cut = Ms(Clock::now() - opened) / 1000;
        if (first_cut < 0) first_cut = last_cut;
      }
    }
    if (left == 0 || Clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int fd : fds) ::close(fd);
  if (left > 0) {
    Problem("slow clients: " + std::to_string(left) + " of " +
            std::to_string(fds.size()) + " still connected after 20 s");
  }
  const double first_ms = ms.front();
  std::sort(ms.begin(), ms.end());
  std::printf(
      "slow clients: %d idle + %d half-body connections: Plugin.Activate "
      "first %.2f ms, p50 %.2f ms, max %.2f ms (%d calls); clients cut "
      "%.1f-%.1f s after connecting; daemon threads meanwhile: %s\n",
      n, n, first_ms, ms[ms.size() / 2], ms.back(), kCalls, first_cut, last_cut,
      threads.c_str());
  std::fflush(stdout);
}

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --hostnic PATH [--nics N] [--threads N] "
               "[--cycles N] [--seconds N] [--seed N] [--keep] [--no-mtu] "
               "[--slow-clients N] [--slow-only]\n",
               argv0);
}

}  // namespace

int main(int argc, char** argv) {
  opt.seed = static_cast<unsigned>(
      std::chrono::system_clock::now().time_since_epoch().count() % 100000);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Usage(argv[0]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--hostnic")
      opt.hostnic = next();
    else if (a == "--nics")
      opt.nics = std::stoi(next());
    else if (a == "--threads")
      opt.threads = std::stoi(next());
    else if (a == "--cycles")
      opt.cycles = std::stoi(next());
    else if (a == "--seconds")
      opt.seconds = std::stoi(next());
    else if (a == "--seed")
      opt.seed = std::stoul(next());
    else if (a == "--keep")
      opt.keep = true;
    else if (a == "--no-mtu")
      opt.mtu_network = false;
    else if (a == "--slow-clients")
      opt.slow_clients = std::stoi(next());
    else if (a == "--slow-only")
      opt.slow_only = true;
    else {
      Usage(argv[0]);
      return 2;
    }
  }
  if (opt.hostnic.empty() || opt.nics < 8 || opt.nics > 1000 ||
      opt.threads < 1 || opt.slow_clients < 0 || opt.slow_clients > 2000) {
    Usage(argv[0]);
    return 2;
  }
  if (::geteuid() != 0) {
    std::printf("SKIP: the load test needs root (network namespaces, veth)\n");
    return 77;
  }
  opt.hostnic = fs::absolute(opt.hostnic).string();
  if (::access(opt.hostnic.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "no executable %s\n", opt.hostnic.c_str());
    return 2;
  }
  if (::unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", std::strerror(errno));
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  // The slow clients need a descriptor each, and so does the daemon.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 8192);
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  char tmpl[] = "/tmp/hostnic-load.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  work = tmpl;
  sock_path = work + "/hostnic-load.sock";
  state_dir = work + "/state";
  log_path = work + "/hostnic.log";
  std::printf(
      "hostnic load test: %d NICs, %d threads, %d cycles, seed %u, "
      "work dir %s\n",
      opt.nics, opt.threads, opt.cycles, opt.seed, work.c_str());
  std::fflush(stdout);

  const auto t0 = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  bool setup_ok = MakeNics() && StartDaemon() && MakeNetworks();
  if (setup_ok && opt.slow_clients > 0) SlowClients();
  if (setup_ok && !opt.slow_only) {
    // The load, with one kill -9 at a random point of it.
    std::mt19937 rng(opt.seed);
    const int kill_at = opt.cycles / 4 + rng() % (opt.cycles / 3 + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < opt.threads; ++t) threads.emplace_back(Worker, t);
    const auto deadline = t0 + std::chrono::seconds(opt.seconds);
    bool killed = false;
    while (cycles_done < opt.cycles && !stop_load) {
      if (!killed && cycles_done >= kill_at) {
        killed = true;
        const pid_t pid = daemon_pid;
        std::printf("kill -9 of the daemon (pid %d) after %d cycles\n", pid,
                    cycles_done.load());
        std::fflush(stdout);
        StopDaemon(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
        if (!StartDaemon()) {
          Problem("the daemon did not start again after kill -9");
          stop_load = true;
        }
      }
      if (Clock::now() > deadline) {
        std::printf(
            "time is up (--seconds %d): finishing the cycles under "
            "way\n",
            opt.seconds);
        stop_load = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& th : threads) th.join();
    if (!killed) Problem("the load ended before the daemon was killed");
    std::printf(
        "load: %d cycles in %.1f s: %d endpoints created, %d joins, "
        "%d leaves, %d deletes; refused as expected: %d held by "
        "another endpoint, %d pool exhausted; %d retried calls\n",
        cycles_done.load(), elapsed(), creates_ok.load(), joins_ok.load(),
        leaves_ok.load(), deletes_ok.load(), busy_refusals.load(),
        pool_exhausted.load(), retries.load());
    if (busy_refusals == 0) {
      Problem(
          "no CreateEndpoint ever raced for a held NIC: the load is too "
          "light to mean anything");
    }

    if (daemon_pid > 0) {
      Check("after the load", false);
      StopDaemon(SIGKILL);
      if (StartDaemon()) {
        Check("after kill -9 at rest + restart", false);
      } else {
        Problem("the daemon did not start again after kill -9 at rest");
      }
    }
    if (daemon_pid > 0) {
      // Delete everything: the kept endpoints, then the networks.
      std::map<std::string, Belief> left;
      {
        std::lock_guard<std::mutex> lock(belief_mu);
        left = belief;
      }
      for (const auto& [ep, b] : left) {
        if (b.joined) {
          ExpectOk("Leave", ep,
                   Call("/NetworkDriver.Leave", Ids(b.network, ep)));
        }
        if (ExpectOk(
                "DeleteEndpoint", ep,
                Call("/NetworkDriver.DeleteEndpoint", Ids(b.network, ep)))) {
          std::lock_guard<std::mutex> lock(belief_mu);
          belief.erase(ep);
        }
      }
      for (const Network& n : networks) {
        ExpectOk("DeleteNetwork", n.id,
                 Call("/NetworkDriver.DeleteNetwork", {{"NetworkID", n.id}}));
      }
      Check("after deleting everything", true);
    }
  } else if (!setup_ok) {
    Problem("set-up failed");
  }

  StopDaemon(SIGTERM);
  if (fs::exists(sock_path))
    Problem("the daemon left its socket after SIGTERM");
  const bool ok = problems.empty();
  if (!ok || opt.keep) {
    std::printf("daemon log: %s (warnings and errors follow)\n",
                log_path.c_str());
    std::fflush(stdout);
    ShOk("grep -E ' (warn|error|critical) ' " + log_path + " | tail -n 30");
  } else {
    fs::remove_all(work);
  }
  std::printf("%s: %zu problems (%.1f s)\n", ok ? "PASS" : "FAIL",
              problems.size(), elapsed());
  return ok ? 0 : 1;
}
