// MemoryStore: a Store in memory, with failure injection, for unit tests.
#ifndef HOSTNIC_TESTS_FAKES_MEMORY_STORE_H_
#define HOSTNIC_TESTS_FAKES_MEMORY_STORE_H_

#include <map>
#include <mutex>
#include <string>

#include "hostnic/store.h"

namespace hostnic {

class MemoryStore : public Store {
 public:
  Status PutNetwork(const NetworkRecord& n) override {
    return Write([&] { networks_[n.id] = n; });
  }
  Status RemoveNetwork(const std::string& id) override {
    return Write([&] { networks_.erase(id); });
  }
  Status PutEndpoint(const EndpointRecord& e) override {
    return Write([&] { endpoints_[e.id] = e; });
  }
  Status RemoveEndpoint(const std::string& id) override {
    return Write([&] { endpoints_.erase(id); });
  }
  Status PutOrphan(const OrphanRecord& o) override {
    return Write([&] { orphans_[o.mac.ToString()] = o; });
  }
  Status RemoveOrphan(const Mac& mac) override {
    return Write([&] { orphans_.erase(mac.ToString()); });
  }
  Status PutLease(const Lease& l) override {
    return Write([&] { leases_[Key(l.mac, l.Ipv6())] = l; });
  }
  Status RemoveLease(const Mac& mac) override {
    return Write([&] { leases_.erase(Key(mac, false)); });
  }
  Status RemoveLease6(const Mac& mac) override {
    return Write([&] { leases_.erase(Key(mac, true)); });
  }
  Result<Snapshot> Load() override {
    std::lock_guard<std::mutex> lock(mu_);
    Snapshot s;
    for (auto& [id, n] : networks_) s.networks.push_back(n);
    for (auto& [id, e] : endpoints_) s.endpoints.push_back(e);
    for (auto& [mac, o] : orphans_) s.orphans.push_back(o);
    for (auto& [mac, l] : leases_) s.leases.push_back(l);
    s.problems = problems_;
    return s;
  }

  // Every write fails while set (a full or read-only disk).
  void SetFailing(bool failing) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_ = failing;
  }
  void AddProblem(std::string p) {
    std::lock_guard<std::mutex> lock(mu_);
    problems_.push_back(std::move(p));
  }
  size_t endpoint_count() const { return SizeOf(endpoints_); }
  size_t network_count() const { return SizeOf(networks_); }
  size_t lease_count() const { return SizeOf(leases_); }
  size_t orphan_count() const { return SizeOf(orphans_); }

 private:
  template <typename Records>
  size_t SizeOf(const Records& records) const {
    std::lock_guard<std::mutex> lock(mu_);
    return records.size();
  }
  static std::string Key(const Mac& mac, bool v6) {
    return mac.ToString() + (v6 ? "-ipv6" : "");
  }
  template <typename F>
  Status Write(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failing_)
      return Status::IoError("writing state: No space left on device");
    f();
    return Status::Ok();
  }

  mutable std::mutex mu_;  // Guards everything below.
  bool failing_ = false;
  std::map<std::string, NetworkRecord> networks_;
  std::map<std::string, EndpointRecord> endpoints_;
  std::map<std::string, OrphanRecord> orphans_;
  std::map<std::string, Lease> leases_;
  std::vector<std::string> problems_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_MEMORY_STORE_H_
