#include "driver/housekeeper.h"

#include <gtest/gtest.h>

#include <chrono>

#include "fakes/driver_fixture.h"

namespace hostnic {
namespace {

using std::chrono::seconds;

const char kNet[] = "net1";
const char kMac[] = "52:54:0e:e5:00:f7";

using HousekeeperTest = DriverFixture;

// hostnic restarted after creating an endpoint whose CreateEndpoint Docker
// never saw answered: the housekeeper frees its NIC once --unjoined-grace
// has passed on the clock, and not before. Nothing sleeps.
TEST_F(HousekeeperTest, ReleasesAnAbandonedEndpointWhenTheGracePasses) {
  inventory_.Reset({MakeLink(3, "eth2", kMac)}, {});
  options_.unjoined_grace = seconds(60);
  StartDriver();
  ASSERT_TRUE(driver_->CreateNetwork(NetworkRequest(kNet)).ok());
  ASSERT_TRUE(
      driver_
          ->CreateEndpoint(EndpointRequest(kNet, "ep", kMac, "192.168.1.5/24"))
          .ok());
  Restart();

  Housekeeper housekeeper(driver_.get(), &clock_);
  clock_.AwaitWaiters(1);  // Asleep after its first pass.
  clock_.Advance(seconds(59));
  clock_.AwaitWaiters(1);  // Woke, found nothing due, asleep again.
  EXPECT_EQ(store_.endpoint_count(), 1u);
  clock_.Advance(seconds(1));
  clock_.AwaitWaiters(1);
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
}

}  // namespace
}  // namespace hostnic
