// DriverFixture: the Driver over fakes -- an Inventory, a FakeLinkControl
// acting on it, a MemoryStore and a FakeClock that both the driver and the
// inventory run on -- as the driver, handler and server tests build it.
// Waits for NICs, graces and lease timers take no real time: a test acts
// once the driver waits (FakeClock::AwaitWaiters) or moves the clock. A test
// (or a fixture derived from it) fills the inventory, sets options_, hooks_ and
// ports_, then calls StartDriver() or Restart().
#ifndef HOSTNIC_TESTS_FAKES_DRIVER_FIXTURE_H_
#define HOSTNIC_TESTS_FAKES_DRIVER_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <string>

#include "fakes/fake_clock.h"
#include "fakes/fake_link_control.h"
#include "fakes/links.h"
#include "fakes/memory_store.h"
#include "driver/driver.h"

namespace hostnic {

// Sets spdlog's level for its lifetime: tests that expect failures keep
// their warnings out of the output.
class ScopedLogLevel {
 public:
  explicit ScopedLogLevel(spdlog::level::level_enum level)
      : saved_(spdlog::get_level()) {
    spdlog::set_level(level);
  }
  ~ScopedLogLevel() { spdlog::set_level(saved_); }
  ScopedLogLevel(const ScopedLogLevel&) = delete;
  ScopedLogLevel& operator=(const ScopedLogLevel&) = delete;

 private:
  const spdlog::level::level_enum saved_;
};

// Docker's CreateNetwork for `id` with its default IPAM: 192.168.1.0/24,
// gateway 192.168.1.1.
inline CreateNetworkRequest NetworkRequest(
    const std::string& id, std::map<std::string, std::string> options = {}) {
  CreateNetworkRequest r;
  r.network_id = id;
  r.ipv4 = {{"192.168.1.0/24", "192.168.1.1/24", ""}};
  r.options = std::move(options);
  return r;
}

// Docker's CreateEndpoint; an empty `mac` lets the driver choose the NIC.
inline CreateEndpointRequest EndpointRequest(const std::string& network,
                                             const std::string& endpoint,
                                             const std::string& mac,
                                             const std::string& address) {
  CreateEndpointRequest r;
  r.network_id = network;
  r.endpoint_id = endpoint;
  r.address = address;
  r.mac = mac;
  return r;
}

class DriverFixture : public ::testing::Test {
 protected:
  // Whatever a test did, who holds which NIC stays consistent.
  void TearDown() override {
    if (driver_ != nullptr) {
      EXPECT_THAT(driver_->Violations(), ::testing::IsEmpty());
    }
  }

  // A new Driver on the fakes with options_, hooks_ and ports_, replacing
  // the current one; nothing is loaded from the store.
  Driver* StartDriver() {
    driver_ = std::make_unique<Driver>(options_, &inventory_, &links_, &store_,
                                       hooks_, ports_);
    return driver_.get();
  }
  // StartDriver, then the driver loads the store and reconciles it with the
  // inventory, as a restarted daemon does.
  void Restart() {
    StartDriver();
    ASSERT_TRUE(driver_->Recover().ok());
  }

  // What the monitor's listeners do, then waits for the driver's event
  // thread to have handled it.
  void LinkChanged(const Link& link) {
    driver_->OnLinkChanged(link);
    driver_->DrainLinkEvents();
  }
  void LinkRemoved(const Link& link) {
    driver_->OnLinkRemoved(link);
    driver_->DrainLinkEvents();
  }

  DriverOptions options_;
  Hooks* hooks_ = nullptr;  // Must outlive driver_ when set.
  FakeClock clock_;
  // Each port must outlive driver_ when set.
  AddressPorts ports_{nullptr, nullptr, nullptr, nullptr, &clock_};
  Inventory inventory_{&clock_};
  FakeLinkControl links_{&inventory_};
  MemoryStore store_;
  std::unique_ptr<Driver> driver_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_DRIVER_FIXTURE_H_
