// Driver: the libnetwork remote-driver semantics of hostnic, free of JSON and
// netlink. One host NIC serves one endpoint; Docker moves it into the
// container (Join answers its name) and back (on Leave).
//
// Thread-safe: every public method may be called from any request thread.
#ifndef HOSTNIC_DRIVER_DRIVER_H_
#define HOSTNIC_DRIVER_DRIVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/mutex.h"
#include "driver/inventory.h"
#include "hostnic/address.h"
#include "hostnic/guard.h"
#include "hostnic/hooks.h"
#include "hostnic/ids.h"
#include "hostnic/link.h"
#include "hostnic/nic_spec.h"
#include "hostnic/records.h"
#include "hostnic/requests.h"
#include "hostnic/status.h"
#include "hostnic/store.h"

namespace hostnic {

struct DriverOptions {
  // Operator allow list (--allow-nic). Empty allows any NIC that passes the
  // safety rules.
  std::vector<NicSpec> allowed_nics;
  // How long CreateEndpoint waits for an absent NIC unless the network says
  // otherwise (--wait). Zero fails at once.
  std::chrono::milliseconds default_wait{0};
  // How long a NIC's name must stay unchanged before it is used (udev may
  // still be renaming a hot-plugged NIC).
  std::chrono::milliseconds settle{0};
  // At start, how long a joined endpoint's NIC found on the host may take to
  // move into its sandbox before it counts as back from a torn-down one.
  std::chrono::milliseconds sandbox_grace{0};
  // Whether a sandbox (Join's SandboxKey, a netns file) still exists; at
  // start an endpoint is released only when its sandbox is gone. Null: gone.
  std::function<bool(const std::string& sandbox_key)> sandbox_exists;
  // After a restart, how long an endpoint created but not joined before it
  // may wait for Docker's Join (--unjoined-grace). Docker retries a call
  // that hit a restarting plugin for about 30 s; an endpoint still not
  // joined after this was abandoned (see Driver::ReleaseAbandoned).
  std::chrono::seconds unjoined_grace{60};
  // How long the caller waits for CreateEndpoint's answer before it gives
  // up and forgets the endpoint (--call-timeout): a managed plugin's
  // `docker plugin enable --timeout`, 30 s by default. Zero: no limit (a
  // socket plugin). See Driver::CreateEndpoint.
  std::chrono::seconds call_timeout{0};
  // How long one run of the address hook may take (--hook-timeout).
  std::chrono::milliseconds address_hook_timeout{60000};
};

// Where the NIC's own address comes from, and what is done in sandboxes
// (see hostnic/address.h). Each may be null: networks that need a missing
// one are refused at creation with a message naming the daemon flag.
struct AddressPorts {
  AddressSource* dhcp = nullptr;
  LeaseRenewer* renewer = nullptr;  // Renews and releases dhcp's leases.
  AddressSource* hook = nullptr;    // --address-hook.
  SandboxControl* sandbox = nullptr;
  Clock* clock = nullptr;  // Null: the system clock.
  // Guards the NICs of hostnic.block-metadata networks (hostnic/guard.h).
  MetadataGuard* guard = nullptr;
  // hostnic.address6: the NIC's DHCPv6 server (and the router's RA), and
  // the router's RA alone (SLAAC).
  AddressSource* dhcp6 = nullptr;
  LeaseRenewer* renewer6 = nullptr;  // Renews and releases dhcp6's leases.
  AddressSource* slaac = nullptr;
};

// Event counts for metrics; monotonic.
struct DriverCounters {
  std::atomic<uint64_t> hook_runs{0};
  std::atomic<uint64_t> hook_failures{0};
  std::atomic<uint64_t> waits{0};          // Waits for an absent NIC.
  std::atomic<uint64_t> wait_timeouts{0};  // ... that ran out or were cut.
  // The NIC's own address (DHCP or address hook).
  std::atomic<uint64_t> address_requests{0};  // Fresh DHCP exchanges / hooks.
  std::atomic<uint64_t> address_failures{0};  // ... that failed.
  std::atomic<uint64_t> leases_reused{0};     // Valid stored lease, no ask.
  std::atomic<uint64_t> lease_renewals{0};    // Renewals acknowledged.
  std::atomic<uint64_t> lease_renewal_failures{0};  // No answer, errors.
  std::atomic<uint64_t> leases_lost{0};  // NAK or expiry: address removed.
  // Lost leases whose NIC got an address again in its running container.
  std::atomic<uint64_t> leases_reacquired{0};
  // Containers moved to another address the server gave (renewal or after
  // a loss).
  std::atomic<uint64_t> leases_moved{0};
  std::atomic<uint64_t> leases_released{0};  // DHCPRELEASE at network delete.
  // Endpoints Docker gave up on, released: never joined after a restart or
  // after an answer past the call timeout (see Driver::ReleaseAbandoned).
  std::atomic<uint64_t> endpoints_abandoned{0};
};

class LeaseBook;
class NicTable;
struct LeaseDue;
class SerialQueue;
class WorkerPool;

// Called once with CreateEndpoint's answer.
using CreateEndpointDone = std::function<void(Result<CreateEndpointReply>)>;

class Driver {
 public:
  // `inventory`, `links`, `store` and `hooks` (may be null: no hooks) must
  // outlive the driver.
  Driver(DriverOptions options, Inventory* inventory, LinkControl* links,
         Store* store, Hooks* hooks = nullptr, AddressPorts addresses = {});
  ~Driver();

  // Loads persisted state and reconciles it with the NICs present: NICs
  // owed a restore are put back, and joined (or left) endpoints whose NIC is
  // still on the host after DriverOptions::sandbox_grace and whose sandbox is
  // gone are released. Returns one sentence per thing that needs an operator's
  // attention (unreadable records, endpoints whose NIC is gone, ...); those
  // are also logged.
  Result<std::vector<std::string>> Recover() EXCLUDES(mu_);

  // A replay of the same request is OK; the ID of an existing network with
  // other settings is refused (kAlreadyExists).
  Status CreateNetwork(const CreateNetworkRequest& request) EXCLUDES(mu_);
  // Forgets the network and releases whatever endpoints it still records.
  Status DeleteNetwork(const std::string& network_id) EXCLUDES(mu_);

  // With DriverOptions::call_timeout, waits for an absent NIC (hostnic.wait,
  // --wait, after an attach hook) are cut so that the answer -- on a DHCP
  // network, after a DHCP exchange of hostnic.dhcp-timeout -- comes a few
  // seconds before the caller gives up; a wait so cut fails with kTimeout
  // saying so. An endpoint answered after the call timeout all the same (a
  // slow hook or store) is one Docker has rolled back without a
  // DeleteEndpoint: it is released if not joined within
  // DriverOptions::unjoined_grace (see ReleaseAbandoned), and a
  // CreateEndpoint that asks for its NIC, or finds no other free NIC in its
  // pool, takes the NIC over at once, as from a left endpoint (see Leave).
  //
  // The NIC asked for, or the one an attach hook named, may have to be
  // waited for: `done` is then called once it appears or the wait ends, on
  // one of the driver's resume threads (at most 64, started as needed),
  // while no thread waits; else on the calling thread, before this returns.
  // Attach hooks, and the DHCP exchange of a network whose addresses come
  // from DHCP, run on the thread that reaches them.
  void CreateEndpoint(const CreateEndpointRequest& request,
                      CreateEndpointDone done) EXCLUDES(mu_);
  // CreateEndpoint, blocking the caller until `done` would be called.
  Result<CreateEndpointReply> CreateEndpoint(
      const CreateEndpointRequest& request) EXCLUDES(mu_);
  // OK for an unknown endpoint: Docker replays deletes after crashes.
  // kInvalidArgument, changing nothing, when the endpoint belongs to another
  // network (as for Leave).
  Status DeleteEndpoint(const std::string& network_id,
                        const std::string& endpoint_id) EXCLUDES(mu_);
  Result<std::map<std::string, std::string>> EndpointInfo(
      const std::string& network_id, const std::string& endpoint_id) const
      EXCLUDES(mu_);

  // A left endpoint may join again (libnetwork's Sandbox.Refresh leaves and
  // joins at once); Join then waits a few seconds for its NIC to be back on
  // the host.
  Result<JoinReply> Join(const std::string& network_id,
                         const std::string& endpoint_id,
                         const std::string& sandbox_key) EXCLUDES(mu_);
  // OK for an unknown endpoint. A left endpoint keeps its NIC, so that it
  // can join again, until DeleteEndpoint. One whose DeleteEndpoint never
  // comes (lost to a plugin restart: Docker retries it with an empty body)
  // does not strand the NIC: a CreateEndpoint that asks for the NIC, or
  // finds no free NIC in its pool, takes it over (without the detach hook:
  // the NIC stays attached for its new holder); DeleteNetwork releases it;
  // and Recover releases it at start when the NIC is on the host and the
  // sandbox is gone. The cost: a CreateEndpoint between a Refresh's Leave
  // and Join may take the NIC, and that Join fails.
  Status Leave(const std::string& network_id, const std::string& endpoint_id)
      EXCLUDES(mu_);

  // Records, in the endpoint's record, that its NIC is owed a return from
  // the namespace at `netns` (EndpointRecord::return_from); OK once the
  // record is stored. kNotFound for an unknown endpoint.
  Status OweReturn(const std::string& network_id,
                   const std::string& endpoint_id, const std::string& netns)
      EXCLUDES(mu_);
  // The endpoints whose NIC is owed a return (see OweReturn).
  std::vector<EndpointRecord> ReturnsOwed() const EXCLUDES(mu_);
  // Forgets the restore owed to the NIC with `mac`, released while away,
  // which will not come back (a veth that died with its namespace): no
  // record of it is left behind. Nothing to do when none is owed or the NIC
  // is on the host (then it is put back as owed).
  Status ForgetOwedRestore(const Mac& mac) EXCLUDES(mu_);

  // Puts a NIC that (re)appeared on the host back as it was when hostnic owes
  // it that: a NIC released while away (name, MTU, admin state), or a joined
  // endpoint's NIC the kernel returned under another name (name only).
  // Addresses left on such a NIC are removed. A joined endpoint's NIC back
  // from its sandbox (seen leaving since its last Join, or in its sandbox
  // at start) releases the endpoint: Docker is tearing the sandbox down and
  // its Leave and DeleteEndpoint may have been lost. After Leave, the NIC
  // coming back is expected and changes nothing (see Leave).
  // Called by the inventory listener, on the monitor's thread: only queues
  // the event for the driver's event thread, which handles events in the
  // order they came and hands the detach hooks they need to a thread of
  // their own, so that neither the monitor nor later events wait for a
  // hook. After Shutdown, handled on the caller's thread.
  void OnLinkChanged(const Link& link);
  // Notes that a joined endpoint's NIC left the host (into its sandbox).
  // Called by the inventory's removal listener; queued as OnLinkChanged.
  void OnLinkRemoved(const Link& link);
  // Returns once every link event queued before the call is handled; the
  // detach hooks they started may still be running.
  void DrainLinkEvents() EXCLUDES(mu_);

  // Renews the DHCP leases of joined endpoints that are due (from T1,
  // unicast; from T2, broadcast), each from inside its container's network
  // namespace. A lease that is NAKed or expires unanswered is lost: its
  // address is removed from the container's NIC, and hostnic keeps asking
  // for an address from inside the container (the same one first, then any)
  // every LeaseBook::kLostRetry after each try; once a server
  // answers, the address, gateway and routes are back in the container. A
  // lease found expired at start is asked for again before it is given up.
  // A server that gives another address moves the container to it (the
  // endpoint records it). Each step is logged, counted and reported.
  // Returns when it next has work to do.
  // Called by the Housekeeper's thread (and by tests, with a fake clock).
  // Times are on the monotonic clock (see LeaseBook).
  MonoTime KeepLeases() EXCLUDES(mu_);

  // Releases the endpoints Docker has given up on: those Recover found
  // created but not joined, still not joined DriverOptions::unjoined_grace
  // after Recover (hostnic died before answering their CreateEndpoint, so
  // Docker rolled the endpoint back, and its DeleteEndpoint was lost: Docker
  // retries such a call with an empty body), and those CreateEndpoint
  // answered past DriverOptions::call_timeout, still not joined
  // unjoined_grace after that answer. Their NICs are put back and freed,
  // and each is logged and counted. Returns when it next has work to do (a
  // time far ahead when it has none). Called by the Housekeeper's thread.
  UnixSeconds ReleaseAbandoned() EXCLUDES(mu_);

  // Cancels every wait for a NIC (they fail at once) and any new one, then
  // handles the link events already queued, runs the detach hooks they
  // started, and ends the threads that do so. Idempotent; the destructor
  // calls it.
  void Shutdown() EXCLUDES(mu_, waits_mu_);

  const DriverCounters& counters() const { return counters_; }

  // Every device of the host plus held NICs that are away, for status.
  std::vector<NicReport> Report() const EXCLUDES(mu_);

  // Every broken invariant of who holds which NIC (src/driver/nic_table.h)
  // and of the leases (src/driver/lease_book.h), one sentence each; empty
  // when sound. For tests and the fuzzer.
  std::vector<std::string> Violations() const EXCLUDES(mu_);

  // Why `link` may never be handed to a container, or empty if it may.
  std::string RefusalReason(const Link& link) const;

 private:
  Status Validate(const std::string& network_id,
                  const std::string& endpoint_id) const;
  // The NIC `wanted` names, if it may serve `network`.
  Result<Link> WantedNic(const NetworkRecord& network, const NicSpec& wanted)
      REQUIRES(mu_);
  // The first free eligible NIC of `network`'s pool (in name order, or in
  // the order of hostnic.nics); kBusy naming the holders when there is none.
  Result<Link> FreeNic(const NetworkRecord& network) REQUIRES(mu_);
  // Builds and persists the endpoint once the NIC is (or is not) present.
  Result<CreateEndpointReply> CreateEndpointNow(
      const CreateEndpointRequest& request,
      const std::optional<NicSpec>& wanted, const std::string& doing)
      EXCLUDES(mu_);
  Result<std::optional<Mac>> RunAttach(const CreateEndpointRequest& request,
                                       const std::optional<Mac>& mac,
                                       const std::string& doing);
  // kInvalidArgument unless `endpoint` belongs to `network_id`.
  Status CheckNetworkOf(const EndpointRecord& endpoint,
                        const std::string& network_id,
                        const std::string& doing) const REQUIRES(mu_);
  // Runs the detach hook, if any, for a released endpoint; logs failures.
  void RunDetach(const EndpointRecord& endpoint) EXCLUDES(mu_);
  // What OnLinkChanged and OnLinkRemoved queue: the event's handling, on
  // the event thread.
  void HandleLinkChanged(const Link& link) EXCLUDES(mu_);
  void HandleLinkRemoved(const Link& link) EXCLUDES(mu_);
  // One CreateEndpoint under way (see endpoint.cc).
  struct Creation;
  // Calls `then` on a resume thread once the NIC is on the host, or answers
  // `creation` with WaitFailed after `wait` (or at Shutdown).
  void AwaitNic(const std::shared_ptr<Creation>& creation, const Mac& mac,
                std::chrono::milliseconds wait, std::chrono::milliseconds asked,
                std::function<void()> then) EXCLUDES(waits_mu_);
  // Why a wait of `wait` for `mac` failed; `wait` may be `asked` cut to fit
  // the call timeout (see FitWait), which the kTimeout message then says.
  Status WaitFailed(const Mac& mac, std::chrono::milliseconds wait,
                    std::chrono::milliseconds asked, const std::string& doing);
  // The part of `wait` that leaves `reserve` before `answer_by` (see
  // CreateEndpoint); zero when none is left.
  std::chrono::milliseconds FitWait(std::chrono::milliseconds wait,
                                    UnixSeconds answer_by,
                                    std::chrono::milliseconds reserve) const;
  // Holds a NIC for the endpoint (choosing, waiting or attaching it), with
  // its waits cut to answer by `creation->answer_by`, then Finishes.
  void HoldNic(const std::shared_ptr<Creation>& creation) EXCLUDES(mu_);
  // Gives the held NIC its address (AssignAddress), notes a late answer
  // (MarkLate), and answers `creation`.
  void Finish(const std::shared_ptr<Creation>& creation,
              Result<CreateEndpointReply> reply) EXCLUDES(mu_);
  // Notes an endpoint answered past the call timeout (see CreateEndpoint).
  void MarkLate(const std::string& endpoint_id, UnixSeconds started,
                const std::string& doing) EXCLUDES(mu_);
  // Whether a new endpoint may take `holder`'s NIC: it left (see Leave) or
  // was answered past the call timeout (see CreateEndpoint).
  bool Reclaimable(const EndpointRecord& holder) const REQUIRES(mu_);
  // On a network whose addresses are the NIC's own: the held NIC's address
  // (`v6`: its IPv6 address, hostnic.address6) from a valid stored lease or
  // its address source, recorded with the endpoint. A failure releases the
  // NIC as it was.
  Result<CreateEndpointReply> AssignAddress(
      const CreateEndpointRequest& request, CreateEndpointReply reply,
      const std::string& doing, bool v6) EXCLUDES(mu_);
  // Adds unreachable routes to `addresses` (see OutsideOwnSubnets) in a
  // sandbox; kNotFound when the sandbox does not exist yet.
  Status BlockMetadata(const std::string& sandbox_key,
                       const std::vector<std::string>& addresses,
                       const std::string& doing);
  // On a hostnic.block-metadata network: puts the metadata guard on the
  // held NIC, on the host, before the NIC can move into a container. A
  // failure releases the NIC as it was: no container runs on a guarded
  // network without its guard.
  Result<CreateEndpointReply> GuardNic(const CreateEndpointRequest& request,
                                       CreateEndpointReply reply,
                                       const std::string& doing) EXCLUDES(mu_);
  // At start: puts the guard back on every held NIC of a guarded network,
  // on the host or in its container (replacing the one a previous daemon
  // left there). Adds a sentence to `problems` for each it cannot guard.
  void GuardRecovered(std::vector<std::string>* problems) EXCLUDES(mu_);
  // Sends DHCPRELEASE for, and forgets, the leases `network_id` obtained
  // whose NIC is free on the host.
  void ReleaseLeases(const std::string& network_id) REQUIRES(mu_);
  // The book that keeps `lease` (its family's), and what renews it (null:
  // nothing, a hook's or SLAAC lease).
  LeaseBook* BookOf(const Lease& lease) const REQUIRES(mu_);
  LeaseRenewer* RenewerOf(const Lease& lease) const;
  // ReleaseLeases for one of the two books.
  void ReleaseLeasesOf(const std::string& network_id, LeaseBook* book)
      REQUIRES(mu_);
  // Marks a lease lost and removes its address from the container's NIC;
  // the NIC asks again from `retry_at` (see LeaseBook::Lose).
  void LoseLease(const Lease& lease, const std::string& sandbox_key,
                 const std::string& why, MonoTime retry_at, bool ask_same_first)
      EXCLUDES(mu_);
  // What KeepLeases does with each due lease; each lowers `*next` to when
  // it has work again.
  void Renew(const LeaseDue& due, MonoTime now, MonoTime* next) EXCLUDES(mu_);
  void Reacquire(const LeaseDue& due, MonoTime now, MonoTime* next)
      EXCLUDES(mu_);
  // Installs `lease`, which a server gave for `due`'s NIC after it was lost
  // or in place of another address, in the running container (removing the
  // old address first when it is another), and records it as obtained at
  // `obtained` (when the answer came).
  void Regain(const LeaseDue& due, Lease lease, MonoTime obtained, MonoTime now,
              MonoTime* next) EXCLUDES(mu_);
  // Releases a reclaimable endpoint (see Reclaimable) whose NIC a new
  // endpoint needs.
  Status Reclaim(const EndpointRecord& endpoint) REQUIRES(mu_);
  // Restores the NIC (or records it as owed) and forgets the endpoint. The
  // NIC is released even when the record cannot be removed from the store;
  // that removal is retried by later requests.
  // Takes a copy: the endpoint's own map entry is erased here.
  Status ReleaseEndpoint(EndpointRecord endpoint) REQUIRES(mu_);
  // Takes in `snapshot`, restores what is owed, and returns the joined
  // endpoints whose NIC is on the host.
  std::vector<EndpointRecord> TakeIn(const Snapshot& snapshot,
                                     std::vector<std::string>* problems)
      EXCLUDES(mu_);
  void RetryRemovals() REQUIRES(mu_);
  // What hostnic owes `link`, present on the host: the state to put it back
  // to (see OnLinkChanged), or nullopt.
  std::optional<NicState> Owed(const Link& link) const REQUIRES(mu_);
  // Puts `link` back to `original` (an MTU of 0 is left alone). A NIC that
  // `came_back` from a container also loses any address it still carries.
  Status Restore(const Link& link, const NicState& original, bool came_back)
      REQUIRES(mu_);
  bool InPool(const NetworkRecord& network, const Link& link) const;
  bool Allowed(const Link& link) const;

  const DriverOptions options_;
  Inventory* const inventory_;
  LinkControl* const links_;
  Store* const store_;
  Hooks* const hooks_;
  const AddressPorts addresses_;
  Clock* const clock_;
  DriverCounters counters_;
  std::atomic<bool> shutting_down_{false};

  mutable Mutex mu_;
  // Networks, endpoints and who holds which NIC (src/driver/nic_table.h).
  const std::unique_ptr<NicTable> table_ PT_GUARDED_BY(mu_);
  // Created, not joined, and possibly given up by Docker: found so by
  // Recover, or answered past the call timeout (`late`). Still not joined at
  // `abandon_at`, they are released (see ReleaseAbandoned).
  struct Unjoined {
    UnixSeconds abandon_at = 0;
    bool late = false;
  };
  std::unordered_map<std::string, Unjoined> unjoined_ GUARDED_BY(mu_);
  // The NICs' leases, as in the store, and what became of them
  // (src/driver/lease_book.h).
  const std::unique_ptr<LeaseBook> book_ PT_GUARDED_BY(mu_);
  // The same for their IPv6 leases (hostnic.address6).
  const std::unique_ptr<LeaseBook> book6_ PT_GUARDED_BY(mu_);

  Mutex waits_mu_;
  std::condition_variable waits_done_;  // Under waits_mu_: waits_ went down.
  // AwaitNic calls not yet answered (Shutdown waits).
  size_t waits_ GUARDED_BY(waits_mu_) = 0;

  // Last, so that they stop before what their tasks use goes. CreateEndpoints
  // resumed after a NIC wait.
  const std::unique_ptr<WorkerPool> resumes_;
  // Link events,
  // one at a time in the order they came (so per NIC too).
  const std::unique_ptr<SerialQueue> link_events_;
  // Detach hooks of NICs released by link events, off the event thread;
  // null without a detach hook.
  const std::unique_ptr<SerialQueue> event_hooks_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DRIVER_DRIVER_H_
