// UnixHttpServer: HTTP/1.1 over a unix stream socket, the transport of a
// Docker legacy plugin (/run/docker/plugins/<name>.sock).
//
// Built on cpp-httplib, which cannot listen on a unix socket itself: the
// socket is created, bound and listened to here and handed to its accept
// loop.
//
// Usage: construct, Bind, register GET routes, then Run on one thread; Stop
// from any other thread.
#ifndef HOSTNIC_API_UNIX_HTTP_SERVER_H_
#define HOSTNIC_API_UNIX_HTTP_SERVER_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/handlers.h"
#include "hostnic/status.h"

namespace hostnic::api {

class UnixHttpServer {
 public:
  using Reply = Handlers::Reply;
  // Answers every POST, given the request path and body.
  using PostHandler =
      std::function<Reply(const std::string& path, const std::string& body)>;

  // Usually `[&](auto& path, auto& body) { return handlers.Handle(path,
  // body); }`.
  explicit UnixHttpServer(PostHandler post);
  // Stops.
  ~UnixHttpServer();

  UnixHttpServer(const UnixHttpServer&) = delete;
  UnixHttpServer& operator=(const UnixHttpServer&) = delete;

  // Creates the socket file at `path` with `mode`, owned by `group` when
  // given (for example 0660 and the docker group), creating its parent
  // directory if needed. A socket file nobody answers on (left by a crash)
  // is replaced; a live one (another daemon) or a file that is not a socket
  // is refused with kFailedPrecondition. Call once, before Run.
  Status Bind(const std::string& path, mode_t mode = 0600,
              std::optional<gid_t> group = std::nullopt);

  // Answers GET `path` (exact match) with `handler`. Call before Run.
  void Get(const std::string& path, std::function<Reply()> handler);

  // Serves until Stop. Returns at once when not bound or already stopped.
  void Run();

  // Stops accepting, lets Run return once in-flight requests are answered,
  // and removes the socket file (if it is still the one Bind made).
  // Idempotent; safe from any thread.
  void Stop();

 private:
  class Listener;

  std::unique_ptr<Listener> listener_;
  std::map<std::string, std::function<Reply()>> get_routes_;

  std::mutex mu_;  // Guards everything below.
  bool stopped_ = false;
  std::string path_;  // Bound socket file, empty before Bind.
  dev_t dev_ = 0;     // Identity of the file Bind made, so that Stop never
  ino_t ino_ = 0;     // removes the socket of a successor.
};

}  // namespace hostnic::api

#endif  // HOSTNIC_API_UNIX_HTTP_SERVER_H_
