#include "store/record_json.h"

#include <algorithm>
#include <climits>
#include <map>
#include <string>
#include <vector>

#include "hostnic/ids.h"

namespace hostnic::record_json {

using nlohmann::json;

// Orphans and leases are named by their NIC's MAC.
std::string MacName(const Mac& mac) {
  std::string name = mac.ToString();
  std::replace(name.begin(), name.end(), ':', '-');
  return name;
}

// ---- Encoding ----

json EncodeNicState(const NicState& s) {
  return {{"name", s.name}, {"mtu", s.mtu}, {"up", s.up}};
}

json EncodeRoutes(const std::vector<Route>& list) {
  json routes = json::array();
  for (const Route& r : list) {
    routes.push_back(
        {{"destination", r.destination}, {"next_hop", r.next_hop}});
  }
  return routes;
}

json EncodeNics(const std::vector<NicSpec>& nics) {
  json list = json::array();
  for (const NicSpec& nic : nics) list.push_back(nic.ToString());
  return list;
}

json Encode(const NetworkRecord& n) {
  return {{"id", n.id},
          {"subnet", n.subnet},
          {"gateway", n.gateway},
          {"subnet6", n.subnet6},
          {"gateway6", n.gateway6},
          {"nics", EncodeNics(n.nics)},
          {"routes", EncodeRoutes(n.routes)},
          {"mtu", n.mtu},
          {"wait_ms", n.wait_ms},
          {"address_source", n.address_source},
          {"address6_source", n.address6_source},
          {"dhcp_timeout_ms", n.dhcp_timeout_ms},
          {"block_metadata", n.block_metadata},
          {"metadata_addresses", n.metadata_addresses},
          {"options", n.options}};
}

json Encode(const EndpointRecord& e) {
  return {{"id", e.id},
          {"network_id", e.network_id},
          {"mac", e.mac.ToString()},
          {"address", e.address},
          {"address6", e.address6},
          {"original", EncodeNicState(e.original)},
          {"joined", e.joined},
          {"sandbox_key", e.sandbox_key}};
}

json Encode(const Lease& l) {
  return {{"mac", l.mac.ToString()},
          {"network_id", l.network_id},
          {"source", l.source},
          {"address", l.address},
          {"gateway", l.gateway},
          {"routes", EncodeRoutes(l.routes)},
          {"mtu", l.mtu},
          {"dns_servers", l.dns.servers},
          {"dns_domain", l.dns.domain},
          {"dns_search", l.dns.search},
          {"server", l.server},
          {"acquired", l.acquired},
          {"lease_seconds", l.lease_seconds},
          {"t1_seconds", l.t1_seconds},
          {"t2_seconds", l.t2_seconds},
          {"lost", l.lost}};
}

json Encode(const OrphanRecord& o) {
  return {{"mac", o.mac.ToString()},
          {"original", EncodeNicState(o.original)},
          {"endpoint_id", o.endpoint_id}};
}

// ---- Decoding: every field is required and must have its exact type ----

bool HasType(const json& v, const std::string&) { return v.is_string(); }
bool HasType(const json& v, const bool&) { return v.is_boolean(); }
bool HasType(const json& v, const unsigned&) {
  return v.is_number_unsigned() && v.get<uint64_t>() <= UINT_MAX;
}
bool HasType(const json& v, const long long&) { return v.is_number_integer(); }
bool HasType(const json& v, const long&) { return v.is_number_integer(); }
bool HasType(const json& v, const std::vector<std::string>&) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) {
           return e.is_string();
         });
}
bool HasType(const json& v, const std::map<std::string, std::string>&) {
  return v.is_object() && std::all_of(v.begin(), v.end(), [](const json& e) {
           return e.is_string();
         });
}

const char* TypeName(const std::string&) { return "a string"; }
const char* TypeName(const bool&) { return "a boolean"; }
const char* TypeName(const unsigned&) { return "a 32-bit unsigned integer"; }
const char* TypeName(const long long&) { return "an integer"; }
const char* TypeName(const long&) { return "an integer"; }
const char* TypeName(const std::vector<std::string>&) {
  return "a list of strings";
}
const char* TypeName(const std::map<std::string, std::string>&) {
  return "an object of strings";
}

// Looks `key` up in `object`, which the caller made sure is an object.
Result<const json*> Find(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) {
    return Status::InvalidArgument(std::string("missing field \"") + key +
                                   "\"");
  }
  return &*it;
}

template <typename T>
Status Field(const json& object, const char* key, T* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  if (!HasType(**v, *out)) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not " + TypeName(*out));
  }
  (*v)->get_to(*out);
  return Status::Ok();
}

// A field added after records were first written: absent keeps the default,
// so state written by an older hostnic still loads.
template <typename T>
Status OptionalField(const json& object, const char* key, T* out) {
  if (!object.contains(key)) return Status::Ok();
  return Field(object, key, out);
}

Status MacField(const json& object, const char* key, Mac* out) {
  std::string text;
  HOSTNIC_RETURN_IF_ERROR(Field(object, key, &text));
  std::optional<Mac> mac = Mac::Parse(text);
  if (!mac) {
    return Status::InvalidArgument(std::string("field \"") + key + "\" (\"" +
                                   text + "\") is not a MAC address");
  }
  *out = *mac;
  return Status::Ok();
}

Status NicsField(const json& object, const char* key,
                 std::vector<NicSpec>* out) {
  std::vector<std::string> texts;
  HOSTNIC_RETURN_IF_ERROR(Field(object, key, &texts));
  for (const std::string& text : texts) {
    Result<NicSpec> nic = NicSpec::Parse(text);
    if (!nic.ok()) {
      return nic.status().Annotate(std::string("field \"") + key + "\"");
    }
    out->push_back(*nic);
  }
  return Status::Ok();
}

Status NicStateField(const json& object, const char* key, NicState* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  const json& s = **v;
  if (!s.is_object()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not an object");
  }
  HOSTNIC_RETURN_IF_ERROR(Field(s, "name", &out->name));
  HOSTNIC_RETURN_IF_ERROR(Field(s, "mtu", &out->mtu));
  return Field(s, "up", &out->up);
}

Status RoutesField(const json& object, const char* key,
                   std::vector<Route>* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  if (!(*v)->is_array()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not a list");
  }
  for (const json& r : **v) {
    if (!r.is_object()) {
      return Status::InvalidArgument(std::string("an entry of \"") + key +
                                     "\" is not an object");
    }
    Route route;
    HOSTNIC_RETURN_IF_ERROR(Field(r, "destination", &route.destination));
    HOSTNIC_RETURN_IF_ERROR(Field(r, "next_hop", &route.next_hop));
    out->push_back(std::move(route));
  }
  return Status::Ok();
}

Status CheckId(const char* key, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument(std::string("field \"") + key + "\" (\"" + id +
                                 "\") is not a valid ID");
}

Status Decode(const json& j, NetworkRecord* n) {
  HOSTNIC_RETURN_IF_ERROR(Field(j, "id", &n->id));
  HOSTNIC_RETURN_IF_ERROR(CheckId("id", n->id));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "subnet", &n->subnet));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "gateway", &n->gateway));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "subnet6", &n->subnet6));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "gateway6", &n->gateway6));
  HOSTNIC_RETURN_IF_ERROR(NicsField(j, "nics", &n->nics));
  HOSTNIC_RETURN_IF_ERROR(RoutesField(j, "routes", &n->routes));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "mtu", &n->mtu));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "wait_ms", &n->wait_ms));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "address_source", &n->address_source));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "address6_source", &n->address6_source));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "dhcp_timeout_ms", &n->dhcp_timeout_ms));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "block_metadata", &n->block_metadata));
  HOSTNIC_RETURN_IF_ERROR(
      OptionalField(j, "metadata_addresses", &n->metadata_addresses));
  return Field(j, "options", &n->options);
}

Status Decode(const json& j, EndpointRecord* e) {
  HOSTNIC_RETURN_IF_ERROR(Field(j, "id", &e->id));
  HOSTNIC_RETURN_IF_ERROR(CheckId("id", e->id));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "network_id", &e->network_id));
  HOSTNIC_RETURN_IF_ERROR(MacField(j, "mac", &e->mac));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "address", &e->address));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "address6", &e->address6));
  HOSTNIC_RETURN_IF_ERROR(NicStateField(j, "original", &e->original));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "joined", &e->joined));
  return Field(j, "sandbox_key", &e->sandbox_key);
}

Status Decode(const json& j, Lease* l) {
  HOSTNIC_RETURN_IF_ERROR(MacField(j, "mac", &l->mac));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "network_id", &l->network_id));
  HOSTNIC_RETURN_IF_ERROR(CheckId("network_id", l->network_id));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "source", &l->source));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "address", &l->address));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "gateway", &l->gateway));
  HOSTNIC_RETURN_IF_ERROR(RoutesField(j, "routes", &l->routes));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "mtu", &l->mtu));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "server", &l->server));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "acquired", &l->acquired));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "lease_seconds", &l->lease_seconds));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "t1_seconds", &l->t1_seconds));
  HOSTNIC_RETURN_IF_ERROR(Field(j, "t2_seconds", &l->t2_seconds));
  // Absent from leases saved before hostnic kept lost ones, or DNS.
  HOSTNIC_RETURN_IF_ERROR(OptionalField(j, "dns_servers", &l->dns.servers));
  HOSTNIC_RETURN_IF_ERROR(OptionalField(j, "dns_domain", &l->dns.domain));
  HOSTNIC_RETURN_IF_ERROR(OptionalField(j, "dns_search", &l->dns.search));
  return OptionalField(j, "lost", &l->lost);
}

Status Decode(const json& j, OrphanRecord* o) {
  HOSTNIC_RETURN_IF_ERROR(MacField(j, "mac", &o->mac));
  HOSTNIC_RETURN_IF_ERROR(NicStateField(j, "original", &o->original));
  return Field(j, "endpoint_id", &o->endpoint_id);
}

std::string FileName(const NetworkRecord& n) { return n.id; }
std::string FileName(const EndpointRecord& e) { return e.id; }
std::string FileName(const OrphanRecord& o) { return MacName(o.mac); }
std::string FileName(const Lease& l) {
  return MacName(l.mac) + (l.Ipv6() ? "-ipv6" : "");
}

}  // namespace hostnic::record_json
