#include "docker/wire.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace hostnic::docker {

namespace {

using nlohmann::json;

// What a value is, for messages: "a string", "an object", "null", ...
std::string Described(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_number()) return "a number";
  const std::string name = v.type_name();  // object, array, string, boolean
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

// Error text would otherwise make dump() throw on invalid UTF-8 (say, a
// device name in a message).
std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> ParseObject(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("request body is empty");
  }
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, ...".
    const std::string what = e.what();
    const size_t tag_end = what.find("] ");
    return Status::InvalidArgument(
        "request body is not valid JSON (" +
        (tag_end == std::string::npos ? what : what.substr(tag_end + 2)) + ")");
  }
  if (!j.is_object()) {
    return Status::InvalidArgument("request body is " + Described(j) +
                                   ", not a JSON object");
  }
  return j;
}

// `object[key]`, or nullptr when absent or null (Go encodes nil maps and
// slices as null).
const json* Find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// Reads the string `object[key]` into `out`; `name` is its full path for
// messages ("Interface.Address"). An absent, null or empty string is an error
// only when `required`.
Status ReadString(const json& object, const char* key, const std::string& name,
                  bool required, std::string* out) {
  const json* v = Find(object, key);
  if (v != nullptr && !v->is_string()) {
    return Status::InvalidArgument("request field \"" + name +
                                   "\" must be a string, not " + Described(*v));
  }
  if (v != nullptr) *out = v->get<std::string>();
  if (required && out->empty()) {
    return Status::InvalidArgument("request field \"" + name + "\" is missing");
  }
  return Status::Ok();
}

Status RequiredString(const json& object, const char* key, std::string* out) {
  return ReadString(object, key, key, /*required=*/true, out);
}

// `object[key]` when it is an object; nullptr when absent or null.
Result<const json*> OptionalObject(const json& object, const char* key,
                                   const std::string& name) {
  const json* v = Find(object, key);
  if (v != nullptr && !v->is_object()) {
    return Status::InvalidArgument("request field \"" + name +
                                   "\" must be an object, not " +
                                   Described(*v));
  }
  return v;
}

// `-o` options arrive as JSON values; Docker's CLI sends strings, the API
// lets clients send numbers and booleans too.
Status ReadGenericOptions(const json& generic,
                          std::map<std::string, std::string>* out) {
  for (const auto& [key, value] : generic.items()) {
    if (value.is_string()) {
      (*out)[key] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      (*out)[key] = value.dump();
    } else {
      return Status::InvalidArgument(
          "network option \"" + key +
          "\" must be a string, number or boolean, not " + Described(value));
    }
  }
  return Status::Ok();
}

Status ReadIpam(const json& object, const char* key,
                std::vector<IpamData>* out) {
  const json* list = Find(object, key);
  if (list == nullptr) return Status::Ok();
  if (!list->is_array()) {
    return Status::InvalidArgument(std::string("request field \"") + key +
                                   "\" must be an array, not " +
                                   Described(*list));
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      return Status::InvalidArgument("request field \"" + name +
                                     "\" must be an object, not " +
                                     Described(entry));
    }
    IpamData data;
    HOSTNIC_RETURN_IF_ERROR(ReadString(entry, "AddressSpace",
                                       name + ".AddressSpace", false,
                                       &data.address_space));
    HOSTNIC_RETURN_IF_ERROR(
        ReadString(entry, "Pool", name + ".Pool", true, &data.pool));
    HOSTNIC_RETURN_IF_ERROR(
        ReadString(entry, "Gateway", name + ".Gateway", false, &data.gateway));
    out->push_back(std::move(data));
  }
  return Status::Ok();
}

// The NetworkID and EndpointID every call about one endpoint carries, into
// the request's network_id and endpoint_id.
template <typename Request>
Status ReadEndpointIds(const json& j, Request* request) {
  HOSTNIC_RETURN_IF_ERROR(RequiredString(j, "NetworkID", &request->network_id));
  return RequiredString(j, "EndpointID", &request->endpoint_id);
}

// A `Request` filled by `read` from `body`, which must be a JSON object.
template <typename Request, typename Read>
Result<Request> DecodeObject(const std::string& body, Read read) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  Request request;
  HOSTNIC_RETURN_IF_ERROR(read(*j, &request));
  return request;
}

}  // namespace

Result<CreateNetworkRequest> DecodeCreateNetwork(const std::string& body) {
  return DecodeObject<CreateNetworkRequest>(
      body, [](const json& j, CreateNetworkRequest* request) {
        HOSTNIC_RETURN_IF_ERROR(
            RequiredString(j, "NetworkID", &request->network_id));
        Result<const json*> options = OptionalObject(j, "Options", "Options");
        if (!options.ok()) return options.status();
        if (*options != nullptr) {
          Result<const json*> generic =
              OptionalObject(**options, "com.docker.network.generic",
                             "Options.com.docker.network.generic");
          if (!generic.ok()) return generic.status();
          if (*generic != nullptr) {
            HOSTNIC_RETURN_IF_ERROR(
                ReadGenericOptions(**generic, &request->options));
          }
        }
        HOSTNIC_RETURN_IF_ERROR(ReadIpam(j, "IPv4Data", &request->ipv4));
        return ReadIpam(j, "IPv6Data", &request->ipv6);
      });
}

Result<std::string> DecodeNetworkId(const std::string& body) {
  return DecodeObject<std::string>(
      body, [](const json& j, std::string* network_id) {
        return RequiredString(j, "NetworkID", network_id);
      });
}

Result<CreateEndpointRequest> DecodeCreateEndpoint(const std::string& body) {
  return DecodeObject<CreateEndpointRequest>(
      body, [](const json& j, CreateEndpointRequest* request) {
        HOSTNIC_RETURN_IF_ERROR(ReadEndpointIds(j, request));
        Result<const json*> iface = OptionalObject(j, "Interface", "Interface");
        if (!iface.ok()) return iface.status();
        if (*iface != nullptr) {
          const json& i = **iface;
          HOSTNIC_RETURN_IF_ERROR(ReadString(i, "Address", "Interface.Address",
                                             false, &request->address));
          HOSTNIC_RETURN_IF_ERROR(ReadString(i, "AddressIPv6",
                                             "Interface.AddressIPv6", false,
                                             &request->address6));
          HOSTNIC_RETURN_IF_ERROR(ReadString(
              i, "MacAddress", "Interface.MacAddress", false, &request->mac));
        }
        Result<const json*> options = OptionalObject(j, "Options", "Options");
        if (!options.ok()) return options.status();
        if (*options != nullptr) {
          for (const auto& [key, value] : (*options)->items()) {
            if (value.is_string()) {
              request->options[key] = value.get<std::string>();
            }
          }
        }
        return Status::Ok();
      });
}

Result<EndpointRef> DecodeEndpointRef(const std::string& body) {
  return DecodeObject<EndpointRef>(body, ReadEndpointIds<EndpointRef>);
}

Result<JoinRequest> DecodeJoin(const std::string& body) {
  return DecodeObject<JoinRequest>(
      body, [](const json& j, JoinRequest* request) {
        HOSTNIC_RETURN_IF_ERROR(ReadEndpointIds(j, request));
        return ReadString(j, "SandboxKey", "SandboxKey", false,
                          &request->sandbox_key);
      });
}

std::string EncodeActivate() {
  return Dump({{"Implements", json::array({"NetworkDriver"})}});
}

std::string EncodeCapabilities() {
  return Dump({{"Scope", "local"}, {"ConnectivityScope", "local"}});
}

std::string EncodeOk() { return "{}"; }

std::string EncodeError(const std::string& message) {
  return Dump({{"Err", message}});
}

std::string EncodeCreateEndpoint(const CreateEndpointReply& reply) {
  json iface = json::object();
  if (!reply.mac.empty()) iface["MacAddress"] = reply.mac;
  if (!reply.address.empty()) iface["Address"] = reply.address;
  if (!reply.address6.empty()) iface["AddressIPv6"] = reply.address6;
  if (iface.empty()) return EncodeOk();
  return Dump({{"Interface", std::move(iface)}});
}

std::string EncodeEndpointInfo(const std::map<std::string, std::string>& info) {
  return Dump({{"Value", info}});
}

std::string EncodeJoin(const JoinReply& reply) {
  json j = {{"InterfaceName",
             {{"SrcName", reply.src_name}, {"DstPrefix", reply.dst_prefix}}}};
  if (!reply.gateway.empty()) j["Gateway"] = reply.gateway;
  // Not the router of an IPv6 lease: the RA the exchange's own solicitation
  // draws can reach the container first, its kernel installs the default
  // route, and Docker's own then fails the start ("file exists").
  if (!reply.gateway6.empty() && !reply.gateway6_from_router) {
    j["GatewayIPv6"] = reply.gateway6;
  }
  if (reply.disable_gateway_service) j["DisableGatewayService"] = true;
  if (!reply.static_routes.empty()) {
    json routes = json::array();
    for (const Route& r : reply.static_routes) {
      json route = {{"Destination", r.destination},
                    {"RouteType", r.next_hop.empty() ? 1 : 0}};
      if (!r.next_hop.empty()) route["NextHop"] = r.next_hop;
      routes.push_back(std::move(route));
    }
    j["StaticRoutes"] = std::move(routes);
  }
  return Dump(j);
}

}  // namespace hostnic::docker
