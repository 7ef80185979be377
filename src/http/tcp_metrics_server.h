// TcpMetricsServer: /metrics and /health over TCP, for scrapers that cannot
// reach a unix socket (--metrics-address). Runs its own thread.
#ifndef HOSTNIC_HTTP_TCP_METRICS_SERVER_H_
#define HOSTNIC_HTTP_TCP_METRICS_SERVER_H_

#include <httplib.h>

#include <functional>
#include <string>
#include <thread>

#include "http/reply.h"
#include "hostnic/status.h"

namespace hostnic::http {

class TcpMetricsServer {
 public:
  using Page = std::function<Reply()>;

  ~TcpMetricsServer();  // Stops.

  // Listens on `address`, "HOST:PORT" or ":PORT" (loopback), and answers
  // GET /metrics and /health with the pages. Fails with kInvalidArgument on
  // a malformed address and kFailedPrecondition when it cannot be bound.
  Status Start(const std::string& address, Page metrics, Page health);
  // Idempotent.
  void Stop();

 private:
  httplib::Server server_;
  std::thread thread_;
};

}  // namespace hostnic::http

#endif  // HOSTNIC_HTTP_TCP_METRICS_SERVER_H_
