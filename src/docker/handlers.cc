#include "docker/handlers.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <unordered_map>

#include "docker/wire.h"
#include "common/await.h"

namespace hostnic::docker {

namespace {

std::string NetworkIds(const std::string& network_id) {
  return "network " + network_id;
}

std::string EndpointIds(const std::string& network_id,
                        const std::string& endpoint_id) {
  return "network " + network_id + " endpoint " + endpoint_id;
}

constexpr char kCreateEndpoint[] = "/NetworkDriver.CreateEndpoint";

}  // namespace

Handlers::Handlers(Driver* driver, observability::Metrics* metrics)
    : driver_(driver), metrics_(metrics) {}

Handlers::Method Handlers::Find(const std::string& path) {
  static const auto* const kMethods =
      new std::unordered_map<std::string, Method>{
          {"/Plugin.Activate", &Handlers::Activate},
          {"/NetworkDriver.GetCapabilities", &Handlers::Capabilities},
          {"/NetworkDriver.CreateNetwork", &Handlers::CreateNetwork},
          {"/NetworkDriver.DeleteNetwork", &Handlers::DeleteNetwork},
          {"/NetworkDriver.AllocateNetwork", &Handlers::NetworkNoop},
          {"/NetworkDriver.FreeNetwork", &Handlers::NetworkNoop},
          {"/NetworkDriver.EndpointOperInfo", &Handlers::EndpointOperInfo},
          {"/NetworkDriver.DeleteEndpoint", &Handlers::DeleteEndpoint},
          {"/NetworkDriver.Join", &Handlers::Join},
          {"/NetworkDriver.Leave", &Handlers::Leave},
          {"/NetworkDriver.DiscoverNew", &Handlers::Discover},
          {"/NetworkDriver.DiscoverDelete", &Handlers::Discover},
          {"/NetworkDriver.ProgramExternalConnectivity",
           &Handlers::EndpointNoop},
          {"/NetworkDriver.RevokeExternalConnectivity",
           &Handlers::EndpointNoop},
      };
  auto it = kMethods->find(path);
  return it == kMethods->end() ? nullptr : it->second;
}

Handlers::Reply Handlers::Handle(const std::string& path,
                                 const std::string& body) {
  return Await<Reply>(
      [&](Respond respond) { Handle(path, body, std::move(respond)); });
}

void Handlers::Handle(const std::string& path, const std::string& body,
                      Respond respond) {
  Respond observed = [this, path, start = std::chrono::steady_clock::now(),
                      respond = std::move(respond)](Reply reply) {
    if (metrics_ != nullptr && reply.http_status == 200) {
      const std::chrono::duration<double> took =
          std::chrono::steady_clock::now() - start;
      metrics_->Observe(path.substr(1), took.count(),
                        reply.body.find("\"Err\"") == std::string::npos);
    }
    respond(std::move(reply));
  };
  if (path == kCreateEndpoint) {
    CreateEndpoint(body, std::move(observed));
    return;
  }
  observed(Dispatch(path, body));
}

Handlers::Reply Handlers::Dispatch(const std::string& path,
                                   const std::string& body) {
  const Method method = Find(path);
  if (method == nullptr) {
    spdlog::debug("{}: not a remote driver method, answering 404", path);
    return Reply{404, EncodeError("hostnic has no method " + path)};
  }
  std::string ids;
  // The driver and the libraries below may throw (bad_alloc at least); an
  // exception must not take the daemon down with it.
  try {
    return Answer(path, ids, (this->*method)(body, &ids));
  } catch (const std::exception& e) {
    return Answer(path, ids, Thrown(e));
  }
}

Handlers::Reply Handlers::Answer(const std::string& path,
                                 const std::string& ids,
                                 Result<std::string> reply) {
  if (reply.ok()) {
    spdlog::debug("{} {}", path, ids);
    return Reply{200, std::move(reply).value()};
  }
  spdlog::warn("{} {}failed: {}", path, ids.empty() ? "" : ids + " ",
               reply.status().message());
  return Reply{200, EncodeError(reply.status().message())};
}

Status Handlers::Thrown(const std::exception& e) {
  return Status::Internal(std::string("internal error: ") + e.what());
}

void Handlers::CreateEndpoint(const std::string& body, Respond respond) {
  // Exactly one answer, even when something throws after the driver took
  // the request.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto answer = [answered, respond = std::move(respond)](
                    const std::string& ids, Result<std::string> reply) {
    if (!answered->exchange(true)) {
      respond(Answer(kCreateEndpoint, ids, std::move(reply)));
    }
  };
  std::string ids;
  try {
    Result<CreateEndpointRequest> request = DecodeCreateEndpoint(body);
    if (!request.ok()) return answer(ids, request.status());
    ids = EndpointIds(request->network_id, request->endpoint_id);
    driver_->CreateEndpoint(*request,
                            [answer, ids](Result<CreateEndpointReply> reply) {
                              try {
                                if (!reply.ok())
                                  return answer(ids, reply.status());
                                answer(ids, EncodeCreateEndpoint(*reply));
                              } catch (const std::exception& e) {
                                answer(ids, Thrown(e));
                              }
                            });
  } catch (const std::exception& e) {
    answer(ids, Thrown(e));
  }
}

Result<std::string> Handlers::Activate(const std::string&, std::string*) {
  return EncodeActivate();
}

Result<std::string> Handlers::Capabilities(const std::string&, std::string*) {
  return EncodeCapabilities();
}

Result<std::string> Handlers::CreateNetwork(const std::string& body,
                                            std::string* ids) {
  Result<CreateNetworkRequest> request = DecodeCreateNetwork(body);
  if (!request.ok()) return request.status();
  *ids = NetworkIds(request->network_id);
  HOSTNIC_RETURN_IF_ERROR(driver_->CreateNetwork(*request));
  return EncodeOk();
}

Result<std::string> Handlers::DeleteNetwork(const std::string& body,
                                            std::string* ids) {
  Result<std::string> network_id = DecodeNetworkId(body);
  if (!network_id.ok()) return network_id.status();
  *ids = NetworkIds(*network_id);
  HOSTNIC_RETURN_IF_ERROR(driver_->DeleteNetwork(*network_id));
  return EncodeOk();
}

Result<std::string> Handlers::NetworkNoop(const std::string& body,
                                          std::string* ids) {
  Result<std::string> network_id = DecodeNetworkId(body);
  if (!network_id.ok()) return network_id.status();
  *ids = NetworkIds(*network_id);
  return EncodeOk();
}

Result<std::string> Handlers::EndpointOperInfo(const std::string& body,
                                               std::string* ids) {
  Result<EndpointRef> ref = DecodeEndpointRef(body);
  if (!ref.ok()) return ref.status();
  *ids = EndpointIds(ref->network_id, ref->endpoint_id);
  Result<std::map<std::string, std::string>> info =
      driver_->EndpointInfo(ref->network_id, ref->endpoint_id);
  if (!info.ok()) return info.status();
  return EncodeEndpointInfo(*info);
}

Result<std::string> Handlers::DeleteEndpoint(const std::string& body,
                                             std::string* ids) {
  Result<EndpointRef> ref = DecodeEndpointRef(body);
  if (!ref.ok()) return ref.status();
  *ids = EndpointIds(ref->network_id, ref->endpoint_id);
  HOSTNIC_RETURN_IF_ERROR(
      driver_->DeleteEndpoint(ref->network_id, ref->endpoint_id));
  return EncodeOk();
}

Result<std::string> Handlers::Join(const std::string& body, std::string* ids) {
  Result<JoinRequest> request = DecodeJoin(body);
  if (!request.ok()) return request.status();
  *ids = EndpointIds(request->network_id, request->endpoint_id);
  Result<JoinReply> reply = driver_->Join(
      request->network_id, request->endpoint_id, request->sandbox_key);
  if (!reply.ok()) return reply.status();
  return EncodeJoin(*reply);
}

Result<std::string> Handlers::Leave(const std::string& body, std::string* ids) {
  Result<EndpointRef> ref = DecodeEndpointRef(body);
  if (!ref.ok()) return ref.status();
  *ids = EndpointIds(ref->network_id, ref->endpoint_id);
  HOSTNIC_RETURN_IF_ERROR(driver_->Leave(ref->network_id, ref->endpoint_id));
  return EncodeOk();
}

Result<std::string> Handlers::Discover(const std::string&, std::string*) {
  return EncodeOk();
}

Result<std::string> Handlers::EndpointNoop(const std::string& body,
                                           std::string* ids) {
  Result<EndpointRef> ref = DecodeEndpointRef(body);
  if (!ref.ok()) return ref.status();
  *ids = EndpointIds(ref->network_id, ref->endpoint_id);
  return EncodeOk();
}

}  // namespace hostnic::docker
