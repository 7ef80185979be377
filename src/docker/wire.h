// Wire: the JSON of libnetwork's remote network driver protocol, decoded into
// the driver's request structs and encoded from its replies. Field names and
// shapes follow what Docker 20.10 sends (docs: docker-20.10-wire.md).
//
// Decoders never throw. Malformed JSON, a field of the wrong type or a missing
// required field (NetworkID, EndpointID) is kInvalidArgument with a sentence
// naming the field. Unknown fields are ignored.
#ifndef HOSTNIC_DOCKER_WIRE_H_
#define HOSTNIC_DOCKER_WIRE_H_

#include <map>
#include <string>

#include "driver/driver.h"
#include "hostnic/status.h"

namespace hostnic::docker {

// The IDs of DeleteEndpoint, EndpointOperInfo, Leave and
// Program/RevokeExternalConnectivity requests.
struct EndpointRef {
  std::string network_id;
  std::string endpoint_id;
};

struct JoinRequest {
  std::string network_id;
  std::string endpoint_id;
  std::string sandbox_key;  // Empty when absent.
};

// NetworkDriver.CreateNetwork. The `-o` options come from
// Options["com.docker.network.generic"]; numbers and booleans among them are
// converted to their JSON text ("1500", "true"), other types are refused.
Result<CreateNetworkRequest> DecodeCreateNetwork(const std::string& body);
// The NetworkID of DeleteNetwork, AllocateNetwork and FreeNetwork.
Result<std::string> DecodeNetworkId(const std::string& body);
// NetworkDriver.CreateEndpoint. `Interface` may be absent or null; of
// `Options` only string values are kept (Docker adds non-string ones).
Result<CreateEndpointRequest> DecodeCreateEndpoint(const std::string& body);
Result<EndpointRef> DecodeEndpointRef(const std::string& body);
Result<JoinRequest> DecodeJoin(const std::string& body);

// {"Implements":["NetworkDriver"]}
std::string EncodeActivate();
// {"Scope":"local","ConnectivityScope":"local"}
std::string EncodeCapabilities();
// {} (success without data).
std::string EncodeOk();
// {"Err": message}
std::string EncodeError(const std::string& message);
// {"Interface":{"MacAddress":...,"Address":...}} with the fields that are
// set, else {}.
std::string EncodeCreateEndpoint(const CreateEndpointReply& reply);
// {"Value":{...}}
std::string EncodeEndpointInfo(const std::map<std::string, std::string>& info);
// {"InterfaceName":{"SrcName","DstPrefix"}, "Gateway", "GatewayIPv6",
//  "StaticRoutes":[{"Destination","RouteType","NextHop"}]}; empty gateways
// and routes are omitted. RouteType is 0 (via NextHop) or 1 (connected, no
// NextHop). "DisableGatewayService": true when set (no docker_gwbridge).
std::string EncodeJoin(const JoinReply& reply);

}  // namespace hostnic::docker

#endif  // HOSTNIC_DOCKER_WIRE_H_
