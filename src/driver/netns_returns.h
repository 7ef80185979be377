// NetnsReturns: a CNI DEL answered before its NIC is home. The return from
// the container's namespace costs two RCU grace periods of the kernel
// (docs/cni.md), so the daemon accepts it (Begin), answers, and brings the
// NIC home on a thread of its own, then releases the endpoint (Leave,
// DeleteEndpoint). The NIC is home shortly after DEL returns, not when it
// returns; so an ADD that wants it waits for it (CreateEndpoint), and a
// daemon killed before the return finishes it at its next start (Recover).
//
// Thread-safe.
#ifndef HOSTNIC_DRIVER_NETNS_RETURNS_H_
#define HOSTNIC_DRIVER_NETNS_RETURNS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "driver/driver.h"
#include "driver/inventory.h"
#include "hostnic/netns_home.h"

namespace hostnic {

class SerialQueue;

struct NetnsReturnsOptions {
  // How long an ADD waits for a NIC on its way home.
  std::chrono::milliseconds wait{5000};
  // How long Drain waits for the returns under way.
  std::chrono::milliseconds drain{10000};
};

class NetnsReturns {
 public:
  // `driver`, the `inventory` it runs on and `home` must outlive this.
  NetnsReturns(Driver* driver, Inventory* inventory, NetnsHome* home,
               NetnsReturnsOptions options = {});
  ~NetnsReturns();  // Drain()s.

  // Takes over the return of the endpoint's NIC from the namespace at
  // `netns`: holds the namespace (the runtime may delete it once DEL
  // returns), notes the return as owed in the endpoint's record, and
  // returns OK; the NIC then comes home and the endpoint is released off
  // the caller's thread. When the namespace is gone its NIC is not in it
  // (a real NIC came home by itself, a veth died with it): the endpoint is
  // released at once. OK for an unknown endpoint and for one whose return
  // is under way (a runtime repeats DEL). Errors (the record cannot be
  // stored, the namespace cannot be opened) change nothing.
  Status Begin(const std::string& network_id, const std::string& endpoint_id,
               const std::string& netns) EXCLUDES(mu_);

  // Whether the endpoint's NIC is on its way home.
  bool Returning(const std::string& endpoint_id) const EXCLUDES(mu_);

  // Driver::CreateEndpoint, once no return is under way for the endpoint
  // or for the NIC it asks for (request.mac, or the name in its options);
  // and when its pool has no free NIC (kBusy) while some NIC is on its way
  // home, again each time one arrives. Waits at most
  // NetnsReturnsOptions::wait in all, then fails with kTimeout naming the
  // NIC, its MAC and the endpoint it is returning from.
  Result<CreateEndpointReply> CreateEndpoint(
      const CreateEndpointRequest& request) EXCLUDES(mu_);

  // At start, after Driver::Recover: finishes every return the endpoint
  // records say is owed (a daemon killed between its answer and the NIC's
  // return). The NIC comes home from the recorded namespace if that still
  // exists and holds it; a NIC already on the host is freed; one in
  // neither (a veth dies with its namespace) has its endpoint dropped.
  // Each endpoint is released; one sentence each, also logged.
  std::vector<std::string> Recover() EXCLUDES(mu_);

  // Waits, up to NetnsReturnsOptions::drain, for the returns under way;
  // those not started by then are left to the next start (their records
  // say so). Later Begins return their NIC before they answer. Idempotent.
  void Drain() EXCLUDES(mu_);

 private:
  struct Return {
    std::string endpoint_id;
    std::string network_id;
    std::string netns;
    Mac mac;
    std::string host_name;
    int held = -1;
  };
  // Brings the NIC home, lets go of its namespace and releases the endpoint;
  // then wakes the waiters.
  void Finish(const Return& r) EXCLUDES(mu_);
  // A NIC MoveHome brought home, and the host name it was given.
  struct CameHome {
    Mac mac;
    std::string name;
  };
  // Leave and DeleteEndpoint; a NIC that `came_home` is first waited for in
  // the inventory (bounded), so that the driver puts it back as it was at
  // once rather than owing it that until the NIC shows up; and waited for
  // under its host name: the kernel moves it in under its container name
  // (eth0) and renames it after, and an ADD let in once the return is done
  // must find it by that name.
  Status Release(const std::string& network_id, const std::string& endpoint_id,
                 const std::optional<CameHome>& came_home = std::nullopt);
  // The return under way for the endpoint or for the NIC `nic` names (MAC
  // or host name), or null.
  const Return* Blocking(const std::string& endpoint_id,
                         const std::string& nic) const REQUIRES(mu_);

  Driver* const driver_;
  Inventory* const inventory_;
  NetnsHome* const home_;
  const NetnsReturnsOptions options_;

  mutable Mutex mu_;
  std::condition_variable changed_;  // Under mu_: a return finished.
  // Returns under way, by endpoint ID.
  std::map<std::string, Return> returning_ GUARDED_BY(mu_);
  uint64_t finished_ GUARDED_BY(mu_) = 0;  // Returns finished so far.
  // Set once Drain ran out: queued returns are left to the next start.
  bool abandon_ GUARDED_BY(mu_) = false;
  bool drained_ GUARDED_BY(mu_) = false;

  // Last, so that it stops before what its tasks use goes.
  const std::unique_ptr<SerialQueue> queue_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_NETNS_RETURNS_H_
