// UnixHttpServer: HTTP/1.1 over a unix stream socket, the transport of a
// Docker legacy plugin (/run/docker/plugins/<name>.sock).
//
// Usage: construct, Bind, register GET routes, then Run on one thread; Stop
// from any other thread.
//
// Design: slow or idle clients never hold a worker. Run's thread accepts
// and reads every connection with poll(), non-blocking, and buffers what
// arrives until one whole request is there (headers, then the body by
// Content-Length or by chunks; a request with neither has no body). Only
// then is the request handed to a worker, which parses and
// routes it with cpp-httplib over that buffer, sends what the socket takes
// at once (without blocking), and returns the answer to Run's thread, which
// writes the rest out, again without blocking. So a worker
// is busy only while a handler runs, and Docker's calls are answered while
// any number of clients send nothing or half a request. A handler that
// answers later (a CreateEndpoint waiting for its NIC) frees its worker at
// once; its answer goes through the router again on the thread that gives
// it.
//
// Bounds (defaults of UnixHttpServerOptions; see there):
//   - a request must arrive completely within 5 s of the connection being
//     accepted or of its previous answer being sent, else the connection is
//     closed (after a 408 answer when part of a request had come);
//   - an answer must be taken by the client within 5 s, else the connection
//     is closed;
//   - at most 1024 connections: one more closes the oldest connection that
//     is waiting for its request (also when accept() runs out of file
//     descriptors);
//   - at most 64 MiB of partial requests buffered in all: beyond it the
//     connection holding the most is closed. A body is at most 1 MiB (413,
//     then the connection is closed), a request line 8 KiB (414), headers
//     64 KiB (431);
//   - at most 64 worker threads, started when requests wait and ended after
//     30 s without work; one more thread (Run's) for all connections.
#ifndef HOSTNIC_HTTP_UNIX_HTTP_SERVER_H_
#define HOSTNIC_HTTP_UNIX_HTTP_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/mutex.h"
#include "hostnic/status.h"
#include "http/reply.h"

namespace hostnic::http {

// Limits of a UnixHttpServer; the defaults suit Docker. Tests shorten the
// timeouts.
struct UnixHttpServerOptions {
  // A whole request must arrive within this from the moment the connection
  // is ready for it (accepted, or its previous answer sent).
  std::chrono::milliseconds request_timeout{5000};
  // A whole answer must be taken by the client within this.
  std::chrono::milliseconds write_timeout{5000};
  // Open connections; one more closes the oldest one waiting for a request.
  size_t max_connections = 1024;
  // Bytes of partial requests buffered over all connections.
  size_t max_buffered = size_t{64} << 20;
  // Handlers running at once (a request waiting for a hot-plugged NIC or an
  // attach hook runs for seconds).
  size_t max_workers = 64;
};

class UnixHttpServer {
 public:
  using Reply = http::Reply;
  using Respond = http::Respond;
  using Options = UnixHttpServerOptions;
  // Answers every POST, given the request path and body, by calling
  // `respond` once: before returning, or later from any thread. A request
  // answered later holds no worker meanwhile; its connection waits for the
  // answer, as Stop does.
  using PostHandler = std::function<void(
      const std::string& path, const std::string& body, Respond respond)>;

  // Usually `[&](auto& path, auto& body, auto respond) {
  // handlers.Handle(path, body, std::move(respond)); }`.
  explicit UnixHttpServer(PostHandler post, Options options = {});
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
              std::optional<gid_t> group = std::nullopt) EXCLUDES(mu_);

  // Serves on `fd`, a listening unix stream socket someone else made (the
  // socket unit of systemd socket activation). Takes ownership of `fd`
  // (closed on Stop, and on any error here) and marks it close-on-exec, so
  // hooks never inherit it; never removes its file, which belongs to whoever
  // made it. Anything else than a listening unix stream socket is refused
  // with kFailedPrecondition. Call once, instead of Bind, before Run.
  Status Adopt(int fd) EXCLUDES(mu_);

  // Path of the socket served (Bind's, or the name an adopted socket is
  // bound to); empty before Bind or Adopt.
  std::string path() const EXCLUDES(mu_);

  // Answers GET `path` (exact match) with `handler`. Call before Run.
  void Get(const std::string& path, std::function<Reply()> handler);

  // Serves until Stop, on the calling thread (plus the workers). Returns at
  // once when not bound or already stopped. Call once.
  void Run() EXCLUDES(mu_);

  // Stops accepting and reading, lets Run return once the requests already
  // handed to workers are answered (each answer written within the write
  // timeout), and removes the socket file (if it is still the one Bind
  // made). Idempotent; safe from any thread.
  void Stop() EXCLUDES(mu_);

 private:
  class Listener;
  class Loop;

  const Options options_;
  std::unique_ptr<Listener> listener_;
  std::map<std::string, std::function<Reply()>> get_routes_;
  int wake_fd_ = -1;  // eventfd: Stop wakes Run's poll() with it.

  mutable Mutex mu_;
  bool stopped_ GUARDED_BY(mu_) = false;
  // Run owns (and closes) the listening socket.
  bool running_ GUARDED_BY(mu_) = false;
  int listen_fd_ GUARDED_BY(mu_) = -1;  // Listening socket, -1 before Bind.
  std::string path_ GUARDED_BY(mu_);    // Bound socket file, empty before Bind.
  // Identity of the file Bind made, so that Stop never removes the socket of
  // a successor.
  dev_t dev_ GUARDED_BY(mu_) = 0;
  ino_t ino_ GUARDED_BY(mu_) = 0;
  // Bind made the file; Stop removes it.
  bool owns_file_ GUARDED_BY(mu_) = false;
};

}  // namespace hostnic::http

#endif  // HOSTNIC_HTTP_UNIX_HTTP_SERVER_H_
