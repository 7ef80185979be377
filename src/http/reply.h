// Reply: one HTTP answer as the daemon's routes give it, whatever protocol
// they speak (Docker's remote driver, the CNI service, status, metrics).
#ifndef HOSTNIC_HTTP_REPLY_H_
#define HOSTNIC_HTTP_REPLY_H_

#include <functional>
#include <string>

namespace hostnic::http {

struct Reply {
  int http_status = 200;
  std::string body;
  // Docker's plugin media type: what every POST route of the daemon's
  // socket answers with.
  std::string content_type = "application/vnd.docker.plugins.v1+json";
};

// Called once with a request's answer.
using Respond = std::function<void(Reply)>;

}  // namespace hostnic::http

#endif  // HOSTNIC_HTTP_REPLY_H_
