#include "cni/daemon_client.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/unix_http_client.h"
#include "cni/json_util.h"

namespace hostnic::cni {

namespace {

using nlohmann::json;

// A NIC may have to be waited for (hostnic.wait, up to an hour) or asked
// for by DHCP; the runtime bounds ADD with its own timeout.
constexpr std::chrono::minutes kAttachTimeout{65};
constexpr std::chrono::seconds kCallTimeout{60};

Code CodeFromName(const std::string& name) {
  for (Code code :
       {Code::kInvalidArgument, Code::kNotFound, Code::kAlreadyExists,
        Code::kBusy, Code::kFailedPrecondition, Code::kTimeout,
        Code::kIoError}) {
    if (name == CodeName(code)) return code;
  }
  return Code::kInternal;
}

Result<AttachInfo> ToInfo(const json& j) {
  AttachInfo info;
  if (!j.is_object())
    return Status::Internal("the daemon's reply is not an object");
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "network", "network", &info.network_id));
  HOSTNIC_RETURN_IF_ERROR(
      GetString(j, "endpoint", "endpoint", &info.endpoint_id));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "mac", "mac", &info.mac));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "original", "original", &info.original));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "netns", "netns", &info.netns));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "name", "name", &info.name));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "address", "address", &info.address));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "gateway", "gateway", &info.gateway));
  HOSTNIC_RETURN_IF_ERROR(GetString(j, "gateway6", "gateway6", &info.gateway6));
  info.joined = j.value("joined", false);
  if (auto it = j.find("routes"); it != j.end() && it->is_array()) {
    for (const json& r : *it) {
      Route route;
      HOSTNIC_RETURN_IF_ERROR(
          GetString(r, "dst", "routes[].dst", &route.destination));
      HOSTNIC_RETURN_IF_ERROR(
          GetString(r, "gw", "routes[].gw", &route.next_hop));
      info.routes.push_back(route);
    }
  }
  if (info.endpoint_id.empty() || info.mac.empty()) {
    return Status::Internal("the daemon's reply names no endpoint or MAC");
  }
  return info;
}

}  // namespace

DaemonClient::DaemonClient(std::string socket_path)
    : socket_path_(std::move(socket_path)) {}

Result<std::string> DaemonClient::Call(
    const std::string& method, const std::string& body,
    std::chrono::milliseconds timeout) const {
  api::UnixHttpClient client(socket_path_, timeout);
  auto reply = client.Post("/Cni." + method, body);
  if (!reply.ok()) {
    return Status::Timeout("the hostnic daemon does not answer on " +
                           socket_path_ + ": " + reply.status().message());
  }
  if (reply->status != 200) {
    return Status::Timeout("the hostnic daemon on " + socket_path_ +
                           " answered HTTP " + std::to_string(reply->status) +
                           " to " + method +
                           "; is it an older hostnic without CNI support?");
  }
  json j = json::parse(reply->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Internal("the hostnic daemon's answer to " + method +
                            " is not a JSON object");
  }
  if (auto err = j.find("Err"); err != j.end() && err->is_string()) {
    return Status(CodeFromName(j.value("Code", "")), err->get<std::string>());
  }
  return reply->body;
}

Result<AttachInfo> DaemonClient::Attach(const Request& request,
                                        const std::string& wanted_nic) const {
  json body = {{"network", request.conf.name},
               {"containerId", request.container_id},
               {"ifname", request.ifname},
               {"netns", request.netns},
               {"nic", wanted_nic},
               {"options", request.conf.options}};
  Result<std::string> reply = Call("Attach", Dump(body), kAttachTimeout);
  if (!reply.ok()) return reply.status();
  return ToInfo(json::parse(*reply));
}

Result<std::optional<AttachInfo>> DaemonClient::Get(
    const std::string& network, const std::string& container_id,
    const std::string& ifname) const {
  json body = {
      {"network", network}, {"containerId", container_id}, {"ifname", ifname}};
  Result<std::string> reply = Call("Get", Dump(body), kCallTimeout);
  if (!reply.ok() && reply.status().code() == Code::kNotFound) {
    return std::optional<AttachInfo>();
  }
  if (!reply.ok()) return reply.status();
  Result<AttachInfo> info = ToInfo(json::parse(*reply));
  if (!info.ok()) return info.status();
  return std::optional<AttachInfo>(*info);
}

Status DaemonClient::Release(const AttachInfo& attachment) const {
  json body = {{"network", attachment.network_id},
               {"endpoint", attachment.endpoint_id}};
  return Call("Release", Dump(body), kCallTimeout).status();
}

Result<std::vector<AttachInfo>> DaemonClient::Stale(
    const std::string& network, const std::vector<Attachment>& valid) const {
  json list = json::array();
  for (const Attachment& a : valid) {
    list.push_back({{"containerId", a.container_id}, {"ifname", a.ifname}});
  }
  Result<std::string> reply = Call(
      "Stale", Dump({{"network", network}, {"valid", list}}), kCallTimeout);
  if (!reply.ok()) return reply.status();
  std::vector<AttachInfo> out;
  json j = json::parse(*reply);
  for (const json& item : j.value("attachments", json::array())) {
    Result<AttachInfo> info = ToInfo(item);
    if (!info.ok()) return info.status();
    out.push_back(*info);
  }
  return out;
}

Status DaemonClient::Health() const {
  api::UnixHttpClient client(socket_path_, kCallTimeout);
  auto reply = client.Get("/health");
  if (!reply.ok()) {
    return Status::Timeout("the hostnic daemon does not answer on " +
                           socket_path_ + ": " + reply.status().message());
  }
  if (reply->status == 200) return Status::Ok();
  json j = json::parse(reply->body, nullptr, false);
  std::string reason = reply->body;
  if (!j.is_discarded() && j.is_object()) reason = j.value("reason", reason);
  return Status::FailedPrecondition("the hostnic daemon on " + socket_path_ +
                                    " cannot serve yet: " + reason);
}

}  // namespace hostnic::cni
