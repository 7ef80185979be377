// JSON helpers shared by the CNI front end's decoders. Never throw.
#ifndef HOSTNIC_CNI_JSON_UTIL_H_
#define HOSTNIC_CNI_JSON_UTIL_H_

#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_JSON_UTIL_H_
