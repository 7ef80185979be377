#include "docker/handlers.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <unordered_map>

#include "common/await.h"
#include "docker/wire.h"

namespace hostnic::docker {

namespace {

// What the log names a request by: its network, and endpoint if any.
std::string Ids(const std::string& network_id) {
  return "network " + network_id;
}
std::string Ids(const CreateNetworkRequest& request) {
  return Ids(request.network_id);
}
// EndpointRef, JoinRequest, CreateEndpointRequest.
template <typename EndpointRequest>
std::string Ids(const EndpointRequest& request) {
  return Ids(request.network_id) + " endpoint " + request.endpoint_id;
}

// A method (Handlers::Method) that decodes the request with `decode`, names
// it in the log and answers it with `answer`, a Handlers member or a function
// of (Handlers&, const Request&).
template <typename Request, typename Answer>
auto Decoded(Result<Request> (*decode)(const std::string& body),
             Answer answer) {
  return [decode, answer](Handlers& handlers, const std::string& body,
                          std::string* ids) -> Result<std::string> {
    Result<Request> request = decode(body);
    if (!request.ok()) return request.status();
    *ids = Ids(*request);
    return std::invoke(answer, handlers, *request);
  };
}

// A method whose answer is always `reply`, whatever the request says.
auto Fixed(std::string reply) {
  return [reply](Handlers&, const std::string&,
                 std::string*) -> Result<std::string> { return reply; };
}

// The answer to a request acknowledged without effect, once it is understood.
template <typename Request>
Result<std::string> Acknowledge(Handlers&, const Request&) {
  return EncodeOk();
}

constexpr char kCreateEndpoint[] = "/NetworkDriver.CreateEndpoint";

}  // namespace

Handlers::Handlers(Driver* driver, observability::Metrics* metrics)
    : driver_(driver), metrics_(metrics) {}

const Handlers::Method* Handlers::Find(const std::string& path) {
  static const auto* const kMethods =
      new std::unordered_map<std::string, Method>{
          {"/Plugin.Activate", Fixed(EncodeActivate())},
          {"/NetworkDriver.GetCapabilities", Fixed(EncodeCapabilities())},
          {"/NetworkDriver.CreateNetwork",
           Decoded(DecodeCreateNetwork, &Handlers::CreateNetwork)},
          {"/NetworkDriver.DeleteNetwork",
           Decoded(DecodeNetworkId, &Handlers::DeleteNetwork)},
          // Only for swarm-scoped networks, which a local-scope driver never
          // gets.
          {"/NetworkDriver.AllocateNetwork",
           Decoded(DecodeNetworkId, Acknowledge<std::string>)},
          {"/NetworkDriver.FreeNetwork",
           Decoded(DecodeNetworkId, Acknowledge<std::string>)},
          {"/NetworkDriver.EndpointOperInfo",
           Decoded(DecodeEndpointRef, &Handlers::EndpointOperInfo)},
          {"/NetworkDriver.DeleteEndpoint",
           Decoded(DecodeEndpointRef, &Handlers::DeleteEndpoint)},
          {"/NetworkDriver.Join", Decoded(DecodeJoin, &Handlers::Join)},
          {"/NetworkDriver.Leave",
           Decoded(DecodeEndpointRef, &Handlers::Leave)},
          // hostnic needs no cluster discovery.
          {"/NetworkDriver.DiscoverNew", Fixed(EncodeOk())},
          {"/NetworkDriver.DiscoverDelete", Fixed(EncodeOk())},
          // A whole NIC has no port mappings.
          {"/NetworkDriver.ProgramExternalConnectivity",
           Decoded(DecodeEndpointRef, Acknowledge<EndpointRef>)},
          {"/NetworkDriver.RevokeExternalConnectivity",
           Decoded(DecodeEndpointRef, Acknowledge<EndpointRef>)},
      };
  auto it = kMethods->find(path);
  return it == kMethods->end() ? nullptr : &it->second;
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
  const Method* method = Find(path);
  if (method == nullptr) {
    spdlog::debug("{}: not a remote driver method, answering 404", path);
    return Reply{404, EncodeError("hostnic has no method " + path)};
  }
  std::string ids;
  // The driver and the libraries below may throw (bad_alloc at least); an
  // exception must not take the daemon down with it.
  try {
    return Answer(path, ids, (*method)(*this, body, &ids));
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
    ids = Ids(*request);
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

Result<std::string> Handlers::CreateNetwork(
    const CreateNetworkRequest& request) {
  HOSTNIC_RETURN_IF_ERROR(driver_->CreateNetwork(request));
  return EncodeOk();
}

Result<std::string> Handlers::DeleteNetwork(const std::string& network_id) {
  HOSTNIC_RETURN_IF_ERROR(driver_->DeleteNetwork(network_id));
  return EncodeOk();
}

Result<std::string> Handlers::EndpointOperInfo(const EndpointRef& ref) {
  Result<std::map<std::string, std::string>> info =
      driver_->EndpointInfo(ref.network_id, ref.endpoint_id);
  if (!info.ok()) return info.status();
  return EncodeEndpointInfo(*info);
}

Result<std::string> Handlers::DeleteEndpoint(const EndpointRef& ref) {
  HOSTNIC_RETURN_IF_ERROR(
      driver_->DeleteEndpoint(ref.network_id, ref.endpoint_id));
  return EncodeOk();
}

Result<std::string> Handlers::Join(const JoinRequest& request) {
  Result<JoinReply> reply = driver_->Join(
      request.network_id, request.endpoint_id, request.sandbox_key);
  if (!reply.ok()) return reply.status();
  return EncodeJoin(*reply);
}

Result<std::string> Handlers::Leave(const EndpointRef& ref) {
  HOSTNIC_RETURN_IF_ERROR(driver_->Leave(ref.network_id, ref.endpoint_id));
  return EncodeOk();
}

}  // namespace hostnic::docker
