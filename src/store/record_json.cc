#include "store/record_json.h"

#include <algorithm>
#include <climits>
#include <map>
#include <string>
#include <utility>
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

// ---- Each record's fields, listed once for Encode and Decode ----
//
// `io` is a Writer or a Reader. io(key, field) writes or reads a field that
// records have always had; io.Id also checks that the field is a valid ID;
// io.Optional is a field added after records were first written, which the
// Reader leaves at its default when absent, so that state written by an older
// hostnic still loads. The Reader checks the fields in this order.

template <typename Io>
void Fields(Io& io, NicState& s) {
  io("name", s.name);
  io("mtu", s.mtu);
  io("up", s.up);
}

template <typename Io>
void Fields(Io& io, Route& r) {
  io("destination", r.destination);
  io("next_hop", r.next_hop);
}

template <typename Io>
void Fields(Io& io, NetworkRecord& n) {
  io.Id("id", n.id);
  io("subnet", n.subnet);
  io("gateway", n.gateway);
  io("subnet6", n.subnet6);
  io("gateway6", n.gateway6);
  io("nics", n.nics);
  io("routes", n.routes);
  io("mtu", n.mtu);
  io("wait_ms", n.wait_ms);
  io.Optional("address_source", n.address_source);
  io.Optional("address6_source", n.address6_source);
  io.Optional("dhcp_timeout_ms", n.dhcp_timeout_ms);
  io.Optional("block_metadata", n.block_metadata);
  io.Optional("metadata_addresses", n.metadata_addresses);
  io("options", n.options);
}

template <typename Io>
void Fields(Io& io, EndpointRecord& e) {
  io.Id("id", e.id);
  io.Id("network_id", e.network_id);
  io("mac", e.mac);
  io("address", e.address);
  io("address6", e.address6);
  io("original", e.original);
  io("joined", e.joined);
  io("sandbox_key", e.sandbox_key);
  io.Optional("return_from", e.return_from);
}

template <typename Io>
void Fields(Io& io, Lease& l) {
  io("mac", l.mac);
  io.Id("network_id", l.network_id);
  io("source", l.source);
  io("address", l.address);
  io("gateway", l.gateway);
  io("routes", l.routes);
  io("mtu", l.mtu);
  io("server", l.server);
  io("acquired", l.acquired);
  io("lease_seconds", l.lease_seconds);
  io("t1_seconds", l.t1_seconds);
  io("t2_seconds", l.t2_seconds);
  // Absent from leases saved before hostnic kept lost ones, or DNS.
  io.Optional("dns_servers", l.dns.servers);
  io.Optional("dns_domain", l.dns.domain);
  io.Optional("dns_search", l.dns.search);
  io.Optional("lost", l.lost);
}

template <typename Io>
void Fields(Io& io, OrphanRecord& o) {
  io("mac", o.mac);
  io("original", o.original);
  io("endpoint_id", o.endpoint_id);
}

// ---- Encoding ----

// Builds a record's JSON object; MACs and NICs are written as text.
class Writer {
 public:
  template <typename Record>
  static json Object(const Record& record) {
    Writer writer;
    // Fields takes the record mutable for the Reader; the Writer only reads.
    Fields(writer, const_cast<Record&>(record));
    return std::move(writer.object_);
  }

  template <typename T>
  void operator()(const char* key, const T& value) {
    object_[key] = value;
  }
  void operator()(const char* key, const Mac& mac) {
    object_[key] = mac.ToString();
  }
  void operator()(const char* key, const NicState& state) {
    object_[key] = Object(state);
  }
  void operator()(const char* key, const std::vector<NicSpec>& nics) {
    json& list = object_[key] = json::array();
    for (const NicSpec& nic : nics) list.push_back(nic.ToString());
  }
  void operator()(const char* key, const std::vector<Route>& routes) {
    json& list = object_[key] = json::array();
    for (const Route& route : routes) list.push_back(Object(route));
  }
  template <typename T>
  void Id(const char* key, const T& value) {
    (*this)(key, value);
  }
  template <typename T>
  void Optional(const char* key, const T& value) {
    (*this)(key, value);
  }

 private:
  json object_ = json::object();
};

// ---- Decoding: every field must have its exact type ----

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

// Reads object[key] into `out`: a field of a plain JSON type (below), or of
// a type with its own overload.
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
Status Field(const json& object, const char* key, Mac* out);
Status Field(const json& object, const char* key, NicState* out);
Status Field(const json& object, const char* key, std::vector<NicSpec>* out);
Status Field(const json& object, const char* key, std::vector<Route>* out);

Status CheckId(const char* key, const std::string& id) {
  if (IsValidId(id)) return Status::Ok();
  return Status::InvalidArgument(std::string("field \"") + key + "\" (\"" + id +
                                 "\") is not a valid ID");
}

// Fills a record from a JSON object. After the first wrong field it reads no
// further, and Read returns what is wrong with that field.
class Reader {
 public:
  template <typename Record>
  static Status Read(const json& object, Record* record) {
    Reader reader(object);
    Fields(reader, *record);
    return reader.status_;
  }

  template <typename T>
  void operator()(const char* key, T& out) {
    if (status_.ok()) status_ = Field(object_, key, &out);
  }
  void Id(const char* key, std::string& out) {
    (*this)(key, out);
    if (status_.ok()) status_ = CheckId(key, out);
  }
  template <typename T>
  void Optional(const char* key, T& out) {
    if (object_.contains(key)) (*this)(key, out);
  }

 private:
  explicit Reader(const json& object) : object_(object) {}

  const json& object_;
  Status status_;
};

Status Field(const json& object, const char* key, Mac* out) {
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

Status Field(const json& object, const char* key, std::vector<NicSpec>* out) {
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

Status Field(const json& object, const char* key, NicState* out) {
  Result<const json*> v = Find(object, key);
  if (!v.ok()) return v.status();
  if (!(*v)->is_object()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is not an object");
  }
  return Reader::Read(**v, out);
}

Status Field(const json& object, const char* key, std::vector<Route>* out) {
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
    HOSTNIC_RETURN_IF_ERROR(Reader::Read(r, &route));
    out->push_back(std::move(route));
  }
  return Status::Ok();
}

// ---- The public interface ----

json Encode(const NetworkRecord& n) { return Writer::Object(n); }
json Encode(const EndpointRecord& e) { return Writer::Object(e); }
json Encode(const Lease& l) { return Writer::Object(l); }
json Encode(const OrphanRecord& o) { return Writer::Object(o); }

Status Decode(const json& j, NetworkRecord* n) { return Reader::Read(j, n); }
Status Decode(const json& j, EndpointRecord* e) { return Reader::Read(j, e); }
Status Decode(const json& j, Lease* l) { return Reader::Read(j, l); }
Status Decode(const json& j, OrphanRecord* o) { return Reader::Read(j, o); }

std::string FileName(const NetworkRecord& n) { return n.id; }
std::string FileName(const EndpointRecord& e) { return e.id; }
std::string FileName(const OrphanRecord& o) { return MacName(o.mac); }
std::string FileName(const Lease& l) {
  return MacName(l.mac) + (l.Ipv6() ? "-ipv6" : "");
}

}  // namespace hostnic::record_json
