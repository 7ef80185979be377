// FakeLinkControl: applies LinkControl changes to an Inventory, the way the
// kernel plus the netlink monitor would, and records every call. Tests can
// make the next call fail.
#ifndef HOSTNIC_TESTS_FAKES_FAKE_LINK_CONTROL_H_
#define HOSTNIC_TESTS_FAKES_FAKE_LINK_CONTROL_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "driver/inventory.h"
#include "hostnic/link.h"

namespace hostnic {

class FakeLinkControl : public LinkControl {
 public:
  explicit FakeLinkControl(Inventory* inventory) : inventory_(inventory) {}

  Result<Link> Refresh(const Link& link) override {
    std::optional<Link> current = KernelView(link.ifindex);
    if (!current || current->mac != link.mac) {
      return Status::NotFound("no device " + link.mac.ToString());
    }
    return *current;
  }
  Status SetMtu(const Link& link, unsigned mtu) override {
    return Apply(link, "mtu " + std::to_string(mtu),
                 [&](Link& l) { l.mtu = mtu; });
  }
  Status SetName(const Link& link, const std::string& name) override {
    if (auto other = inventory_->FindByName(name);
        other && other->ifindex != link.ifindex) {
      return Status::AlreadyExists("name " + name + " is taken");
    }
    return Apply(link, "name " + name, [&](Link& l) { l.name = name; });
  }
  Status SetUp(const Link& link, bool up) override {
    return Apply(link, up ? "up" : "down", [&](Link& l) { l.up = up; });
  }
  Status FlushAddresses(const Link& link) override {
    return Apply(link, "flush", [](Link&) {});
  }
  Result<bool> SetIpv6Disabled(const Link& link, bool disabled) override {
    bool before = false;
    Status s = Apply(link, disabled ? "ipv6 off" : "ipv6 on", [&](Link& l) {
      std::lock_guard<std::mutex> lock(mu_);
      before = ipv6_off_[l.mac.ToString()];
      ipv6_off_[l.mac.ToString()] = disabled;
    });
    if (!s.ok()) return s;
    return before;
  }

  // While delayed, changes reach the "kernel" (Refresh sees them) but not
  // the inventory, as when netlink events lag behind; DeliverEvents catches
  // the inventory up.
  void DelayEvents(bool delayed) {
    std::lock_guard<std::mutex> lock(mu_);
    delayed_ = delayed;
  }
  void DeliverEvents() {
    std::map<int, Link> pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending.swap(kernel_);
    }
    for (const auto& [ifindex, link] : pending) inventory_->Upsert(link);
  }

  // The next call fails with `status`.
  void FailNext(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = std::move(status);
  }
  // Whether the next call fails (FailNext not yet consumed).
  bool failing() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !fail_next_.ok();
  }
  // "<mac> <change>" per successful call, in order.
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  void ClearCalls() {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.clear();
  }

 private:
  template <typename F>
  Status Apply(const Link& link, const std::string& what, F change) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fail_next_.ok()) {
        Status s = fail_next_;
        fail_next_ = Status::Ok();
        return s;
      }
    }
    std::optional<Link> current = KernelView(link.ifindex);
    if (!current || current->mac != link.mac) {
      return Status::NotFound("no device " + link.mac.ToString());
    }
    change(*current);
    bool delayed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(link.mac.ToString() + " " + what);
      delayed = delayed_;
      if (delayed) kernel_[current->ifindex] = *current;
    }
    if (!delayed) inventory_->Upsert(*current);
    return Status::Ok();
  }

  // The device as the fake kernel has it: a change not yet delivered, or
  // what the inventory shows.
  std::optional<Link> KernelView(int ifindex) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = kernel_.find(ifindex); it != kernel_.end()) {
        return it->second;
      }
    }
    return inventory_->FindByIndex(ifindex);
  }

  Inventory* inventory_;
  mutable std::mutex mu_;  // Guards fail_next_, calls_, delayed_, kernel_,
                           // ipv6_off_.
  Status fail_next_;
  bool delayed_ = false;
  std::map<int, Link> kernel_;  // Changes the inventory has not seen yet.
  std::map<std::string, bool> ipv6_off_;  // By MAC.
  std::vector<std::string> calls_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_FAKE_LINK_CONTROL_H_
