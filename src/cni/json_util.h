// JSON helpers shared by the CNI front end's decoders. Never throw.
#ifndef HOSTNIC_CNI_JSON_UTIL_H_
#define HOSTNIC_CNI_JSON_UTIL_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic::cni {

// Compact JSON text; invalid UTF-8 is replaced rather than thrown on.
inline std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Reads the string `object[key]` into `out` (left alone when absent or
// null); kInvalidArgument naming `name` when it is not a string.
inline Status GetString(const nlohmann::json& object, const char* key,
                        const std::string& name, std::string* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) {
    return Status::InvalidArgument("\"" + name + "\" must be a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

// Calls `read` on each element of `list`, stopping at its first error;
// kInvalidArgument naming `name` when `list` is not a list or an element
// is not an object.
inline Status ForEachObject(
    const nlohmann::json& list, const std::string& name,
    const std::function<Status(const nlohmann::json&)>& read) {
  if (!list.is_array()) {
    return Status::InvalidArgument("\"" + name + "\" must be a list");
  }
  for (const nlohmann::json& item : list) {
    if (!item.is_object()) {
      return Status::InvalidArgument("each of \"" + name +
                                     "\" must be an object");
    }
    HOSTNIC_RETURN_IF_ERROR(read(item));
  }
  return Status::Ok();
}

// `dns` as CNI's "dns" object (nameservers, domain, search; each only when
// it has something).
inline nlohmann::json DnsJson(const Dns& dns) {
  nlohmann::json j = nlohmann::json::object();
  if (!dns.servers.empty()) j["nameservers"] = dns.servers;
  if (!dns.domain.empty()) j["domain"] = dns.domain;
  if (!dns.search.empty()) j["search"] = dns.search;
  return j;
}

// Reads a CNI "dns" object (absent or null: empty) into `dns`;
// kInvalidArgument naming `name` when it has another shape.
inline Status ReadDns(const nlohmann::json& object, const char* key,
                      const std::string& name, Dns* dns) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) {
    return Status::InvalidArgument("\"" + name + "\" must be an object");
  }
  auto strings = [&](const char* field, std::vector<std::string>* out) {
    auto list = it->find(field);
    if (list == it->end() || list->is_null()) return Status::Ok();
    const std::string what = name + "." + field;
    if (!list->is_array()) {
      return Status::InvalidArgument("\"" + what + "\" must be a list");
    }
    for (const nlohmann::json& item : *list) {
      if (!item.is_string()) {
        return Status::InvalidArgument("each of \"" + what +
                                       "\" must be a string");
      }
      out->push_back(item.get<std::string>());
    }
    return Status::Ok();
  };
  HOSTNIC_RETURN_IF_ERROR(strings("nameservers", &dns->servers));
  HOSTNIC_RETURN_IF_ERROR(strings("search", &dns->search));
  return GetString(*it, "domain", name + ".domain", &dns->domain);
}

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_JSON_UTIL_H_
