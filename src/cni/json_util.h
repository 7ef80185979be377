// JSON helpers shared by the CNI front end's decoders. Never throw.
#ifndef HOSTNIC_CNI_JSON_UTIL_H_
#define HOSTNIC_CNI_JSON_UTIL_H_

#include <functional>
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

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_JSON_UTIL_H_
