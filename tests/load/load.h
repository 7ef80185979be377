// The pieces of hostnic_load (tests/load/load_test.cc says what it does):
// the world it builds and believes in, the daemon it runs, its calls, and
// its phases -- the racing cycles (load_cycles.cc), the invariant checks
// (load_invariants.cc), the slow clients (load_slow_clients.cc) and the
// waiting clients (load_waits.cc). One
// process, one run: the world is global.
#ifndef HOSTNIC_TESTS_LOAD_LOAD_H_
#define HOSTNIC_TESTS_LOAD_LOAD_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hostnic_load {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string hostnic;
  int nics = 64;
  int threads = 16;
  int cycles = 1000;
  int seconds = 35;
  unsigned seed = 0;
  bool keep = false;
  bool mtu_network = true;    // --no-mtu: no network with hostnic.mtu
  int slow_clients = 300;     // --slow-clients: idle and half-body clients each
  bool slow_only = false;     // --slow-only: that phase alone, no load
  int waiting_clients = 200;  // --waiting-clients: CreateEndpoints that wait
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
extern Options opt;
extern std::string work;  // temporary directory: socket, state, log
extern std::string sock_path, state_dir, log_path;
extern std::vector<Nic> nics;
extern std::vector<Network> networks;
extern std::map<std::string, int> nic_by_mac;

extern std::mutex belief_mu;                  // Guards belief.
extern std::map<std::string, Belief> belief;  // endpoint id -> what the
                                              // client knows

extern std::mutex problems_mu;             // Guards problems.
extern std::vector<std::string> problems;  // invariant violations,
                                           // unexpected answers

extern std::atomic<pid_t> daemon_pid;
extern std::atomic<int> cycles_started, cycles_done;
extern std::atomic<int> creates_ok, joins_ok, leaves_ok, deletes_ok;
extern std::atomic<int> busy_refusals, pool_exhausted, retries;
extern std::atomic<bool> stop_load;

// Records an invariant violation or unexpected answer (and prints it).
void Problem(const std::string& what);
// Runs `cmd` with sh; its stdout, and its exit code in `rc`.
std::string Sh(const std::string& cmd, int* rc = nullptr);
// Runs `cmd`; prints it and its output when it fails.
bool ShOk(const std::string& cmd);
// The MAC of test NIC `i`.
std::string MacOf(int i);

// ---------------------------------------------------------------- daemon
// Starts the daemon on sock_path and state_dir, allowed the test NICs only,
// and waits (up to 20 s) until it answers.
bool StartDaemon();
// Sends `sig` to the daemon and reaps it.
void StopDaemon(int sig);

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
Answer Call(const std::string& path, const json& body);
json Ids(const std::string& net, const std::string& ep);
// True when `a` is a success; else a Problem naming `what` and `ep`.
bool ExpectOk(const char* what, const std::string& ep, const Answer& a);

// ---------------------------------------------------------------- phases
// The veth NICs and the five networks (see load_test.cc).
bool MakeNics();
bool MakeNetworks();
// Thread `t` of the load: CreateEndpoint / Join / Leave / DeleteEndpoint
// cycles until opt.cycles are started or stop_load.
void Worker(int t);
// Checks every invariant against the daemon, its state dir and the kernel;
// `final_check`: everything was deleted.
void Check(const std::string& when, bool final_check);
// Docker's calls while opt.slow_clients connections send nothing and as
// many send half a body: all must be answered before those are cut, and
// those must be cut.
void SlowClients();
// opt.waiting_clients CreateEndpoints that wait (hostnic.wait) for NICs that
// never come, at once: Docker's next call is answered while all of them
// wait, and each ends with the wait's timeout.
void WaitingClients();

}  // namespace hostnic_load

#endif  // HOSTNIC_TESTS_LOAD_LOAD_H_
