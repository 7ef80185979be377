// The fixture of the driver's address tests (driver_address_test.cc,
// driver_lease_test.cc, driver_late_answer_test.cc, driver_guard_test.cc):
// a driver over fake DHCP, address hook, renewer, sandbox and guard, three
// NICs of which eth2 and eth3 are free and answered for by the fake DHCP.
#ifndef HOSTNIC_TESTS_UNIT_DRIVER_ADDRESS_FIXTURE_H_
#define HOSTNIC_TESTS_UNIT_DRIVER_ADDRESS_FIXTURE_H_

#include <map>
#include <string>

#include "fakes/driver_fixture.h"
#include "fakes/fake_address.h"

namespace hostnic {

class DriverAddressTest : public DriverFixture {
 protected:
  static constexpr char kNet[] = "4390aa";
  static constexpr char kMac2[] = "52:54:0e:e5:00:f7";
  static constexpr char kMac3[] = "52:54:0e:e5:00:f8";
  static constexpr char kSandbox[] = "/var/run/docker/netns/abc";

  // What the fake DHCP server answers for `mac`.
  static Lease CloudLease(const char* mac, const char* address) {
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

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_UNIT_DRIVER_ADDRESS_FIXTURE_H_
