// Fakes of the address ports (hostnic/address.h): an address source that
// answers from a table, a renewer that answers what the test queues, a
// sandbox that records calls (and, from fake_clock.h, a clock the test
// moves).
#ifndef HOSTNIC_TESTS_FAKES_FAKE_ADDRESS_H_
#define HOSTNIC_TESTS_FAKES_FAKE_ADDRESS_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fakes/fake_clock.h"
#include "hostnic/address.h"
#include "hostnic/guard.h"

namespace hostnic {

// A DHCP lease of `address` for `mac` from `server` (router `gateway`),
// timed as the server's answer gives it: lease time, T1 and T2 in seconds.
inline Lease OfferedLease(const char* mac, const char* address,
                          const char* gateway, const char* server,
                          uint32_t lease_seconds, uint32_t t1, uint32_t t2) {
  Lease l;
  l.mac = *Mac::Parse(mac);
  l.address = address;
  l.gateway = gateway;
  l.server = server;
  l.lease_seconds = lease_seconds;
  l.t1_seconds = t1;
  l.t2_seconds = t2;
  return l;
}

// What the tests' cloud DHCP server answers for `mac`, as dnsmasq does in
// the e2e tests: gateway 192.168.61.1, a route to 10.61.0.0/16, MTU 1400,
// two minutes' lease.
inline Lease CloudLease(const char* mac, const char* address) {
  Lease l =
      OfferedLease(mac, address, "192.168.61.1", "192.168.61.1", 120, 60, 105);
  l.source = "dhcp";
  l.routes = {{"10.61.0.0/16", "192.168.61.254"}};
  l.mtu = 1400;
  return l;
}

// Hands out the lease set for a MAC, stamped with the clock; fails with
// kTimeout for MACs without one.
class FakeAddressSource : public AddressSource {
 public:
  FakeAddressSource(const char* source, Clock* clock)
      : source_(source), clock_(clock) {}

  void Set(const Lease& lease) {
    std::lock_guard<std::mutex> lock(mu_);
    leases_[lease.mac.ToString()] = lease;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  Result<Lease> Acquire(const Link& link,
                        std::chrono::milliseconds timeout) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_++;
    auto it = leases_.find(link.mac.ToString());
    if (it == leases_.end()) {
      return Status::Timeout("no DHCP answer for NIC " + link.name + " (" +
                             link.mac.ToString() + ") within " +
                             std::to_string(timeout.count() / 1000) + " s");
    }
    Lease lease = it->second;
    lease.source = source_;
    lease.acquired = clock_->Now();
    return lease;
  }

 private:
  const char* const source_;
  Clock* const clock_;
  mutable std::mutex mu_;  // Guards leases_ and calls_.
  std::map<std::string, Lease> leases_;
  int calls_ = 0;
};

// Answers renewals from a queue (ACK of the same lease when empty) and
// records them and releases.
class FakeRenewer : public LeaseRenewer {
 public:
  explicit FakeRenewer(Clock* clock) : clock_(clock) {}

  struct Call {
    std::string netns;
    std::string address;
    bool rebinding;
  };
  // The next renewal answers this (a failed Status, a NAK, another lease).
  void Queue(Result<Renewal> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(answer));
  }
  // The next renewal is refused: the server answers NAK.
  void QueueNak() {
    Renewal nak;
    nak.answer = Answer::kNak;
    Queue(nak);
  }
  std::vector<Call> renewals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return renewals_;
  }
  std::vector<std::string> releases() const {
    std::lock_guard<std::mutex> lock(mu_);
    return releases_;
  }
  // The next Reacquire answers this (a failed Status, another lease).
  void QueueReacquire(Result<Lease> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    reacquire_answers_.push_back(std::move(answer));
  }
  // Forgets the queued answers: renewals and Reacquires ACK the same lease.
  void ClearQueues() {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.clear();
    reacquire_answers_.clear();
  }
  // "netns address ask-same|any" per Reacquire.
  std::vector<std::string> reacquires() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reacquires_;
  }

  // Each renewal from now on waits (up to 5 s of real time) until `n`
  // renewals have been in flight at once; most_in_flight() says how many
  // were.
  void Overlap(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    overlap_ = n;
  }
  size_t most_in_flight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return most_in_flight_;
  }

  Result<Renewal> Renew(const std::string& netns_path, const Lease& lease,
                        bool rebinding, std::chrono::milliseconds) override {
    std::unique_lock<std::mutex> lock(mu_);
    most_in_flight_ = std::max(most_in_flight_, ++in_flight_);
    overlapping_.notify_all();
    overlapping_.wait_for(lock, std::chrono::seconds(5),
                          [this] { return most_in_flight_ >= overlap_; });
    in_flight_--;
    renewals_.push_back({netns_path, lease.address, rebinding});
    if (!answers_.empty()) {
      Result<Renewal> answer = answers_.front();
      answers_.pop_front();
      return answer;
    }
    Renewal ack;
    ack.lease = lease;
    ack.lease.acquired = clock_->Now();
    return ack;
  }
  // ACKs the same address when nothing is queued.
  Result<Lease> Reacquire(const std::string& netns_path, const Lease& lease,
                          bool ask_same_first,
                          std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    reacquires_.push_back(netns_path + " " + lease.address + " " +
                          (ask_same_first ? "ask-same" : "any"));
    if (!reacquire_answers_.empty()) {
      Result<Lease> answer = reacquire_answers_.front();
      reacquire_answers_.pop_front();
      if (answer.ok()) answer->acquired = clock_->Now();
      return answer;
    }
    Lease again = lease;
    again.lost = false;
    again.acquired = clock_->Now();
    return again;
  }
  Status Release(const Link& link, const Lease& lease) override {
    std::lock_guard<std::mutex> lock(mu_);
    releases_.push_back(link.name + " " + lease.address);
    return Status::Ok();
  }

 private:
  Clock* const clock_;
  mutable std::mutex mu_;  // Guards everything below.
  std::deque<Result<Renewal>> answers_;
  std::deque<Result<Lease>> reacquire_answers_;
  std::vector<Call> renewals_;
  std::vector<std::string> reacquires_;
  std::condition_variable overlapping_;
  size_t overlap_ = 0;
  size_t in_flight_ = 0;
  size_t most_in_flight_ = 0;
  std::vector<std::string> releases_;
};

// Records calls; AddUnreachableRoutes fails with kNotFound for sandboxes
// not made yet (MakeSandbox).
class FakeSandbox : public SandboxControl {
 public:
  void MakeSandbox(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    sandboxes_[path];
  }
  std::vector<std::string> routes(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sandboxes_.find(path);
    return it == sandboxes_.end() ? std::vector<std::string>() : it->second;
  }
  std::vector<std::string> removed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return removed_;
  }
  // "netns mac cidr route,route,..." per InstallAddress ("dst via hop").
  std::vector<std::string> installed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return installed_;
  }
  // The next InstallAddress fails with this.
  void FailNextInstall(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    install_failure_ = std::move(status);
  }

  Status AddUnreachableRoutes(
      const std::string& netns_path,
      const std::vector<std::string>& destinations) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sandboxes_.find(netns_path);
    if (it == sandboxes_.end()) {
      return Status::NotFound("no network namespace " + netns_path);
    }
    it->second = destinations;
    return Status::Ok();
  }
  Status RemoveAddress(const std::string& netns_path, const Mac& mac,
                       const std::string& cidr) override {
    std::lock_guard<std::mutex> lock(mu_);
    removed_.push_back(netns_path + " " + mac.ToString() + " " + cidr);
    return Status::Ok();
  }
  Status InstallAddress(const std::string& netns_path, const Mac& mac,
                        const std::string& cidr,
                        const std::vector<Route>& routes) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!install_failure_.ok()) return std::exchange(install_failure_, {});
    std::string text = netns_path + " " + mac.ToString() + " " + cidr + " ";
    for (size_t i = 0; i < routes.size(); ++i) {
      text += (i ? "," : "") + routes[i].destination +
              (routes[i].next_hop.empty() ? "" : " via " + routes[i].next_hop);
    }
    installed_.push_back(text);
    return Status::Ok();
  }

 private:
  mutable std::mutex mu_;  // Guards everything below.
  std::map<std::string, std::vector<std::string>> sandboxes_;
  std::vector<std::string> removed_;
  std::vector<std::string> installed_;
  Status install_failure_;
};

// Records which NICs are guarded, where and against what; Attach fails with
// `fail` when it is set.
class FakeGuard : public MetadataGuard {
 public:
  struct Guarded {
    std::string netns;  // Empty: the host.
    std::vector<std::string> addresses;
  };
  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = std::move(status);
  }
  std::optional<Guarded> guarded(const Mac& mac) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = guarded_.find(mac);
    if (it == guarded_.end()) return std::nullopt;
    return it->second;
  }
  int attaches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return attaches_;
  }

  Status Attach(const std::string& netns_path, const Mac& mac,
                const std::vector<std::string>& addresses) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_.ok()) return fail_;
    ++attaches_;
    guarded_[mac] = {netns_path, addresses};
    return Status::Ok();
  }
  Status Detach(const Mac& mac, int ifindex) override {
    std::lock_guard<std::mutex> lock(mu_);
    guarded_.erase(mac);
    detach_hints_[mac] = ifindex;
    return Status::Ok();
  }
  // The ifindex the last Detach of `mac` was given, or nullopt.
  std::optional<int> detach_hint(const Mac& mac) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = detach_hints_.find(mac);
    if (it == detach_hints_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<GuardInfo> Info(const Mac& mac) const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!guarded_.count(mac)) return std::nullopt;
    return GuardInfo{"native", 7};
  }

 private:
  mutable std::mutex mu_;  // Guards everything below.
  Status fail_;
  std::map<Mac, Guarded> guarded_;
  std::map<Mac, int> detach_hints_;
  int attaches_ = 0;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_FAKE_ADDRESS_H_
