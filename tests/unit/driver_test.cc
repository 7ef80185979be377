#include "unit/driver_test.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

#include "fakes/fake_address.h"

namespace hostnic::driver_test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST_F(DriverTest, JourneyHandsTheNicByMacAndGetsItBack) {
  ASSERT_TRUE(CreateNetwork().ok());
  auto created = CreateEndpoint("52:54:0E:E5:00:F7");  // Case-insensitive.
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->mac, "");  // Docker sent it: never echo it back.

  auto joined = driver_->Join(kNet, kEp, "/var/run/docker/netns/x");
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->src_name, "eth2");
  EXPECT_EQ(joined->dst_prefix, "eth");
  EXPECT_EQ(joined->gateway, "192.168.1.1");  // Plain IP, not CIDR.

  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
  // Free again for the next container.
  EXPECT_TRUE(CreateEndpoint(kMac2, "other").ok());
}

TEST_F(DriverTest, WithoutMacPicksFirstFreeEligibleNicAndReportsItsMac) {
  ASSERT_TRUE(CreateNetwork().ok());
  auto first = CreateEndpoint("", "ep1");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->mac, kMac2);  // eth0 carries the default route, lo refused.
  auto second = CreateEndpoint("", "ep2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->mac, kMac3);
  auto third = CreateEndpoint("", "ep3");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), Code::kBusy);
  EXPECT_THAT(third.status().message(), HasSubstr("no free NIC"));
  EXPECT_THAT(third.status().message(), HasSubstr("eth2 by ep1"));
}

TEST_F(DriverTest, NoFreeNicNamesHoldersWhoseNicIsInAContainer) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("", "ep1").ok());
  ASSERT_TRUE(CreateEndpoint("", "ep2").ok());
  inventory_.Remove(3);  // Docker moved eth2 into ep1's container.
  auto third = CreateEndpoint("", "ep3");
  ASSERT_FALSE(third.ok());
  EXPECT_THAT(third.status().message(),
              HasSubstr(std::string(kMac2) + " (in a container) by ep1"));
  EXPECT_THAT(third.status().message(), HasSubstr("eth3 by ep2"));
}

TEST_F(DriverTest, NoFreeNicNamesHoldersOfOtherNetworksSharingThePool) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth2,eth3"}}).ok());
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth2,eth3"}}, "net2").ok());
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth3"}}, "net3").ok());
  ASSERT_TRUE(CreateEndpoint("", "ep1").ok());          // eth2
  ASSERT_TRUE(CreateEndpoint("", "ep2", "net2").ok());  // eth3
  inventory_.Remove(3);  // Both NICs are inside containers.
  inventory_.Remove(4);
  auto third = CreateEndpoint("", "ep3");
  ASSERT_FALSE(third.ok());
  EXPECT_THAT(third.status().message(),
              HasSubstr(std::string(kMac2) + " (in a container) by ep1"));
  EXPECT_THAT(third.status().message(),
              HasSubstr(std::string(kMac3) + " (in a container) by ep2"));
  // Outside its pool, a held NIC is not this network's business.
  auto other = CreateEndpoint("", "ep4", "net3");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.status().message(), HasSubstr("by ep2"));
  EXPECT_THAT(other.status().message(), Not(HasSubstr("by ep1")));
}

TEST_F(DriverTest, NicUpOnTheHostIsPickedOnlyWhenNamed) {
  Link eth2 = *inventory_.FindByName("eth2");
  eth2.up = true;  // The host uses it.
  inventory_.Upsert(eth2);
  ASSERT_TRUE(CreateNetwork().ok());
  auto picked = CreateEndpoint("", "ep1");
  ASSERT_TRUE(picked.ok());
  EXPECT_EQ(picked->mac, kMac3);
  auto none = CreateEndpoint("", "ep2");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(),
              HasSubstr("up on the host, so never picked unasked: eth2"));
  EXPECT_TRUE(CreateEndpoint(kMac2, "ep3").ok());  // Asked for: handed out.
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth2"}}, "net2").ok());
}

TEST_F(DriverTest, PoolOptionRestrictsChoiceByNameOrMac) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", std::string(kMac3)}}).ok());
  auto picked = CreateEndpoint("", "ep1");
  ASSERT_TRUE(picked.ok());
  EXPECT_EQ(picked->mac, kMac3);

  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth3"}}, "net2").ok());
  auto outside = CreateEndpoint(kMac2, "ep2", "net2");
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(outside.status().message(),
              HasSubstr("is not in this network's pool (hostnic.nics=eth3)"));
}

TEST_F(DriverTest, EndpointOptionSelectsNicByName) {
  ASSERT_TRUE(CreateNetwork().ok());
  CreateEndpointRequest r;
  r.network_id = kNet;
  r.endpoint_id = kEp;
  r.options = {{"hostnic.nic", "eth3"}};
  auto created = driver_->CreateEndpoint(r);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->mac, kMac3);

  r.endpoint_id = "ep2";
  r.options = {{"hostnic.nicc", "eth3"}};
  auto typo = driver_->CreateEndpoint(r);
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(),
              HasSubstr("unknown endpoint option 'hostnic.nicc'"));

  r.mac = kMac2;
  r.options = {{"hostnic.nic", "eth3"}};
  auto contradiction = driver_->CreateEndpoint(r);
  ASSERT_FALSE(contradiction.ok());
  EXPECT_THAT(contradiction.status().message(), HasSubstr("contradicts"));
}

TEST_F(DriverTest, NicHeldByAnotherEndpointIsBusyNamingTheHolder) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "holder").ok());
  auto second = CreateEndpoint(kMac2, "late");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBusy);
  EXPECT_THAT(second.status().message(),
              HasSubstr("NIC eth2 (52:54:0e:e5:00:f7) is already held by "
                        "endpoint holder"));
}

TEST_F(DriverTest, NicAwayInItsContainerIsBusyNotUnknown) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "holder").ok());
  ASSERT_TRUE(driver_->Join(kNet, "holder", "/sb").ok());
  inventory_.Remove(3);  // Docker moved it into the container.
  for (const std::string& wanted : {std::string(kMac2), std::string("eth2")}) {
    CreateEndpointRequest r;
    r.network_id = kNet;
    r.endpoint_id = "late";
    r.options = {{"hostnic.nic", wanted}};
    auto second = driver_->CreateEndpoint(r);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), Code::kBusy);
    EXPECT_THAT(second.status().message(),
                HasSubstr("NIC eth2 (52:54:0e:e5:00:f7) is already held by "
                          "endpoint holder"));
  }
}

TEST_F(DriverTest, ConcurrentRequestsForOneNicExactlyOneWins) {
  ASSERT_TRUE(CreateNetwork().ok());
  std::atomic<int> wins{0}, busy{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto r = CreateEndpoint(kMac2, "ep" + std::to_string(i));
      if (r.ok()) ++wins;
      if (!r.ok() && r.status().code() == Code::kBusy) ++busy;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(busy, 15);
  EXPECT_EQ(store_.endpoint_count(), 1u);
}

TEST_F(DriverTest, RefusesHostNicsAndSaysWhy) {
  Link br = MakeLink(10, "br0", "52:54:00:00:00:10");
  br.kind = "bridge";
  Link docker0 = MakeLink(11, "docker0", "52:54:00:00:00:11");
  docker0.kind = "bridge";
  Link port = MakeLink(12, "eth5", "52:54:00:00:00:12");
  port.master = 10;
  Link bond = MakeLink(13, "bond0", "52:54:00:00:00:13");
  bond.kind = "bond";
  Link ifb = MakeLink(14, "ifb0", "52:54:00:00:00:14");
  ifb.kind = "ifb";
  for (const Link& l : {br, docker0, port, bond, ifb}) inventory_.Upsert(l);
  ASSERT_TRUE(CreateNetwork().ok());

  const std::pair<std::string, std::string> cases[] = {
      {"52:54:00:00:00:01", "carries a default route"},
      {"52:54:00:00:00:10", "it is a bridge"},
      {"52:54:00:00:00:11", "it is a Docker bridge"},
      {"52:54:00:00:00:12", "it is enslaved to br0"},
      {"52:54:00:00:00:13", "it is a bond device"},
      {"52:54:00:00:00:14", "it is an ifb traffic-shaping device"},
  };
  for (const auto& [mac, why] : cases) {
    auto r = CreateEndpoint(mac, "ep");
    ASSERT_FALSE(r.ok()) << mac;
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
    EXPECT_THAT(r.status().message(), HasSubstr("refusing NIC"));
    EXPECT_THAT(r.status().message(), HasSubstr(why));
  }
  EXPECT_EQ(driver_->RefusalReason(*inventory_.FindByName("lo")),
            "it is the loopback device");
}

TEST_F(DriverTest, DefaultRouteAtAnyTimeIsRefusedAtJoin) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  inventory_.SetDefaultRouteLinks({2, 3});
  auto joined = driver_->Join(kNet, kEp, "/sb");
  ASSERT_FALSE(joined.ok());
  EXPECT_THAT(joined.status().message(), HasSubstr("default route"));
}

TEST_F(DriverTest, AllowListRestrictsCandidates) {
  options_.allowed_nics = {*NicSpec::Parse("eth3")};
  Restart();
  ASSERT_TRUE(CreateNetwork().ok());
  auto r = CreateEndpoint(kMac2);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("--allow-nic"));
  auto picked = CreateEndpoint("", "ep2");
  ASSERT_TRUE(picked.ok());
  EXPECT_EQ(picked->mac, kMac3);
}

TEST_F(DriverTest, UnknownMacNamesItAndListsFreeNics) {
  ASSERT_TRUE(CreateNetwork().ok());
  auto r = CreateEndpoint("02:00:00:00:00:99");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("no NIC 02:00:00:00:00:99"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("eth2 (52:54:0e:e5:00:f7), eth3 (52:54:0e:e5:00:f8)"));
  auto bad = CreateEndpoint("not-a-mac");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("is not a MAC address"));
}

TEST_F(DriverTest, NetworkOptionsAreValidated) {
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"hostnic.mtuu", "1400"}}, "unknown network option 'hostnic.mtuu'"},
      {{{"foo", "bar"}}, "hostnic knows hostnic.nics"},
      {{{"hostnic.mtu", "12"}}, "not an MTU between 68 and 65535"},
      {{{"hostnic.mtu", "1500x"}}, "not an MTU"},
      {{{"hostnic.routes", "10.0.0.0"}}, "is not a CIDR"},
      {{{"hostnic.routes", "10.0.0.0/33"}}, "is not a CIDR"},
      {{{"hostnic.routes", "10.0.0.0/8@fe80::1"}}, "is not an IPv4 address"},
      {{{"hostnic.routes", " , "}}, "names no route"},
      {{{"hostnic.nics", "eth/2"}}, "neither a MAC address nor an interface"},
      {{{"hostnic.wait", "-1"}}, "not a number of seconds"},
  };
  for (const auto& [options, message] : cases) {
    Status s = CreateNetwork(options);
    ASSERT_FALSE(s.ok()) << message;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr(message));
  }
  EXPECT_EQ(store_.network_count(), 0u);
  EXPECT_TRUE(
      CreateNetwork({{"com.docker.network.enable_ipv6", "false"}}).ok());
}

TEST_F(DriverTest, InvalidIdsNeverReachTheStore) {
  EXPECT_EQ(CreateNetwork({}, "../../etc").code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateNetwork({}, "").code(), Code::kInvalidArgument);
  ASSERT_TRUE(CreateNetwork().ok());
  EXPECT_EQ(CreateEndpoint(kMac2, "a/b").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(driver_->Join(kNet, "x y", "/sb").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(DriverTest, MtuIsSetBeforeHandOverAndRestoredAfter) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1400u);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
}

TEST_F(DriverTest, JoinAnswersRoutesOfTheEndpointsFamiliesAndIpv6Gateway) {
  CreateNetworkRequest r;
  r.network_id = kNet;
  r.ipv4 = {{"192.168.1.0/24", "192.168.1.1/24", ""}};
  r.ipv6 = {{"fd00:1::/64", "fd00:1::1/64", ""}};
  r.options = {
      {"hostnic.routes",
       "10.0.0.0/8@192.168.1.254, 172.16.0.0/12, fd00:2::/64@fd00:1::fe"}};
  ASSERT_TRUE(driver_->CreateNetwork(r).ok());

  CreateEndpointRequest e;
  e.network_id = kNet;
  e.endpoint_id = kEp;
  e.address = "192.168.1.5/24";
  e.mac = kMac2;
  ASSERT_TRUE(driver_->CreateEndpoint(e).ok());
  auto v4 = driver_->Join(kNet, kEp, "/sb");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->gateway6, "");
  EXPECT_EQ(v4->static_routes,
            (std::vector<Route>{{"10.0.0.0/8", "192.168.1.254"},
                                {"172.16.0.0/12", ""}}));

  e.endpoint_id = "dual";
  e.mac = kMac3;
  e.address6 = "fd00:1::5/64";
  ASSERT_TRUE(driver_->CreateEndpoint(e).ok());
  auto dual = driver_->Join(kNet, "dual", "/sb2");
  ASSERT_TRUE(dual.ok());
  EXPECT_EQ(dual->gateway6, "fd00:1::1");
  EXPECT_EQ(dual->static_routes.size(), 3u);
}

TEST_F(DriverTest, UnknownEndpointLeaveAndDeleteSucceed) {
  EXPECT_TRUE(driver_->Leave(kNet, "gone").ok());
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "gone").ok());
  EXPECT_TRUE(driver_->DeleteNetwork("gone").ok());
  auto join = driver_->Join(kNet, "gone", "/sb");
  ASSERT_FALSE(join.ok());
  EXPECT_EQ(join.status().code(), Code::kNotFound);
  ASSERT_FALSE(CreateEndpoint(kMac2).ok());  // Unknown network.
}

TEST_F(DriverTest, StoreFailureLeavesNothingHalfDone) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  store_.SetFailing(true);
  auto r = CreateEndpoint(kMac2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIoError);
  EXPECT_THAT(r.status().message(), HasSubstr("No space left on device"));
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);  // MTU undone.
  store_.SetFailing(false);
  EXPECT_TRUE(CreateEndpoint(kMac2).ok());  // And the NIC is not held.
}

TEST_F(DriverTest, MtuDecisionsUseTheKernelsViewNotALaggingInventory) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  links_.DelayEvents(true);  // Netlink events fall behind under load.
  for (int i = 0; i < 3; ++i) {
    const std::string ep = "ep" + std::to_string(i);
    ASSERT_TRUE(CreateEndpoint(kMac2, ep).ok());
    EXPECT_EQ(links_.Refresh(*inventory_.FindByName("eth2"))->mtu, 1400u);
    ASSERT_TRUE(driver_->DeleteEndpoint(kNet, ep).ok());
    EXPECT_EQ(links_.Refresh(*inventory_.FindByName("eth2"))->mtu, 1500u);
  }
  links_.DeliverEvents();
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
}

TEST_F(DriverTest, ReadOnlyStateNeverStrandsAReleasedNic) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "old").ok());
  store_.SetFailing(true);
  Status s = driver_->DeleteEndpoint(kNet, "old");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("the NIC is free"));
  EXPECT_EQ(store_.endpoint_count(), 1u);  // The record could not go.
  store_.SetFailing(false);
  ASSERT_TRUE(CreateEndpoint(kMac2, "new").ok());  // Not held by "old".
  EXPECT_EQ(store_.endpoint_count(), 1u);  // "old" is gone, "new" is there.
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "old").ok());  // Docker's retry.
}

TEST_F(DriverTest, DeleteNetworkLeavesNoRecordOfAnEndpointReleasedOnAFullDisk) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  store_.SetFailing(true);
  ASSERT_FALSE(driver_->DeleteEndpoint(kNet, kEp).ok());
  store_.SetFailing(false);
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);  // Nothing to resurrect at start.
}

TEST_F(DriverTest, LinkFailureLeavesNicFree) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "1400"}}).ok());
  links_.FailNext(Status::IoError("setting MTU: Operation not permitted"));
  auto r = CreateEndpoint(kMac2);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("Operation not permitted"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2).ok());
}

TEST_F(DriverTest, RestartKeepsNetworksAndHeldNics) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "running").ok());
  ASSERT_TRUE(driver_->Join(kNet, "running", "/sb").ok());
  inventory_.Remove(3);  // Moved into the container.

  Restart();
  auto busy = CreateEndpoint(kMac2, "new");  // Still in its container.
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), Code::kBusy);
  inventory_.Upsert(MakeLink(30, "eth2", kMac2));  // Docker moved it back.
  busy = CreateEndpoint(kMac2, "new");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), Code::kBusy);
  ASSERT_TRUE(driver_->Leave(kNet, "running").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "running").ok());
  // New containers work without re-creating the network.
  EXPECT_TRUE(CreateEndpoint(kMac2, "new").ok());
}

TEST_F(DriverTest, RecoverReportsProblemsAndMissingNics) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  inventory_.Remove(3);  // Detached while hostnic was down.
  store_.AddProblem("endpoints/x.json: not JSON; kept as x.json.corrupt");
  StartDriver();
  auto problems = driver_->Recover();
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 2u);
  EXPECT_THAT((*problems)[0], HasSubstr("x.json.corrupt"));
  EXPECT_THAT((*problems)[1], HasSubstr("is not on the host"));
}

// hostnic killed after making an endpoint but before Docker had the answer:
// Docker rolled it back, and the rollback's DeleteEndpoint was lost.
TEST_F(DriverTest, EndpointNeverJoinedAfterARestartIsReleasedAfterTheGrace) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2, "cut").ok());
  ASSERT_TRUE(CreateEndpoint(kMac3, "late").ok());
  FakeClock clock;
  options_.unjoined_grace = std::chrono::seconds(60);
  ports_.clock = &clock;
  Restart();
  const UnixSeconds deadline = clock.Now() + 60;
  EXPECT_EQ(driver_->ReleaseAbandoned(), deadline);
  // Docker's Join, retried across the restart, keeps its endpoint.
  ASSERT_TRUE(driver_->Join(kNet, "late", "/sb").ok());
  // An endpoint made after the restart is never counted as abandoned.
  inventory_.Upsert(MakeLink(5, "eth4", "52:54:0e:e5:00:f9"));
  ASSERT_TRUE(CreateEndpoint("", "after").ok());
  EXPECT_EQ(CreateEndpoint(kMac2, "new").status().code(), Code::kBusy);

  clock.Advance(60);
  EXPECT_EQ(driver_->ReleaseAbandoned(),
            std::numeric_limits<UnixSeconds>::max());
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
  auto nic = inventory_.FindByMac(*Mac::Parse(kMac2));
  EXPECT_EQ(nic->mtu, 1500u);  // Put back as it was.
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "cut").ok());
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "after").ok());
  EXPECT_TRUE(driver_->Join(kNet, "late", "/sb").ok());
  EXPECT_TRUE(CreateEndpoint(kMac2, "new").ok());
}

TEST_F(DriverTest, NicReleasedWhileAwayIsPutBackWhenItReturns) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  inventory_.Remove(3);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.orphan_count(), 1u);

  Restart();  // The debt survives a restart too.
  Link back = MakeLink(31, "dev7", kMac2);
  back.mtu = 9000;
  back.up = true;
  inventory_.Upsert(back);
  links_.ClearCalls();
  driver_->OnLinkChanged(back);
  auto restored = inventory_.FindByMac(*Mac::Parse(kMac2));
  EXPECT_EQ(links_.calls().front(), "52:54:0e:e5:00:f7 flush");
  EXPECT_EQ(restored->name, "eth2");
  EXPECT_EQ(restored->mtu, 1500u);
  EXPECT_FALSE(restored->up);
  EXPECT_EQ(store_.orphan_count(), 0u);
}

TEST_F(DriverTest, DeleteNetworkReleasesItsEndpoints) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(store_.network_count(), 0u);
  ASSERT_TRUE(CreateNetwork({}, "net2").ok());
  EXPECT_TRUE(CreateEndpoint(kMac2, "ep", "net2").ok());
}

TEST_F(DriverTest, ReplayedCreateEndpointIsIdempotent) {
  ASSERT_TRUE(CreateNetwork().ok());
  auto first = CreateEndpoint("");
  ASSERT_TRUE(first.ok());
  auto again = CreateEndpoint("");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->mac, first->mac);
  auto other = CreateEndpoint(kMac3);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kAlreadyExists);
}

TEST_F(DriverTest, WaitsForALateNicWhenTheNetworkAsks) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.wait", "5"}}).ok());
  std::thread plug([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    inventory_.Upsert(MakeLink(40, "eth9", "52:54:0e:e5:00:99"));
  });
  auto r = CreateEndpoint("52:54:0e:e5:00:99");
  plug.join();
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto joined = driver_->Join(kNet, kEp, "/sb");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->src_name, "eth9");
}

// A managed plugin's call outlives `docker plugin enable --timeout`: the wait
// is cut so that Docker gets hostnic's error, not its own timeout.
TEST_F(DriverTest, WaitIsCutToAnswerBeforeTheCallTimeout) {
  FakeClock clock;
  options_.call_timeout = std::chrono::seconds(3);  // 2 s kept for the rest.
  ports_.clock = &clock;
  StartDriver();
  ASSERT_TRUE(CreateNetwork({{"hostnic.wait", "50"}}).ok());
  auto r = CreateEndpoint("52:54:0e:e5:00:99");
  ASSERT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_THAT(r.status().message(),
              HasSubstr("NIC 52:54:0e:e5:00:99 did not appear on the host "
                        "within 1.000 s"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("the wait of 50.00 s was cut so that hostnic answers "
                        "before Docker gives up on the call after 3 s"));
  EXPECT_THAT(r.status().message(), HasSubstr("CALL_TIMEOUT"));
  EXPECT_EQ(driver_->ReleaseAbandoned(), kNever);  // Nothing was held.
  EXPECT_TRUE(CreateEndpoint(kMac2).ok());
}

TEST_F(DriverTest, ReportShowsHoldersRefusalsAndAbsentNics) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(CreateEndpoint(kMac3, "away").ok());
  inventory_.Remove(4);
  std::map<std::string, NicReport> rows;
  for (const NicReport& r : driver_->Report()) rows[r.link.name] = r;
  EXPECT_EQ(rows["eth2"].endpoint_id, kEp);
  EXPECT_THAT(rows["eth2"].refused, IsEmpty());
  EXPECT_THAT(rows["eth0"].refused, HasSubstr("default route"));
  EXPECT_FALSE(rows["eth3"].present);
  EXPECT_EQ(rows["eth3"].endpoint_id, "away");
}

TEST_F(DriverTest, JoinedNicReturnedByTheKernelGetsItsNameBack) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  inventory_.Remove(3);
  links_.ClearCalls();
  // The container's namespace died: the kernel hands the NIC back as dev7.
  Link back = MakeLink(32, "dev7", kMac2);
  back.mtu = 9000;
  inventory_.Upsert(back);
  driver_->OnLinkChanged(back);
  EXPECT_THAT(links_.calls(),
              ::testing::ElementsAre("52:54:0e:e5:00:f7 flush",
                                     "52:54:0e:e5:00:f7 name eth2"));
  // Still held; MTU and state are the release's job.
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->mtu, 9000u);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->mtu, 1500u);
}

TEST_F(DriverTest, NicThatCameBackWhileHostnicWasDownIsPutBackAtStart) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  inventory_.Remove(3);
  inventory_.Upsert(MakeLink(33, "dev3", kMac2));  // While hostnic was down.
  Restart();
  EXPECT_EQ(inventory_.FindByMac(*Mac::Parse(kMac2))->name, "eth2");
  // Its sandbox is gone (the NIC is on the host): the endpoint is released
  // even if Docker's Leave/DeleteEndpoint never come.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

TEST_F(DriverTest, NicBackFromItsSandboxReleasesTheEndpointEvenIfCallsAreLost) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  // Changes while the NIC is still on the host do not count.
  driver_->OnLinkChanged(*inventory_.FindByName("eth2"));
  EXPECT_EQ(store_.endpoint_count(), 1u);
  // Docker moves it into the sandbox, and later back.
  const Link in = *inventory_.FindByName("eth2");
  inventory_.Remove(in.ifindex);
  driver_->OnLinkRemoved(in);
  Link back = MakeLink(34, "eth2", kMac2);
  back.mtu = 9000;
  inventory_.Upsert(back);
  driver_->OnLinkChanged(back);
  // Docker's Leave and DeleteEndpoint never arrive (lost to a plugin
  // restart): the NIC is free anyway, with its MTU back.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
  EXPECT_TRUE(driver_->Leave(kNet, kEp).ok());
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 1u);  // "next" is untouched.
}

TEST_F(DriverTest, EndpointThatLeftIsReleasedAtStartIfDeleteWasLost) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  Restart();  // DeleteEndpoint hit the restart and never came.
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_TRUE(CreateEndpoint(kMac2, "next").ok());
}

TEST_F(DriverTest, NicInItsSandboxAtStartReleasesTheEndpointWhenItReturns) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  inventory_.Remove(3);  // In the container while hostnic restarts.
  Restart();
  EXPECT_EQ(store_.endpoint_count(), 1u);
  Link back = MakeLink(35, "eth2", kMac2);
  inventory_.Upsert(back);
  driver_->OnLinkChanged(back);  // Docker tears the sandbox down.
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(DriverTest, EndpointWhoseSandboxStillExistsIsKeptAtStart) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/up").ok());
  options_.sandbox_exists = [](const std::string& key) {
    return key == "/var/run/docker/netns/up";
  };
  Restart();  // Docker is still moving the NIC into the live sandbox.
  EXPECT_EQ(store_.endpoint_count(), 1u);
  EXPECT_EQ(CreateEndpoint(kMac2, "next").status().code(), Code::kBusy);
}

TEST_F(DriverTest, NicsHostnicDoesNotOweAreLeftAlone) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());  // Held but not joined.
  Link renamed = MakeLink(3, "wan0", kMac2);
  inventory_.Upsert(renamed);
  driver_->OnLinkChanged(renamed);
  Link stranger = MakeLink(50, "dev9", "02:00:00:00:00:50");
  inventory_.Upsert(stranger);
  driver_->OnLinkChanged(stranger);
  EXPECT_TRUE(links_.calls().empty());
}

TEST_F(DriverTest, CreateNetworkReplayIsOkButOtherSettingsUnderTheIdAreNot) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  EXPECT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  Status other = CreateNetwork({{"hostnic.nics", "eth3"}});
  EXPECT_EQ(other.code(), Code::kAlreadyExists);
  EXPECT_THAT(other.message(), HasSubstr("docker network rm"));
  // The endpoint keeps its network as it was.
  EXPECT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/x").ok());
}

TEST_F(DriverTest, LeaveAndDeleteEndpointOfAnotherNetworkChangeNothing) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateNetwork({}, "othernet").ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/var/run/docker/netns/x").ok());
  Status s = driver_->Leave("othernet", kEp);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("belongs to network 4390aa"));
  s = driver_->DeleteEndpoint("othernet", kEp);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(store_.endpoint_count(), 1u);
  EXPECT_TRUE(driver_->Leave(kNet, kEp).ok());
  EXPECT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
}

TEST_F(DriverTest, AddressOutsideTheSubnetIsRefused) {
  ASSERT_TRUE(CreateNetwork().ok());
  CreateEndpointRequest r;
  r.network_id = kNet;
  r.endpoint_id = kEp;
  r.address = "10.9.9.9/24";
  r.mac = kMac2;
  auto created = driver_->CreateEndpoint(r);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(created.status().message(),
              HasSubstr("address 10.9.9.9/24 is outside the network's subnet "
                        "192.168.1.0/24"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  r.address = "192.168.1.254/24";
  EXPECT_TRUE(driver_->CreateEndpoint(r).ok());
}

// libnetwork's Sandbox.Refresh: Leave, Docker moves the NIC back to the host,
// then Join of the same endpoint at once.
TEST_F(DriverTest, SandboxRefreshLeavesAndJoinsAgainWithTheSameNic) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  const Link in = *inventory_.FindByName("eth2");
  inventory_.Remove(in.ifindex);
  driver_->OnLinkRemoved(in);  // Into the sandbox.
  for (int trip = 0; trip < 2; ++trip) {
    ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
    Link back = MakeLink(40 + trip, "eth2", kMac2);
    back.mtu = 9000;
    inventory_.Upsert(back);
    driver_->OnLinkChanged(back);
    auto again = driver_->Join(kNet, kEp, "/sb");
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again->src_name, "eth2");
    EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 9000u);
    inventory_.Remove(back.ifindex);
    driver_->OnLinkRemoved(back);
  }
  // The container stops for good: Leave, the NIC back, DeleteEndpoint.
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  Link back = MakeLink(45, "eth2", kMac2);
  back.mtu = 9000;
  inventory_.Upsert(back);
  driver_->OnLinkChanged(back);
  EXPECT_EQ(store_.endpoint_count(), 1u);  // Kept until DeleteEndpoint.
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, kEp).ok());
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);
}

TEST_F(DriverTest, RefreshKeepsTheNicWhenTheMonitorReportsItsReturnLate) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  const Link in = *inventory_.FindByName("eth2");
  inventory_.Remove(in.ifindex);
  driver_->OnLinkRemoved(in);
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  const Link back = MakeLink(40, "eth2", kMac2);
  inventory_.Upsert(back);
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  driver_->OnLinkChanged(back);  // Delivered after the Join.
  EXPECT_EQ(store_.endpoint_count(), 1u);
  auto report = driver_->Report();
  EXPECT_TRUE(std::any_of(report.begin(), report.end(), [](const NicReport& r) {
    return r.endpoint_id == kEp && r.joined;
  }));
}

TEST_F(DriverTest, JoinAfterLeaveWaitsForTheNicOnItsWayBack) {
  ASSERT_TRUE(CreateNetwork().ok());
  ASSERT_TRUE(CreateEndpoint(kMac2).ok());
  ASSERT_TRUE(driver_->Join(kNet, kEp, "/sb").ok());
  const Link in = *inventory_.FindByName("eth2");
  inventory_.Remove(in.ifindex);
  driver_->OnLinkRemoved(in);
  ASSERT_TRUE(driver_->Leave(kNet, kEp).ok());
  std::thread monitor([&] {  // Sees the NIC back a moment later.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    inventory_.Upsert(MakeLink(40, "eth2", kMac2));
  });
  auto again = driver_->Join(kNet, kEp, "/sb");
  monitor.join();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->src_name, "eth2");
}

TEST_F(DriverTest, LeftEndpointWhoseDeleteWasLostGivesItsNicToTheNextOne) {
  ASSERT_TRUE(CreateNetwork({{"hostnic.nics", "eth2"}}).ok());
  for (const std::string& mac : {std::string(kMac2), std::string()}) {
    ASSERT_TRUE(CreateEndpoint(mac, "old").ok());
    ASSERT_TRUE(driver_->Join(kNet, "old", "/sb").ok());
    ASSERT_TRUE(driver_->Leave(kNet, "old").ok());
    // DeleteEndpoint("old") was lost. The NIC asked for by MAC, or the only
    // one of the pool, goes to the next endpoint.
    auto next = CreateEndpoint(mac, "next");
    ASSERT_TRUE(next.ok()) << next.status().message();
    EXPECT_EQ(store_.endpoint_count(), 1u);
    EXPECT_EQ(driver_->Join(kNet, "old", "/sb").status().code(),
              Code::kNotFound);
    EXPECT_TRUE(driver_->DeleteEndpoint(kNet, "old").ok());
    ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "next").ok());
  }
  // An endpoint that has not left keeps its NIC.
  ASSERT_TRUE(CreateEndpoint(kMac2, "holder").ok());
  ASSERT_TRUE(driver_->Join(kNet, "holder", "/sb").ok());
  EXPECT_EQ(CreateEndpoint(kMac2, "late").status().code(), Code::kBusy);
  EXPECT_EQ(CreateEndpoint("", "late").status().code(), Code::kBusy);
}

}  // namespace
}  // namespace hostnic::driver_test
