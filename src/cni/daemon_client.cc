#include "cni/daemon_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "http/unix_http_client.h"

namespace hostnic::cni {

namespace {

// A NIC may have to be waited for (hostnic.wait, up to an hour) or asked
// for by DHCP; the runtime bounds ADD with its own timeout.
constexpr std::chrono::minutes kAttachTimeout{65};
constexpr std::chrono::seconds kCallTimeout{60};

}  // namespace

DaemonClient::DaemonClient(std::string socket_path)
    : socket_path_(std::move(socket_path)) {}

Result<std::string> DaemonClient::Call(
    const std::string& method, const std::string& body,
    std::chrono::milliseconds timeout) const {
  http::UnixHttpClient client(socket_path_, timeout);
  auto reply = client.Post("/Cni." + method, body);
  if (!reply.ok()) {
    return Status::Timeout("the hostnic daemon does not answer on " +
                           socket_path_ + ": " + reply.status().message());
  }
  if (reply->status == 404) {
    return Status::InvalidArgument(
        "the socket " + socket_path_ + " answered HTTP 404 to " + method +
        ": it is not a hostnic daemon with CNI support (check \"socket\" in "
        "the network configuration, or upgrade the daemon)");
  }
  if (reply->status != 200) {
    return Status::Timeout("the hostnic daemon on " + socket_path_ +
                           " answered HTTP " + std::to_string(reply->status) +
                           " to " + method);
  }
  HOSTNIC_RETURN_IF_ERROR(
      wire::DecodeReplyStatus(reply->body)
          .Annotate("the hostnic daemon's answer to " + method));
  return reply->body;
}

Result<AttachInfo> DaemonClient::Attach(
    const wire::AttachRequest& request) const {
  Result<std::string> reply =
      Call("Attach", wire::Encode(request), kAttachTimeout);
  if (!reply.ok()) return reply.status();
  return wire::DecodeAttachment(*reply);
}

Result<std::optional<AttachInfo>> DaemonClient::Get(
    const wire::AttachmentKey& key) const {
  Result<std::string> reply = Call("Get", wire::Encode(key), kCallTimeout);
  if (!reply.ok() && reply.status().code() == Code::kNotFound) {
    return std::optional<AttachInfo>();
  }
  if (!reply.ok()) return reply.status();
  Result<AttachInfo> info = wire::DecodeAttachment(*reply);
  if (!info.ok()) return info.status();
  return std::optional<AttachInfo>(*info);
}

Status DaemonClient::Release(const std::string& network_id,
                             const std::string& endpoint_id) const {
  return Call("Release",
              wire::Encode(wire::ReleaseRequest{network_id, endpoint_id, ""}),
              kCallTimeout)
      .status();
}

Result<bool> DaemonClient::ReleaseFrom(const std::string& network_id,
                                       const std::string& endpoint_id,
                                       const std::string& netns) const {
  Result<std::string> reply =
      Call("Release",
           wire::Encode(wire::ReleaseRequest{network_id, endpoint_id, netns}),
           kCallTimeout);
  if (!reply.ok()) return reply.status();
  Result<wire::ReleaseReply> decoded = wire::DecodeReleaseReply(*reply);
  if (!decoded.ok()) {
    return decoded.status().Annotate("the hostnic daemon's answer to Release");
  }
  return decoded->returning;
}

Result<std::vector<AttachInfo>> DaemonClient::Stale(
    const wire::StaleRequest& request) const {
  Result<std::string> reply =
      Call("Stale", wire::Encode(request), kCallTimeout);
  if (!reply.ok()) return reply.status();
  return wire::DecodeStaleReply(*reply);
}

Status DaemonClient::Health() const {
  http::UnixHttpClient client(socket_path_, kCallTimeout);
  auto reply = client.Get("/health");
  if (!reply.ok()) {
    return Status::Timeout("the hostnic daemon does not answer on " +
                           socket_path_ + ": " + reply.status().message());
  }
  if (reply->status == 200) return Status::Ok();
  nlohmann::json j = nlohmann::json::parse(reply->body, nullptr, false);
  std::string reason = reply->body;
  if (!j.is_discarded() && j.is_object() && j["reason"].is_string()) {
    reason = j["reason"].get<std::string>();
  }
  return Status::FailedPrecondition("the hostnic daemon on " + socket_path_ +
                                    " cannot serve yet: " + reason);
}

bool DaemonClient::Listening() const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr),
                            sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace hostnic::cni
