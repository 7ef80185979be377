// UnixHttpClient: a minimal blocking HTTP/1.1 client over a unix stream
// socket, one connection per request. Enough to talk to hostnic's own socket
// (the `hostnic status` CLI, tests); it reads Content-Length or
// read-until-close bodies, not chunked ones.
#ifndef HOSTNIC_HTTP_UNIX_HTTP_CLIENT_H_
#define HOSTNIC_HTTP_UNIX_HTTP_CLIENT_H_

#include <chrono>
#include <string>

#include "hostnic/status.h"

namespace hostnic::http {

class UnixHttpClient {
 public:
  struct Response {
    int status = 0;  // HTTP status code.
    std::string body;
  };

  // Each request (connect, send, whole reply) must finish within `timeout`.
  explicit UnixHttpClient(
      std::string socket_path,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Any HTTP status is a Response; kIoError when the socket cannot be
  // reached or the reply is not HTTP, kTimeout when it takes too long.
  Result<Response> Post(const std::string& path, const std::string& body) const;
  Result<Response> Get(const std::string& path) const;

 private:
  Result<Response> Send(const std::string& method, const std::string& path,
                        const std::string& body) const;

  const std::string socket_path_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace hostnic::http

#endif  // HOSTNIC_HTTP_UNIX_HTTP_CLIENT_H_
