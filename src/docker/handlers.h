// Handlers: one POST of libnetwork's remote driver protocol in, one HTTP
// reply out. Decodes the request (wire.h), calls the Driver and encodes its
// answer. Driver and decoding errors become 200 {"Err": message}, as Docker
// expects; they are logged here, once, at warn level.
//
// Thread-safe (the Driver is).
#ifndef HOSTNIC_DOCKER_HANDLERS_H_
#define HOSTNIC_DOCKER_HANDLERS_H_

#include <exception>
#include <functional>
#include <string>

#include "observability/metrics.h"
#include "driver/driver.h"
#include "hostnic/status.h"
#include "http/reply.h"

namespace hostnic::docker {

class Handlers {
 public:
  using Reply = http::Reply;

  // `driver` and `metrics` (may be null) must outlive the handlers. Every
  // answered protocol request is recorded in `metrics`.
  explicit Handlers(Driver* driver, observability::Metrics* metrics = nullptr);

  using Respond = http::Respond;

  // Answers `path` ("/NetworkDriver.Join", ...) through `respond`: 200 with
  // a JSON body (never empty) for every method of the protocol, 404 with
  // {"Err": ...} for anything else. `respond` is called on the calling
  // thread before Handle returns, except for a CreateEndpoint that waits for
  // its NIC: then later, from a driver thread, while no thread waits (see
  // Driver::CreateEndpoint). Never throws.
  void Handle(const std::string& path, const std::string& body,
              Respond respond);
  // Handle, blocking the caller until the answer, which it returns.
  Reply Handle(const std::string& path, const std::string& body);

 private:
  // Answers every method but CreateEndpoint.
  Reply Dispatch(const std::string& path, const std::string& body);
  // The reply for a method's result; failures are logged here, once.
  static Reply Answer(const std::string& path, const std::string& ids,
                      Result<std::string> reply);
  static Status Thrown(const std::exception& e);
  void CreateEndpoint(const std::string& body, Respond respond);
  // Returns the reply body; sets `ids` ("network N endpoint E") for the log
  // as soon as the request names them.
  using Method = Result<std::string> (Handlers::*)(const std::string& body,
                                                   std::string* ids);

  Result<std::string> Activate(const std::string& body, std::string* ids);
  Result<std::string> Capabilities(const std::string& body, std::string* ids);
  Result<std::string> CreateNetwork(const std::string& body, std::string* ids);
  Result<std::string> DeleteNetwork(const std::string& body, std::string* ids);
  // AllocateNetwork and FreeNetwork: only used for swarm-scoped networks,
  // which a local-scope driver never gets; acknowledged without effect.
  Result<std::string> NetworkNoop(const std::string& body, std::string* ids);
  Result<std::string> EndpointOperInfo(const std::string& body,
                                       std::string* ids);
  Result<std::string> DeleteEndpoint(const std::string& body, std::string* ids);
  Result<std::string> Join(const std::string& body, std::string* ids);
  Result<std::string> Leave(const std::string& body, std::string* ids);
  // DiscoverNew/DiscoverDelete: hostnic needs no cluster discovery.
  Result<std::string> Discover(const std::string& body, std::string* ids);
  // Program/RevokeExternalConnectivity: a whole NIC has no port mappings.
  Result<std::string> EndpointNoop(const std::string& body, std::string* ids);

  static Method Find(const std::string& path);

  Driver* const driver_;
  observability::Metrics* const metrics_;
};

}  // namespace hostnic::docker

#endif  // HOSTNIC_DOCKER_HANDLERS_H_
