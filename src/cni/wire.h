// The daemon's CNI protocol (cni/service.h) as values, with its one
// codec: the daemon (cni/service.cc) and the CNI plugin
// (cni/daemon_client.cc) both encode and decode through here, so the two
// sides cannot drift apart. JSON only: no HTTP, no driver, so the thin
// plugin executable links it without the daemon.
//
// Every decoder takes untrusted bytes and fails with kInvalidArgument
// naming the field; none throws.
#ifndef HOSTNIC_CNI_WIRE_H_
#define HOSTNIC_CNI_WIRE_H_

#include <map>
#include <string>
#include <vector>

#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic::cni::wire {

// Which attachment: (network, container ID, ifname) as the runtime names
// it. `identity`, when set, tells same-named networks of different
// runtimes apart (the plugin sends a hash of the configuration's file or
// text); empty: the name alone, as before.
struct AttachmentKey {
  std::string network;
  std::string identity;
  std::string container_id;
  std::string ifname;
  // The runtime protocol: empty for CNI; kRuntimeNetavark for podman 5's
  // netavark, whose `network` is podman's network ID (1 to 64 of
  // [A-Za-z0-9_-]) and whose networks are never CNI or Docker ones (see
  // CniService::PodmanNetworkId).
  std::string runtime;
};

constexpr char kRuntimeNetavark[] = "netavark";

// /Cni.Attach's body.
struct AttachRequest {
  AttachmentKey key;
  std::string netns;
  std::string nic;  // MAC, name or PCI address wanted; empty: any.
  std::map<std::string, std::string> options;
};

// An attachment the daemon holds (/Cni.Get, /Cni.Stale), and /Cni.Attach's
// reply, which also fills the fields marked so.
struct Attachment {
  std::string network_id;
  std::string endpoint_id;
  std::string mac;
  std::string original;  // The NIC's own name on the host.
  std::string netns;     // Where it was joined, or empty.
  bool joined = false;
  // Attach only:
  std::string name;     // Its name on the host now.
  std::string address;  // The NIC's own address (CIDR), or empty.
  std::string gateway;  // Plain IPs, or empty.
  std::string gateway6;
  std::vector<Route> routes;
  std::string address6;  // Its own IPv6 address (CIDR), or empty.
  Dns dns;               // The NIC's own lease's DNS, or empty.
};

// /Cni.Release's body.
struct ReleaseRequest {
  std::string network_id;
  std::string endpoint_id;
  // The namespace the NIC is to come home from, or empty: then it is home
  // already (or gone) and the release is all there is to do.
  std::string netns;
};

// /Cni.Release's answer.
struct ReleaseReply {
  // True: the daemon took over the return of the NIC from the request's
  // `netns` (it brings it home after answering, or found nothing there to
  // bring). A daemon older than the asynchronous DEL answers {} (false):
  // it ignores `netns`, releases the endpoint and leaves the NIC where it
  // is, so the plugin must bring it home itself.
  bool returning = false;
};

// /Cni.Stale's body: the attachments of `network` not in `valid`.
struct StaleRequest {
  std::string network;
  std::string identity;
  std::vector<AttachmentKey> valid;  // Only container_id and ifname used.
};

std::string Encode(const AttachRequest& request);
std::string Encode(const AttachmentKey& key);  // /Cni.Get's body.
std::string Encode(const Attachment& attachment);
std::string Encode(const ReleaseRequest& request);
std::string Encode(const ReleaseReply& reply);
std::string Encode(const StaleRequest& request);
std::string EncodeStaleReply(const std::vector<Attachment>& attachments);
// {"Err": message, "Code": CodeName(code)}.
std::string EncodeError(const Status& error);

Result<AttachRequest> DecodeAttachRequest(const std::string& body);
Result<AttachmentKey> DecodeAttachmentKey(const std::string& body);
Result<Attachment> DecodeAttachment(const std::string& body);
Result<ReleaseRequest> DecodeReleaseRequest(const std::string& body);
// A reply DecodeReplyStatus found OK; {} is not returning.
Result<ReleaseReply> DecodeReleaseReply(const std::string& body);
Result<StaleRequest> DecodeStaleRequest(const std::string& body);
Result<std::vector<Attachment>> DecodeStaleReply(const std::string& body);
// A reply body: OK when it is a JSON object without "Err", else the
// error it carries with its code (kInternal for a code it does not know).
Status DecodeReplyStatus(const std::string& body);

}  // namespace hostnic::cni::wire

#endif  // HOSTNIC_CNI_WIRE_H_
