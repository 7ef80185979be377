// The world one handlers_fuzz input runs in: a Driver (and the Docker
// handlers over it) on fakes -- the host's devices (host.h), FakeLinkControl,
// MemoryStore, FakeHooks, a DHCP server and renewer over a fake clock --
// that a script's steps drive (handlers_fuzz.cc lists them), and the
// invariants checked after every step.
#ifndef HOSTNIC_TESTS_FUZZ_HANDLERS_WORLD_H_
#define HOSTNIC_TESTS_FUZZ_HANDLERS_WORLD_H_

#include <memory>
#include <set>
#include <string>

#include "docker/handlers.h"
#include "driver/driver.h"
#include "driver/netns_returns.h"
#include "fakes/fake_address.h"
#include "fakes/fake_hooks.h"
#include "fakes/fake_link_control.h"
#include "fakes/memory_store.h"
#include "fuzz/handlers/netns_home.h"
#include "observability/metrics.h"

namespace hostnic::fuzz {

class World {
 public:
  World();

  // Runs one step (a request, or a `!` event), then checks the invariants;
  // a broken one aborts (Fail) naming LINE.
  void Step(const std::string& line);

 private:
  // A new Driver over the same fakes, as after a daemon restart.
  void NewDriver();
  void Event(const std::string& line);
  // `!restart`: a new Driver recovers from the store and must know exactly
  // the endpoints there.
  void Restart(const std::string& line);
  // `!dhcp WHAT`: queues the server's next answers.
  void Dhcp(const std::string& what);
  // `!return N` and `!owe N`: a CNI DEL of the joined endpoint holding NIC
  // N, its return finished at once, or owed when the daemon is killed.
  void Return(const std::string& line, const std::string& verb, const Mac& mac);
  void Check(const std::string& step);

  Inventory inventory_;
  FakeLinkControl links_;
  MemoryStore store_;
  FakeHooks hooks_;
  FakeClock clock_;
  FakeAddressSource dhcp_;
  FakeRenewer renewer_;
  FakeSandbox sandbox_;
  observability::Metrics metrics_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<docker::Handlers> handlers_;
  int next_ifindex_ = 100;
  FuzzNetnsHome home_{&inventory_, &next_ifindex_};
  // Declared after driver_: it goes first. Drained at once, so that a
  // return runs on the step's own thread.
  std::unique_ptr<NetnsReturns> returns_;
  bool disk_failing_ = false;
  std::set<std::string> may_linger_;  // Endpoint IDs whose record may linger.
};

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_HANDLERS_WORLD_H_
