// libFuzzer target: the remote-driver API (wire decoding + Handlers + Driver),
// and NetnsReturns (a CNI DEL's return of its NIC), over fakes -- an
// Inventory of a few fake devices, FakeLinkControl, MemoryStore, FakeHooks, and
// a DHCP server and renewer over a fake clock (handlers/world.h; the host's
// devices and leases: handlers/host.h).
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
//   !wall +|-     the wall clock is set a day on or back (NTP, a VM
//                 resumed); no lease may change state (leases are timed on
//                 the monotonic clock; a restart reads the stored times)
//   !dhcp WHAT    the DHCP server's next answer to a renewal or to a lost
//                 lease's request: ack, nak, none (no answer), move (another
//                 address), down (no answer to either until !dhcp up), up
//                 (a lost NIC gets its address back; ack: the same),
//                 badinstall (putting the address back in the container
//                 fails)
//   !return N     a CNI DEL hands the joined endpoint holding NIC N to
//                 NetnsReturns, which brings the NIC home from its namespace
//                 (when away: !gone) and releases the endpoint at once
//   !owe N        the same DEL answered, and the daemon killed before the
//                 return: the record says it is owed, and a !restart follows
//   !home WHAT    how the next returns go: ok, gone (the namespace is gone),
//                 fail (the kernel refuses)
//
// NICs 0-2 get DHCP leases (120 s, T1 60 s, T2 105 s) on networks whose
// IPAM is null or that ask hostnic.address=dhcp.
//
// After every step it checks: the driver's own invariants (Driver::Violations:
// its NIC table and lease book); the reply is HTTP 200 for the protocol's
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
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/handlers/world.h"

namespace {

constexpr size_t kMaxSteps = 64;

}  // namespace

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
  hostnic::fuzz::World world;
  size_t start = 0;
  for (size_t steps = 0; start < input.size() && steps < kMaxSteps; ++steps) {
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
