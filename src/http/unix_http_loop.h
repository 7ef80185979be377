// The inside of UnixHttpServer (src/http/unix_http_server.h): its httplib
// router (Listener) and the event loop Run serves with (Loop). For
// unix_http_server.cc and unix_http_loop.cc only.
#ifndef HOSTNIC_HTTP_UNIX_HTTP_LOOP_H_
#define HOSTNIC_HTTP_UNIX_HTTP_LOOP_H_

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/worker_pool.h"
#include "http/unix_http_server.h"

namespace hostnic::http {

// httplib::Server parses and routes a request read from any Stream with its
// protected process_request; its own accept loop and socket I/O are unused.
class UnixHttpServer::Listener : public httplib::Server {
 public:
  // Answers one request; false when no answer could be made. `close`: the
  // answer says "Connection: close"; `closed` is set when the client asked
  // for that.
  bool Answer(httplib::Stream& stream, bool close, bool& closed) {
    return process_request(stream, close, closed, nullptr);
  }
  size_t keep_alive_max_count() const { return keep_alive_max_count_; }
};

// Run's event loop: every connection, non-blocking, on one thread.
class UnixHttpServer::Loop {
 public:
  // What the thread answering a request tells the POST route (Current).
  struct Call {
    // The answer of a deferred request, to send as it is.
    const Reply* ready = nullptr;
    // Answers the request later, from any thread, once the POST route
    // deferred it.
    Respond resume;
    // Set by the POST route when the handler answers later.
    bool deferred = false;
  };
  // The Call of the request the calling thread answers; null elsewhere.
  static Call*& Current();

  Loop(UnixHttpServer* server, int listen_fd);
  ~Loop();

  // Serves until Stop (true) or until accept() fails for good (false).
  bool Serve();

 private:
  enum class State {
    kReading,   // waiting for a whole request
    kWorking,   // a worker has its request
    kWriting,   // sending the answer
    kDraining,  // answered with "Connection: close"; reading to the end
  };
  struct Conn {
    State state = State::kReading;
    std::string in;  // bytes received and not yet handed to a worker
    bool eof = false;
    bool continued = false;  // "100 Continue" sent for the current request
    size_t answered = 0;     // requests answered on this connection
    std::string out;
    size_t out_sent = 0;
    bool close_after = false;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Finished {
    int fd;
    std::string answer;
    bool close;
    size_t sent;  // bytes of `answer` the worker already sent
  };

  void Accept();
  bool EvictOldest();
  void OnReadable(int fd, Conn& conn);
  void Advance(int fd, Conn& conn);
  void Dispatch(int fd, Conn& conn, size_t end);
  // Runs the request through the router, on a worker or (with `ready`, a
  // deferred request's answer) on the thread that answers it, and hands the
  // answer to Run's thread, unless the handler defers it.
  void Process(int fd, bool close, bool continued,
               const std::shared_ptr<const std::string>& request,
               const Reply* ready);
  void TakeFinished() EXCLUDES(finished_mu_);
  // Sends `answer` from byte `sent` on.
  void Answer(int fd, Conn& conn, std::string answer, bool close,
              size_t sent = 0);
  void Write(int fd, Conn& conn);
  void Expire();
  void Close(int fd);
  void Wake();

  UnixHttpServer& server_;
  const Options& options_;
  const int listen_fd_;
  std::unordered_map<int, Conn> conns_;  // Run's thread only.
  size_t buffered_ = 0;                  // sum of conns_[*].in.size()
  size_t working_ = 0;                   // connections in kWorking
  bool accept_failed_ = false;
  std::chrono::steady_clock::time_point accept_paused_until_;

  Mutex finished_mu_;
  std::vector<Finished> finished_ GUARDED_BY(finished_mu_);
  // Last: destroyed first, so no job outlives the members it uses.
  WorkerPool pool_;
};

}  // namespace hostnic::http

#endif  // HOSTNIC_HTTP_UNIX_HTTP_LOOP_H_
