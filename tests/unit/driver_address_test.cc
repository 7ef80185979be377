// The NIC's own address, as the driver handles it: from DHCP or the address
// hook at CreateEndpoint, into Join, kept renewed, lost loudly, released
// with the network.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/driver_fixture.h"
#include "fakes/fake_address.h"

namespace hostnic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const char kNet[] = "4390aa";
const char kMac2[] = "52:54:0e:e5:00:f7";
const char kMac3[] = "52:54:0e:e5:00:f8";
const char kSandbox[] = "/var/run/docker/netns/abc";

Lease CloudLease(const char* mac, const char* address) {
  Lease l;
  l.mac = *Mac::Parse(mac);
  l.source = "dhcp";
  l.address = address;
  l.gateway = "192.168.61.1";
  l.routes = {{"10.61.0.0/16", "192.168.61.254"}};
  l.mtu = 1400;
  l.server = "192.168.61.1";
  l.lease_seconds = 120;
  l.t1_seconds = 60;
  l.t2_seconds = 105;
  return l;
}

// An address source that takes `seconds` of the clock per exchange.
class SlowSource : public AddressSource {
 public:
  SlowSource(AddressSource* inner, FakeClock* clock, UnixSeconds seconds)
      : inner_(inner), clock_(clock), seconds_(seconds) {}
  Result<Lease> Acquire(const Link& link,
                        std::chrono::milliseconds timeout) override {
    clock_->Advance(std::chrono::seconds(seconds_));
    return inner_->Acquire(link, timeout);
  }

 private:
  AddressSource* const inner_;
  FakeClock* const clock_;
  const UnixSeconds seconds_;
};

class DriverAddressTest : public DriverFixture {
 protected:
  DriverAddressTest()
      : dhcp_("dhcp", &clock_), hook_("hook", &clock_), renewer_(&clock_) {
    Link eth0 = MakeLink(2, "eth0", "52:54:00:00:00:01");
    eth0.kind = "";
    inventory_.Reset(
        {eth0, MakeLink(3, "eth2", kMac2), MakeLink(4, "eth3", kMac3)}, {2});
    dhcp_.Set(CloudLease(kMac2, "192.168.61.11/24"));
    dhcp_.Set(CloudLease(kMac3, "192.168.61.12/24"));
    Lease hooked = CloudLease(kMac2, "10.0.1.23/24");
    hooked.lease_seconds = hooked.t1_seconds = hooked.t2_seconds = 0;
    hooked.server.clear();
    hook_.Set(hooked);
    options_.sandbox_exists = [this](const std::string& path) {
      return path == "/var/run/docker/netns" || !sandbox_.routes(path).empty();
    };
    ports_ =
        AddressPorts{&dhcp_, &renewer_, &hook_, &sandbox_, &clock_, &guard_};
    Restart();
  }
  // The driver uses the fakes below: it goes first.
  ~DriverAddressTest() override { driver_.reset(); }

  // --ipam-driver null, as Docker sends it.
  Status CreateNullNetwork(std::map<std::string, std::string> options = {}) {
    CreateNetworkRequest r;
    r.network_id = kNet;
    r.ipv4 = {{"0.0.0.0/0", "", "null"}};
    r.options = std::move(options);
    return driver_->CreateNetwork(r);
  }

  Result<CreateEndpointReply> CreateEndpoint(const std::string& ep,
                                             const std::string& mac = "") {
    CreateEndpointRequest r;
    r.network_id = kNet;
    r.endpoint_id = ep;
    r.mac = mac;
    return driver_->CreateEndpoint(r);
  }

  // Creates and joins `ep`; the NIC moves into kSandbox.
  void Run(const std::string& ep, const std::string& mac = "") {
    auto created = CreateEndpoint(ep, mac);
    ASSERT_TRUE(created.ok()) << created.status().message();
    auto joined = driver_->Join(kNet, ep, kSandbox);
    ASSERT_TRUE(joined.ok()) << joined.status().message();
  }

  std::string LeaseState(const std::string& mac) {
    for (const NicReport& row : driver_->Report()) {
      if (row.link.mac.ToString() == mac) return row.lease_state;
    }
    return "no such NIC";
  }

  FakeAddressSource dhcp_;
  FakeAddressSource hook_;
  FakeRenewer renewer_;
  FakeSandbox sandbox_;
  FakeGuard guard_;
};

TEST_F(DriverAddressTest, NullIpamNetworkGivesEachContainerItsNicsOwnAddress) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  auto first = CreateEndpoint("ep1");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->mac, kMac2);
  EXPECT_EQ(first->address, "192.168.61.11/24");
  auto second = CreateEndpoint("ep2", kMac3);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->mac, "");
  EXPECT_EQ(second->address, "192.168.61.12/24");

  auto joined = driver_->Join(kNet, "ep1", kSandbox);
  ASSERT_TRUE(joined.ok()) << joined.status().message();
  EXPECT_EQ(joined->src_name, "eth2");
  EXPECT_EQ(joined->gateway, "192.168.61.1");
  EXPECT_THAT(joined->static_routes,
              ElementsAre(Route{"10.61.0.0/16", "192.168.61.254"}));
  EXPECT_TRUE(joined->disable_gateway_service);  // No docker_gwbridge.
  EXPECT_EQ(store_.lease_count(), 2u);
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1400u);  // Option 26.
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

TEST_F(DriverAddressTest, NetworkMtuOptionWinsOverTheLeasesMtu) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.mtu", "9000"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 9000u);
}

TEST_F(DriverAddressTest, AddressSourceMustFitTheIpamDriver) {
  CreateNetworkRequest with_subnet;
  with_subnet.network_id = kNet;
  with_subnet.ipv4 = {{"192.168.1.0/24", "192.168.1.1/24", "LocalDefault"}};
  with_subnet.options = {{"hostnic.address", "dhcp"}};
  Status s = driver_->CreateNetwork(with_subnet);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--ipam-driver null"));

  s = CreateNullNetwork({{"hostnic.address", "docker"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("needs Docker's IPAM"));

  s = CreateNullNetwork({{"hostnic.address", "static"}});
  EXPECT_THAT(s.message(), HasSubstr("'static' is not dhcp"));
  s = CreateNullNetwork({{"hostnic.dhcp-timeout", "0"}});
  EXPECT_THAT(s.message(), HasSubstr("between 1 and 300"));
  s = CreateNullNetwork({{"hostnic.block-metadata", "yes"}});
  EXPECT_THAT(s.message(), HasSubstr("'yes' is not true or false"));
  s = CreateNullNetwork(
      {{"hostnic.address", "hook"}, {"hostnic.dhcp-timeout", "5"}});
  EXPECT_THAT(s.message(), HasSubstr("applies only to hostnic.address=dhcp"));

  // Docker's IPAM stays the default with a subnet.
  with_subnet.options.clear();
  EXPECT_TRUE(driver_->CreateNetwork(with_subnet).ok());
}

TEST_F(DriverAddressTest, HookNetworkNeedsTheDaemonsAddressHook) {
  options_ = DriverOptions();
  ports_.hook = nullptr;
  StartDriver();
  Status s = CreateNullNetwork({{"hostnic.address", "hook"}});
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("--address-hook"));
}

TEST_F(DriverAddressTest, NoAnswerFailsClearlyAndLeavesTheNicAsItWas) {
  Link eth9 = MakeLink(9, "eth9", "52:54:0e:e5:00:99");
  eth9.mtu = 1500;
  inventory_.Upsert(eth9);
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.dhcp-timeout", "2.5"}}).ok());
  auto created = CreateEndpoint("ep1", "52:54:0e:e5:00:99");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kTimeout);
  EXPECT_THAT(created.status().message(),
              HasSubstr("no DHCP answer for NIC eth9 (52:54:0e:e5:00:99) "
                        "within 2 s"));
  EXPECT_THAT(created.status().message(), HasSubstr("put back as it was"));
  EXPECT_EQ(store_.endpoint_count(), 0u);
  EXPECT_EQ(store_.lease_count(), 0u);
  // Free for the next try.
  dhcp_.Set(CloudLease("52:54:0e:e5:00:99", "192.168.61.19/24"));
  EXPECT_TRUE(CreateEndpoint("ep2", "52:54:0e:e5:00:99").ok());
}

TEST_F(DriverAddressTest, ValidLeaseIsReusedUntilT1WithoutAskingAgain) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  auto again = CreateEndpoint("ep2");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->address, "192.168.61.11/24");
  EXPECT_EQ(dhcp_.calls(), 1);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep2").ok());

  clock_.Advance(std::chrono::seconds(61));  // Past T1: ask the server.
  ASSERT_TRUE(CreateEndpoint("ep3").ok());
  EXPECT_EQ(dhcp_.calls(), 2);
}

TEST_F(DriverAddressTest, ReplayedCreateEndpointAnswersTheSameAddress) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto replay = CreateEndpoint("ep1");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->address, "192.168.61.11/24");
  EXPECT_EQ(dhcp_.calls(), 1);
}

TEST_F(DriverAddressTest, HookIsAskedEveryTimeAndItsLeaseNeverRenews) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.address", "hook"}}).ok());
  Run("ep1", kMac2);
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  auto again = CreateEndpoint("ep2", kMac2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->address, "10.0.1.23/24");
  EXPECT_EQ(hook_.calls(), 2);
  clock_.Advance(std::chrono::seconds(100000));
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.renewals(), IsEmpty());
}

TEST_F(DriverAddressTest, RenewsFromTheSandboxAtT1AndRebindsAfterT2) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  EXPECT_EQ(driver_->KeepLeases(), clock_.Now() + 60);  // Next: T1.
  EXPECT_THAT(renewer_.renewals(), IsEmpty());

  clock_.Advance(std::chrono::seconds(60));
  renewer_.Queue(Status::Timeout("no answer from 192.168.61.1"));
  driver_->KeepLeases();
  ASSERT_EQ(renewer_.renewals().size(), 1u);
  EXPECT_EQ(renewer_.renewals()[0].netns, kSandbox);
  EXPECT_FALSE(renewer_.renewals()[0].rebinding);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("renewing (last try: no answer"));
  EXPECT_EQ(driver_->counters().lease_renewal_failures, 1u);

  clock_.Advance(std::chrono::seconds(46));  // Past T2 (105 s): broadcast.
  driver_->KeepLeases();
  ASSERT_EQ(renewer_.renewals().size(), 2u);
  EXPECT_TRUE(renewer_.renewals()[1].rebinding);
  EXPECT_EQ(LeaseState(kMac2), "bound");
  EXPECT_EQ(driver_->counters().lease_renewals, 1u);
}

TEST_F(DriverAddressTest, NakMovesTheContainerToTheAddressTheServerGives) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal nak;
  nak.answer = LeaseRenewer::Answer::kNak;
  renewer_.Queue(nak);
  const UnixSeconds next = driver_->KeepLeases();
  EXPECT_EQ(next, clock_.Now());  // Asks again at once.
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("lost: DHCP server 192.168.61.1 "
                                           "refused to renew it (NAK)"));
  EXPECT_EQ(driver_->counters().leases_lost, 1u);
  EXPECT_TRUE(store_.Load()->leases.at(0).lost);  // A restart asks too.

  // The server's new word: another address, gateway and route.
  Lease fresh = CloudLease(kMac2, "192.168.61.77/24");
  fresh.routes = {{"10.62.0.0/16", "192.168.61.254"}};
  renewer_.QueueReacquire(fresh);
  driver_->KeepLeases();
  // After a NAK, asking for the same address again is pointless.
  EXPECT_THAT(renewer_.reacquires(),
              ElementsAre(std::string(kSandbox) + " 192.168.61.11/24 any"));
  EXPECT_THAT(sandbox_.installed(),
              ElementsAre(std::string(kSandbox) + " " + kMac2 +
                          " 192.168.61.77/24 10.62.0.0/16 via "
                          "192.168.61.254,0.0.0.0/0 via 192.168.61.1"));
  EXPECT_THAT(LeaseState(kMac2),
              HasSubstr("bound (moved from 192.168.61.11/24 to "
                        "192.168.61.77/24"));
  EXPECT_EQ(driver_->counters().leases_reacquired, 1u);
  EXPECT_EQ(driver_->counters().leases_moved, 1u);
  EXPECT_FALSE(store_.Load()->leases.at(0).lost);
  // The endpoint follows, so the new lease is renewed at its T1.
  clock_.Advance(std::chrono::seconds(60));
  driver_->KeepLeases();
  ASSERT_EQ(renewer_.renewals().size(), 2u);
  EXPECT_EQ(renewer_.renewals()[1].address, "192.168.61.77/24");
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

TEST_F(DriverAddressTest, AnotherAddressOnRenewalMovesTheContainerAtOnce) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal moved;
  moved.lease = CloudLease(kMac2, "192.168.61.77/24");
  moved.lease.acquired = clock_.Now();
  renewer_.Queue(moved);
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  ASSERT_EQ(sandbox_.installed().size(), 1u);
  EXPECT_THAT(sandbox_.installed()[0], HasSubstr("192.168.61.77/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("moved from 192.168.61.11/24"));
  EXPECT_EQ(driver_->counters().leases_moved, 1u);
  EXPECT_EQ(driver_->counters().leases_lost, 0u);
}

TEST_F(DriverAddressTest, RenewalWithoutSubnetMaskKeepsTheLease) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal ack;
  ack.lease = CloudLease(kMac2, "192.168.61.11/32");  // No option 1.
  ack.lease.acquired = clock_.Now();
  renewer_.Queue(ack);
  driver_->KeepLeases();
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  EXPECT_EQ(LeaseState(kMac2), "bound");
  EXPECT_EQ(driver_->counters().lease_renewals, 1u);
  EXPECT_EQ(store_.Load()->leases.at(0).address, "192.168.61.11/24");
}

TEST_F(DriverAddressTest, ExpiredLeaseIsRemovedThenBackWhenTheServerIsBack) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  // The server is down from the start: every renewal times out until the
  // lease's expiry (120 s).
  UnixSeconds next = driver_->KeepLeases();
  while (next < FakeClock::kStart + 120) {
    clock_.Advance(std::chrono::seconds(next - clock_.Now()));
    renewer_.Queue(Status::Timeout("no DHCP answer"));
    next = driver_->KeepLeases();
  }
  EXPECT_THAT(sandbox_.removed(), IsEmpty());
  EXPECT_TRUE(renewer_.renewals().back().rebinding);
  clock_.Advance(std::chrono::seconds(next - clock_.Now()));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Now());
  EXPECT_THAT(sandbox_.removed(), ElementsAre(std::string(kSandbox) + " " +
                                              kMac2 + " 192.168.61.11/24"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("lost: it expired"));
  EXPECT_EQ(driver_->counters().leases_lost, 1u);

  // Still down: asked again (the same address first) every 15 s.
  renewer_.QueueReacquire(Status::Timeout("no DHCP answer within 10 s"));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Now() + 15);
  EXPECT_THAT(renewer_.reacquires(), ElementsAre(std::string(kSandbox) +
                                                 " 192.168.61.11/24 ask-same"));
  EXPECT_THAT(LeaseState(kMac2),
              HasSubstr("lost: it expired without a renewal (server "
                        "192.168.61.1 did not answer); asking again every "
                        "15 s (last try: no DHCP answer within 10 s)"));
  EXPECT_THAT(sandbox_.installed(), IsEmpty());

  // Back: the running container has its address, gateway and routes again.
  clock_.Advance(std::chrono::seconds(15));
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.reacquires().size(), 2u);
  EXPECT_THAT(sandbox_.installed(),
              ElementsAre(std::string(kSandbox) + " " + kMac2 +
                          " 192.168.61.11/24 10.61.0.0/16 via "
                          "192.168.61.254,0.0.0.0/0 via 192.168.61.1"));
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (re-acquired"));
  EXPECT_EQ(driver_->counters().leases_reacquired, 1u);
  EXPECT_EQ(driver_->counters().leases_moved, 0u);
  EXPECT_FALSE(store_.Load()->leases.at(0).lost);
}

TEST_F(DriverAddressTest, FailedInstallStaysLostAndIsTriedAgain) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal nak;
  nak.answer = LeaseRenewer::Answer::kNak;
  renewer_.Queue(nak);
  driver_->KeepLeases();
  sandbox_.FailNextInstall(Status::IoError("netlink said no"));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Now() + 15);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("installing it in the container "
                                           "failed: netlink said no"));
  clock_.Advance(std::chrono::seconds(15));
  driver_->KeepLeases();
  EXPECT_EQ(sandbox_.installed().size(), 1u);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (re-acquired"));
}

TEST_F(DriverAddressTest, RestartAfterExpiryAsksBeforeRemovingTheAddress) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  inventory_.Remove(3);  // Docker moved eth2 into the container.
  clock_.Advance(std::chrono::seconds(600));  // hostnic was stopped.
  Restart();
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.reacquires(), ElementsAre(std::string(kSandbox) +
                                                 " 192.168.61.11/24 ask-same"));
  EXPECT_THAT(sandbox_.removed(), IsEmpty());  // The server said yes.
  EXPECT_EQ(sandbox_.installed().size(), 1u);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (renewed 192.168.61.11/24 "
                                           "after its expiry"));
  EXPECT_EQ(driver_->counters().leases_lost, 0u);
}

TEST_F(DriverAddressTest, RestartAfterExpiryWithoutAnswerLosesThenRetries) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  inventory_.Remove(3);
  clock_.Advance(std::chrono::seconds(600));
  Restart();
  renewer_.QueueReacquire(Status::Timeout("no DHCP answer within 10 s"));
  EXPECT_EQ(driver_->KeepLeases(), clock_.Now() + 15);
  EXPECT_EQ(sandbox_.removed().size(), 1u);
  EXPECT_THAT(LeaseState(kMac2),
              HasSubstr("lost: it expired while hostnic was stopped"));
  // A second restart while lost goes on asking.
  Restart();
  EXPECT_EQ(LeaseState(kMac2), "lost");
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.reacquires().size(), 2u);
  EXPECT_THAT(LeaseState(kMac2), HasSubstr("bound (re-acquired"));
}

TEST_F(DriverAddressTest, LeasesOfManyNicsAreRenewedInParallel) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1", kMac2);
  auto created = CreateEndpoint("ep2", kMac3);
  ASSERT_TRUE(created.ok()) << created.status().message();
  ASSERT_TRUE(driver_->Join(kNet, "ep2", "/var/run/docker/netns/def").ok());
  // Each renewal waits until the other is in flight too: one after the
  // other, the first would wait its 5 s out alone.
  renewer_.Overlap(2);
  clock_.Advance(std::chrono::seconds(60));
  driver_->KeepLeases();
  EXPECT_EQ(renewer_.renewals().size(), 2u);
  EXPECT_EQ(renewer_.most_in_flight(), 2u);
  EXPECT_EQ(driver_->counters().lease_renewals, 2u);
}

TEST_F(DriverAddressTest, LeasesSurviveARestartAndRenewalGoesOn) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  inventory_.Remove(3);  // Docker moved eth2 into the container.
  Restart();
  clock_.Advance(std::chrono::seconds(60));
  driver_->KeepLeases();
  ASSERT_EQ(renewer_.renewals().size(), 1u);
  EXPECT_EQ(renewer_.renewals()[0].address, "192.168.61.11/24");
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

TEST_F(DriverAddressTest, LostLeaseIsNotReleasedWithItsNetwork) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  clock_.Advance(std::chrono::seconds(60));
  LeaseRenewer::Renewal nak;
  nak.answer = LeaseRenewer::Answer::kNak;
  renewer_.Queue(nak);
  driver_->KeepLeases();
  ASSERT_TRUE(driver_->Leave(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(renewer_.releases(), IsEmpty());  // Not the NIC's any more.
  EXPECT_EQ(store_.lease_count(), 0u);
}

TEST_F(DriverAddressTest, DeletingTheNetworkReleasesItsLeases) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteNetwork(kNet).ok());
  EXPECT_THAT(renewer_.releases(), ElementsAre("eth2 192.168.61.11/24"));
  EXPECT_EQ(store_.lease_count(), 0u);
  EXPECT_EQ(driver_->counters().leases_released, 1u);
}

TEST_F(DriverAddressTest, BlockMetadataAddsUnreachableRoutesInTheSandbox) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");
  EXPECT_THAT(sandbox_.routes(kSandbox),
              ElementsAre("169.254.169.254/32", "fd00:ec2::254/128",
                          "100.100.100.200/32"));
}

TEST_F(DriverAddressTest, BlockMetadataWaitsForASandboxMadeAfterJoin) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  Run("ep1");
  EXPECT_THAT(sandbox_.routes(kSandbox), IsEmpty());
  sandbox_.MakeSandbox(kSandbox);
  const Link eth2 = *inventory_.FindByName("eth2");
  inventory_.Remove(eth2.ifindex);
  LinkRemoved(eth2);  // Docker moved it in.
  EXPECT_EQ(sandbox_.routes(kSandbox).size(), 3u);
}

TEST_F(DriverAddressTest, FreeNicsLeaseExpiresInStatusAndIsAskedAnew) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  ASSERT_TRUE(driver_->Leave(kNet, "ep1").ok());
  ASSERT_TRUE(driver_->DeleteEndpoint(kNet, "ep1").ok());
  clock_.Advance(std::chrono::seconds(200));
  driver_->KeepLeases();
  EXPECT_THAT(renewer_.renewals(), IsEmpty());  // No container: no renewal.
  EXPECT_EQ(LeaseState(kMac2), "expired");
  ASSERT_TRUE(CreateEndpoint("ep2").ok());
  EXPECT_EQ(dhcp_.calls(), 2);
  EXPECT_EQ(LeaseState(kMac2), "bound");
}

TEST_F(DriverAddressTest, BlockMetadataRefusesAJoinWhenSandboxesAreOutOfSight) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto joined = driver_->Join(kNet, "ep1", "/elsewhere/netns/abc");
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(joined.status().message(),
              HasSubstr("cannot see /elsewhere/netns"));
}

TEST_F(DriverAddressTest, StatusShowsEachNicsLease) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() != kMac2) continue;
    ASSERT_TRUE(row.lease.has_value());
    EXPECT_EQ(row.lease->address, "192.168.61.11/24");
    EXPECT_EQ(row.lease->source, "dhcp");
    EXPECT_EQ(row.lease->network_id, kNet);
  }
}

// A managed plugin whose DHCP answer came 40 s into a call Docker gives up on
// after 30 s: Docker fails the run and forgets the endpoint, sending no
// DeleteEndpoint.
class LateAnswerTest : public DriverAddressTest {
 protected:
  LateAnswerTest() : slow_(&dhcp_, &clock_, 40) {
    ports_.dhcp = &slow_;
    options_.call_timeout = std::chrono::seconds(30);
    Restart();
  }
  SlowSource slow_;
};

TEST_F(LateAnswerTest, EndpointNeverJoinedIsReleasedAfterTheGrace) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("late", kMac2).ok());
  const UnixSeconds deadline = clock_.Now() + 60;  // --unjoined-grace.
  EXPECT_EQ(driver_->ReleaseAbandoned(), deadline);
  ASSERT_TRUE(CreateEndpoint("joined", kMac3).ok());
  // Docker did get this answer after all (its timeout is longer).
  ASSERT_TRUE(driver_->Join(kNet, "joined", kSandbox).ok());

  clock_.Advance(std::chrono::seconds(deadline - clock_.Now()));
  EXPECT_EQ(driver_->ReleaseAbandoned(), kNever);
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "late").ok());
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "joined").ok());
  EXPECT_EQ(inventory_.FindByName("eth2")->mtu, 1500u);  // Put back.
  auto again = CreateEndpoint("again", kMac2);           // Free again.
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->address, "192.168.61.11/24");
}

TEST_F(LateAnswerTest, RetriedRunTakesTheNicOverAtOnce) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  ASSERT_TRUE(CreateEndpoint("late", kMac2).ok());
  // The user runs the container again, by MAC or from the pool.
  auto retried = CreateEndpoint("retried", kMac2);
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 1u);
  EXPECT_FALSE(driver_->EndpointInfo(kNet, "late").ok());
  ASSERT_TRUE(driver_->Join(kNet, "retried", kSandbox).ok());

  ASSERT_TRUE(CreateEndpoint("late3", kMac3).ok());
  auto pooled = CreateEndpoint("pooled");
  ASSERT_TRUE(pooled.ok()) << pooled.status().message();
  EXPECT_EQ(pooled->mac, kMac3);
  EXPECT_EQ(driver_->counters().endpoints_abandoned, 2u);
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(driver_->ReleaseAbandoned(), kNever);
  EXPECT_TRUE(driver_->EndpointInfo(kNet, "retried").ok());
  EXPECT_THAT(driver_->Violations(), IsEmpty());
}

}  // namespace
}  // namespace hostnic

namespace hostnic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The metadata guard (hostnic.block-metadata): on the NIC, on the host,
// before Docker can move it; off when it comes home; back after a restart.
class DriverGuardTest : public DriverAddressTest {
 protected:
  std::optional<FakeGuard::Guarded> Guarded(const char* mac) {
    return guard_.guarded(*Mac::Parse(mac));
  }
  // Docker moves the NIC into the sandbox, and the kernel gives it back.
  Link MoveIn() {
    const Link eth2 = *inventory_.FindByName("eth2");
    inventory_.Remove(eth2.ifindex);
    LinkRemoved(eth2);
    return eth2;
  }
  void ComeHome(const Link& eth2) {
    inventory_.Upsert(eth2);
    LinkChanged(eth2);
  }
};

TEST_F(DriverGuardTest, GuardsTheNicOnTheHostAtCreateEndpoint) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  ASSERT_TRUE(CreateEndpoint("ep1").ok());
  auto guarded = Guarded(kMac2);
  ASSERT_TRUE(guarded.has_value());
  EXPECT_EQ(guarded->netns, "");  // Before Docker can move it.
  EXPECT_THAT(
      guarded->addresses,
      ElementsAre("169.254.169.254", "fd00:ec2::254", "100.100.100.200"));
}

TEST_F(DriverGuardTest, AnUnguardedNetworkLeavesTheNicAlone) {
  ASSERT_TRUE(CreateNullNetwork().ok());
  Run("ep1");
  EXPECT_FALSE(Guarded(kMac2).has_value());
  EXPECT_EQ(guard_.attaches(), 0);
}

TEST_F(DriverGuardTest, GuardsTheAddressesTheNetworkNames) {
  ASSERT_TRUE(
      CreateNullNetwork({{"hostnic.block-metadata", "true"},
                         {"hostnic.metadata-addresses", "10.9.9.9, fd00:9::9"}})
          .ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");
  ASSERT_TRUE(Guarded(kMac2).has_value());
  EXPECT_THAT(Guarded(kMac2)->addresses, ElementsAre("10.9.9.9", "fd00:9::9"));
  EXPECT_THAT(sandbox_.routes(kSandbox),
              ElementsAre("10.9.9.9/32", "fd00:9::9/128"));
}

// As on GCE, the DHCP server's own address is guarded; here it is also in
// the NIC's subnet, where a route would keep Docker from configuring the NIC.
TEST_F(DriverGuardTest, AGuardedAddressInTheNicsSubnetGetsTheGuardButNoRoute) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"},
                                 {"hostnic.metadata-addresses",
                                  "192.168.61.1,169.254.169.254"}})
                  .ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");  // The lease: 192.168.61.11/24.
  EXPECT_THAT(Guarded(kMac2)->addresses,
              ElementsAre("192.168.61.1", "169.254.169.254"));
  EXPECT_THAT(sandbox_.routes(kSandbox), ElementsAre("169.254.169.254/32"));
}

TEST_F(DriverGuardTest, RefusesBadMetadataAddresses) {
  Status s = CreateNullNetwork({{"hostnic.block-metadata", "true"},
                                {"hostnic.metadata-addresses", "10.9.9.0/24"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("'10.9.9.0/24' is not a plain IPv4"));
  s = CreateNullNetwork({{"hostnic.metadata-addresses", "10.9.9.9"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("needs hostnic.block-metadata=true"));
}

TEST_F(DriverGuardTest, ANicThatCannotBeGuardedIsPutBackAndNoContainerStarts) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  guard_.Fail(Status::FailedPrecondition(
      "guarding NIC eth2 (52:54:0e:e5:00:f7): the NIC takes no XDP program"));
  auto created = CreateEndpoint("ep1", kMac2);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(created.status().message(),
              HasSubstr("the NIC takes no XDP program"));
  EXPECT_THAT(created.status().message(),
              HasSubstr("52:54:0e:e5:00:f7 was put back on the host"));
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() == kMac2) {
      EXPECT_EQ(row.state(), NicReport::State::kFree);
    }
  }
  guard_.Fail(Status::Ok());
  EXPECT_TRUE(CreateEndpoint("ep2", kMac2).ok());  // Nothing left behind.
}

TEST_F(DriverGuardTest, TheGuardComesOffWhenTheNicComesHome) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  Run("ep1");
  const Link eth2 = MoveIn();
  ASSERT_TRUE(Guarded(kMac2).has_value());
  ComeHome(eth2);
  EXPECT_FALSE(Guarded(kMac2).has_value());
}

TEST_F(DriverGuardTest, StatusShowsTheGuard) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  Run("ep1");
  for (const NicReport& row : driver_->Report()) {
    if (row.link.mac.ToString() == kMac2) {
      ASSERT_TRUE(row.guard.has_value());
      EXPECT_EQ(row.guard->dropped, 7u);
    } else {
      EXPECT_FALSE(row.guard.has_value());
    }
  }
}

TEST_F(DriverGuardTest, ARestartedDaemonGuardsTheNicInItsContainerAgain) {
  ASSERT_TRUE(CreateNullNetwork({{"hostnic.block-metadata", "true"}}).ok());
  sandbox_.MakeSandbox(kSandbox);
  Run("ep1");
  MoveIn();
  ASSERT_TRUE(guard_.Detach(*Mac::Parse(kMac2)).ok());  // A new daemon.
  Restart();
  auto guarded = Guarded(kMac2);
  ASSERT_TRUE(guarded.has_value());
  EXPECT_EQ(guarded->netns, kSandbox);
}

}  // namespace
}  // namespace hostnic
