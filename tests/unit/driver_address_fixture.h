// The fixture of the driver's address tests (driver_address_test.cc,
// driver_lease_test.cc, driver_late_answer_test.cc, driver_guard_test.cc):
// a driver over fake DHCP, address hook, renewer, sandbox and guard, three
// NICs of which eth2 and eth3 are free and answered for by the fake DHCP.
#ifndef HOSTNIC_TESTS_UNIT_DRIVER_ADDRESS_FIXTURE_H_
#define HOSTNIC_TESTS_UNIT_DRIVER_ADDRESS_FIXTURE_H_

#include <map>
#include <string>

#include "fakes/fake_address.h"
#include "unit/driver_test.h"

namespace hostnic::driver_test {

class DriverAddressTest : public DriverFixture {
 protected:
  static constexpr char kSandbox[] = "/var/run/docker/netns/abc";

  DriverAddressTest()
      : dhcp_("dhcp", &clock_), hook_("hook", &clock_), renewer_(&clock_) {
    inventory_.Reset(
        {HostEth0(), MakeLink(3, "eth2", kMac2), MakeLink(4, "eth3", kMac3)},
        {2});
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

  // Creates the null network, then creates and joins "ep1" as Run does.
  void RunInNullNetwork() {
    ASSERT_TRUE(CreateNullNetwork().ok());
    Run("ep1");
  }

  // Moves the clock to the lease's T1 (60 s on): the renewal made then is
  // the `count`th, of `address`, and leaves the lease bound.
  void ExpectRenewedAtT1(size_t count, const std::string& address) {
    clock_.Advance(std::chrono::seconds(60));
    driver_->KeepLeases();
    ASSERT_EQ(renewer_.renewals().size(), count);
    EXPECT_EQ(renewer_.renewals().back().address, address);
    EXPECT_EQ(LeaseState(kMac2), "bound");
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

}  // namespace hostnic::driver_test

#endif  // HOSTNIC_TESTS_UNIT_DRIVER_ADDRESS_FIXTURE_H_
