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

#include "docker/wire.h"
#include "driver/driver.h"
#include "hostnic/status.h"
#include "http/reply.h"
#include "observability/metrics.h"

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
  // A method of the protocol: returns the reply body for a request body, and
  // sets `ids` ("network N endpoint E") for the log as soon as the request
  // names them.
  using Method = std::function<Result<std::string>(
      Handlers& handlers, const std::string& body, std::string* ids)>;

  // The methods that act on the request's content, given it decoded.
  Result<std::string> CreateNetwork(const CreateNetworkRequest& request);
  Result<std::string> DeleteNetwork(const std::string& network_id);
  Result<std::string> EndpointOperInfo(const EndpointRef& ref);
  Result<std::string> DeleteEndpoint(const EndpointRef& ref);
  Result<std::string> Join(const JoinRequest& request);
  Result<std::string> Leave(const EndpointRef& ref);

  // The method answering `path`, or null.
  static const Method* Find(const std::string& path);

  Driver* const driver_;
  observability::Metrics* const metrics_;
};

}  // namespace hostnic::docker

#endif  // HOSTNIC_DOCKER_HANDLERS_H_
