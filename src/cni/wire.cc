#include "cni/wire.h"

#include <nlohmann/json.hpp>

#include "cni/json_util.h"
#include "hostnic/ids.h"

namespace hostnic::cni::wire {

namespace {

using nlohmann::json;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> ParseObject(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("the body is not a JSON object");
  }
  return j;
}

Status ReadString(const json& j, const char* key, bool required,
                  std::string* out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    if (!it->is_string()) {
      return Status::InvalidArgument(std::string("field \"") + key +
                                     "\" must be a string");
    }
    *out = it->get<std::string>();
  }
  if (required && out->empty()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is missing");
  }
  return Status::Ok();
}

json KeyJson(const AttachmentKey& key) {
  json j = {{"network", key.network},
            {"containerId", key.container_id},
            {"ifname", key.ifname}};
  if (!key.identity.empty()) j["identity"] = key.identity;
  if (!key.runtime.empty()) j["runtime"] = key.runtime;
  return j;
}

Status ReadKey(const json& j, AttachmentKey* key) {
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "network", true, &key->network));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "identity", false, &key->identity));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "runtime", false, &key->runtime));
  if (!key->runtime.empty() && key->runtime != kRuntimeNetavark) {
    return Status::InvalidArgument("field \"runtime\" is '" + key->runtime +
                                   "', not empty (CNI) or netavark");
  }
  if (key->runtime == kRuntimeNetavark &&
      (key->network.size() > 64 || !IsValidId(key->network))) {
    return Status::InvalidArgument(
        "field \"network\" is not a podman network ID (1 to 64 of "
        "[A-Za-z0-9_-])");
  }
  HOSTNIC_RETURN_IF_ERROR(
      ReadString(j, "containerId", true, &key->container_id));
  return ReadString(j, "ifname", true, &key->ifname);
}

json AttachmentJson(const Attachment& a) {
  json routes = json::array();
  for (const Route& r : a.routes) {
    routes.push_back({{"dst", r.destination}, {"gw", r.next_hop}});
  }
  return {{"network", a.network_id},
          {"endpoint", a.endpoint_id},
          {"mac", a.mac},
          {"original", a.original},
          {"netns", a.netns},
          {"joined", a.joined},
          {"name", a.name},
          {"address", a.address},
          {"address6", a.address6},
          {"gateway", a.gateway},
          {"gateway6", a.gateway6},
          {"routes", routes},
          {"dns", DnsJson(a.dns)}};
}

Result<Attachment> ReadAttachment(const json& j) {
  if (!j.is_object()) {
    return Status::InvalidArgument("an attachment is not an object");
  }
  Attachment a;
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "network", true, &a.network_id));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "endpoint", true, &a.endpoint_id));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "mac", true, &a.mac));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "original", false, &a.original));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "netns", false, &a.netns));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "name", false, &a.name));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "address", false, &a.address));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "address6", false, &a.address6));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "gateway", false, &a.gateway));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "gateway6", false, &a.gateway6));
  HOSTNIC_RETURN_IF_ERROR(ReadDns(j, "dns", "dns", &a.dns));
  if (auto it = j.find("joined"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return Status::InvalidArgument("field \"joined\" must be a boolean");
    }
    a.joined = it->get<bool>();
  }
  if (auto it = j.find("routes"); it != j.end() && !it->is_null()) {
    HOSTNIC_RETURN_IF_ERROR(ForEachObject(*it, "routes", [&a](const json& r) {
      Route route;
      HOSTNIC_RETURN_IF_ERROR(ReadString(r, "dst", true, &route.destination));
      HOSTNIC_RETURN_IF_ERROR(ReadString(r, "gw", false, &route.next_hop));
      a.routes.push_back(route);
      return Status::Ok();
    }));
  }
  return a;
}

}  // namespace

std::string Encode(const AttachRequest& request) {
  json j = KeyJson(request.key);
  j["netns"] = request.netns;
  j["nic"] = request.nic;
  j["options"] = request.options;
  return Dump(j);
}

std::string Encode(const AttachmentKey& key) { return Dump(KeyJson(key)); }

std::string Encode(const Attachment& attachment) {
  return Dump(AttachmentJson(attachment));
}

std::string Encode(const ReleaseRequest& request) {
  json j = {{"network", request.network_id}, {"endpoint", request.endpoint_id}};
  if (!request.netns.empty()) j["netns"] = request.netns;
  return Dump(j);
}

std::string Encode(const ReleaseReply& reply) {
  json j = json::object();
  if (reply.returning) j["returning"] = true;
  return Dump(j);
}

std::string Encode(const StaleRequest& request) {
  json valid = json::array();
  for (const AttachmentKey& a : request.valid) {
    valid.push_back({{"containerId", a.container_id}, {"ifname", a.ifname}});
  }
  json j = {{"network", request.network}, {"valid", valid}};
  if (!request.identity.empty()) j["identity"] = request.identity;
  return Dump(j);
}

std::string EncodeStaleReply(const std::vector<Attachment>& attachments) {
  json list = json::array();
  for (const Attachment& a : attachments) list.push_back(AttachmentJson(a));
  return Dump({{"attachments", list}});
}

std::string EncodeError(const Status& error) {
  return Dump({{"Err", error.message()}, {"Code", CodeName(error.code())}});
}

Result<AttachRequest> DecodeAttachRequest(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  AttachRequest request;
  HOSTNIC_RETURN_IF_ERROR(ReadKey(*j, &request.key));
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "netns", true, &request.netns));
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "nic", false, &request.nic));
  if (auto it = j->find("options"); it != j->end() && !it->is_null()) {
    if (!it->is_object()) {
      return Status::InvalidArgument("field \"options\" must be an object");
    }
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        return Status::InvalidArgument("option \"" + key +
                                       "\" must be a string");
      }
      request.options[key] = value.get<std::string>();
    }
  }
  return request;
}

Result<AttachmentKey> DecodeAttachmentKey(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  AttachmentKey key;
  HOSTNIC_RETURN_IF_ERROR(ReadKey(*j, &key));
  return key;
}

Result<Attachment> DecodeAttachment(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  return ReadAttachment(*j);
}

Result<ReleaseRequest> DecodeReleaseRequest(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  ReleaseRequest request;
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "network", true, &request.network_id));
  HOSTNIC_RETURN_IF_ERROR(
      ReadString(*j, "endpoint", true, &request.endpoint_id));
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "netns", false, &request.netns));
  return request;
}

Result<ReleaseReply> DecodeReleaseReply(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  ReleaseReply reply;
  if (auto it = j->find("returning"); it != j->end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return Status::InvalidArgument("field \"returning\" must be a boolean");
    }
    reply.returning = it->get<bool>();
  }
  return reply;
}

Result<StaleRequest> DecodeStaleRequest(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  StaleRequest request;
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "network", true, &request.network));
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "identity", false, &request.identity));
  if (auto it = j->find("valid"); it != j->end() && !it->is_null()) {
    HOSTNIC_RETURN_IF_ERROR(
        ForEachObject(*it, "valid", [&request](const json& item) {
          AttachmentKey key;
          HOSTNIC_RETURN_IF_ERROR(
              ReadString(item, "containerId", true, &key.container_id));
          HOSTNIC_RETURN_IF_ERROR(
              ReadString(item, "ifname", false, &key.ifname));
          request.valid.push_back(key);
          return Status::Ok();
        }));
  }
  return request;
}

Result<std::vector<Attachment>> DecodeStaleReply(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  std::vector<Attachment> out;
  auto it = j->find("attachments");
  if (it == j->end() || it->is_null()) return out;
  if (!it->is_array()) {
    return Status::InvalidArgument("field \"attachments\" must be a list");
  }
  for (const json& item : *it) {
    Result<Attachment> a = ReadAttachment(item);
    if (!a.ok()) return a.status();
    out.push_back(*a);
  }
  return out;
}

Status DecodeReplyStatus(const std::string& body) {
  Result<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  auto err = j->find("Err");
  if (err == j->end() || err->is_null()) return Status::Ok();
  std::string message = err->is_string() ? err->get<std::string>() : "";
  std::string name;
  if (auto code = j->find("Code"); code != j->end() && code->is_string()) {
    name = code->get<std::string>();
  }
  for (Code code :
       {Code::kInvalidArgument, Code::kNotFound, Code::kAlreadyExists,
        Code::kBusy, Code::kFailedPrecondition, Code::kTimeout,
        Code::kIoError}) {
    if (name == CodeName(code)) return Status(code, message);
  }
  return Status(Code::kInternal, message);
}

}  // namespace hostnic::cni::wire
