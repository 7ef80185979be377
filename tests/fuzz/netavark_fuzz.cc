// libFuzzer target: the netavark plugin's stdin decoders (netavark/codec.h)
// and the network rules on what they accept (netavark/network.h), fed what
// podman and netavark write to the plugin. The first byte picks the
// document: 'N' a network (create's stdin), anything else a container's
// attachment (setup's and teardown's); the rest is stdin (seeds in
// tests/fuzz/netavark_corpus/, captured from netavark 1.14 and written as
// podman 5 writes networks).
//
// Decoding must never crash or hang. An accepted attachment has a device
// name as interface_name and a container ID of at most 1024 bytes, and is
// refused per container exactly when it publishes ports or has options; an
// accepted network has name, ID and driver, and create's answer decodes
// again to the same name, ID, driver, options and subnets. Any violation
// prints what was wrong and aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/invariant.h"
#include "netavark/codec.h"
#include "netavark/network.h"

namespace hostnic::netavark {
namespace {

using fuzz::Require;

void CheckNetwork(const Network& n) {
  Require(!n.name.empty() && !n.id.empty() && !n.driver.empty(),
          "a network without name, id or driver");
  Result<Network> created = Create(n);
  if (!created.ok()) {
    Require(!created.status().message().empty(), "an error without message");
    EncodeError(created.status().message());
    return;
  }
  Require(ReadSettings(*created).ok(), "a created network is refused");
  Result<Network> again = DecodeNetwork(EncodeNetwork(*created));
  Require(again.ok(), "create's answer does not decode");
  Require(
      again->name == n.name && again->id == n.id && again->driver == n.driver,
      "create changed name, id or driver");
  Require(again->options == created->options &&
              again->ipam_options == created->ipam_options &&
              again->subnets.size() == created->subnets.size(),
          "create's answer changed in encoding");
}

void Check(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'N') {
    Result<Network> n = DecodeNetwork(text);
    if (n.ok()) CheckNetwork(*n);
    return;
  }
  Result<Attachment> a = DecodeAttachment(text);
  if (!a.ok()) {
    Require(!a.status().message().empty(), "an error without message");
    EncodeError(a.status().message());
    return;
  }
  Require(IsIfName(a->interface_name), "interface_name not a device name");
  Require(!a->container_id.empty() && a->container_id.size() <= 1024,
          "container_id empty or too long");
  // What setup refuses per container is refused with a sentence, and only
  // when there is something to refuse.
  const Status per_container = CheckPerContainer(*a);
  Require(
      per_container.ok() == (a->port_mappings.empty() && a->options.empty()),
      "CheckPerContainer disagrees with the ports and options");
  Require(per_container.ok() || !per_container.message().empty(),
          "a refusal without message");
  Result<Settings> settings = ReadSettings(a->network);
  if (settings.ok() && settings->address == AddressSource::kStatic) {
    Result<StaticPlan> plan = PlanStatic(*a);
    if (plan.ok()) {
      Require(plan->addresses.size() == a->static_ips.size(),
              "a static IP without its address");
    }
  }
}

}  // namespace
}  // namespace hostnic::netavark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hostnic::netavark::Check(data, size);
  return 0;
}
