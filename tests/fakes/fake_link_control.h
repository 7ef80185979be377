// FakeLinkControl: applies LinkControl changes to an Inventory, the way the
// kernel plus the netlink monitor would, and records every call. Tests can
// make the next call fail.
#ifndef HOSTNIC_TESTS_FAKES_FAKE_LINK_CONTROL_H_
#define HOSTNIC_TESTS_FAKES_FAKE_LINK_CONTROL_H_

#include <mutex>
#include <string>
#include <vector>

#include "hostnic/inventory.h"
#include "hostnic/link.h"

namespace hostnic {

class FakeLinkControl : public LinkControl {
 public:
  explicit FakeLinkControl(Inventory* inventory) : inventory_(inventory) {}

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

  // The next call fails with `status`.
  void FailNext(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = std::move(status);
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
    auto current = inventory_->FindByIndex(link.ifindex);
    if (!current || current->mac != link.mac) {
      return Status::NotFound("no device " + link.mac.ToString());
    }
    change(*current);
    inventory_->Upsert(*current);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(link.mac.ToString() + " " + what);
    return Status::Ok();
  }

  Inventory* inventory_;
  mutable std::mutex mu_;  // Guards fail_next_ and calls_.
  Status fail_next_;
  std::vector<std::string> calls_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_FAKE_LINK_CONTROL_H_
