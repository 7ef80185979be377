#include "http/tcp_metrics_server.h"

#include <chrono>
#include <cstdlib>

namespace hostnic::http {

namespace {
constexpr std::chrono::seconds kStartTimeout{5};
}  // namespace

TcpMetricsServer::~TcpMetricsServer() { Stop(); }

Status TcpMetricsServer::Start(const std::string& address, Page metrics,
                               Page health) {
  const auto colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";
  const std::string digits =
      colon == std::string::npos ? "" : address.substr(colon + 1);
  char* end = nullptr;
  long port = digits.empty() ? -1 : std::strtol(digits.c_str(), &end, 10);
  if (end != nullptr && *end != '\0') port = -1;
  if (port <= 0 || port > 65535) {
    return Status::InvalidArgument("--metrics-address '" + address +
                                   "' is not HOST:PORT or :PORT");
  }
  for (auto& [path, handler] :
       {std::pair{"/metrics", metrics}, std::pair{"/health", health}}) {
    server_.Get(path, [handler = handler](const httplib::Request&,
                                          httplib::Response& res) {
      const auto reply = handler();
      res.status = reply.http_status;
      res.set_content(reply.body, reply.content_type.c_str());
    });
  }
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // daemon share the port silently.
  server_.set_socket_options([](socket_t sock) {
    const int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  });
  if (!server_.bind_to_port(host.c_str(), static_cast<int>(port))) {
    return Status::FailedPrecondition(
        "--metrics-address: cannot listen on " + host + ":" +
        std::to_string(port) + " (in use, or not an address of this host)");
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs; wait for it so
  // that an early Stop cannot hang the join.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

void TcpMetricsServer::Stop() {
  if (!thread_.joinable()) return;
  server_.stop();
  thread_.join();
}

}  // namespace hostnic::http
