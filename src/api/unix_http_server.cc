#include "api/unix_http_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <list>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hostnic::api {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBody = 1 << 20;  // Docker's requests are a few KiB.
// httplib answers 414 beyond this request line; so does the reader, early.
constexpr size_t kMaxRequestLine = CPPHTTPLIB_REQUEST_URI_MAX_LENGTH;
constexpr size_t kMaxHeaders = 64 << 10;  // Request line and headers.
constexpr size_t kMaxChunkLine = 1024;    // A chunk-size line.
constexpr size_t kReadChunk = 64 << 10;   // One recv() per readable socket.
constexpr size_t kAcceptBurst = 64;       // accept()s per wake-up.
constexpr auto kWorkerIdle = std::chrono::seconds(30);
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

Status ErrnoError(const std::string& what, int err = errno) {
  return Status::IoError(
      what + ": " + std::error_code(err, std::generic_category()).message());
}

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument(
        "socket path \"" + path + "\" must be 1 to " +
        std::to_string(sizeof(addr.sun_path) - 1) + " bytes long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Removes the socket file at `path` unless a process still answers on it.
Status RemoveStale(const std::string& path, const sockaddr_un& addr) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoError("checking for an old socket at " + path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::FailedPrecondition(
        path + " exists and is not a socket; refusing to replace it");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoError("creating a socket to probe " + path);
  const int rc =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  // EAGAIN: a full accept backlog, so someone is listening.
  if (rc == 0 || err == EAGAIN) {
    return Status::FailedPrecondition(
        "another process is serving on " + path +
        " (is another hostnic running?); refusing to replace its socket");
  }
  if (err != ECONNREFUSED) {
    return ErrnoError("probing the existing socket " + path, err);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("removing the stale socket " + path);
  }
  spdlog::info("replaced stale socket {} (nobody was listening)", path);
  return Status::Ok();
}

void Send(const UnixHttpServer::Reply& reply, httplib::Response& res) {
  res.status = reply.http_status;
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

namespace {

// ------------------------------------------------------------ request scan

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Where the first request in a connection's buffer ends, decided as httplib
// will read it (so that httplib never needs a byte that has not come).
struct Scan {
  enum Kind {
    kIncomplete,  // wait for more bytes
    kComplete,    // the request is the first `end` bytes
    kRefuse,      // answer `status` and close
  };
  Kind kind = kIncomplete;
  size_t end = 0;
  int status = 0;
  bool wants_continue = false;  // headers complete, Expect: 100-continue
};

Scan Incomplete() { return Scan{}; }
Scan Complete(size_t end) { return Scan{Scan::kComplete, end}; }
Scan Refuse(int status) { return Scan{Scan::kRefuse, 0, status}; }

// A chunked body starting at `pos`. Malformed input is "complete" where it
// goes wrong: httplib then answers 400.
Scan ScanChunked(std::string_view in, size_t pos) {
  uint64_t total = 0;
  for (;;) {
    size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) {
      return in.size() - pos > kMaxChunkLine ? Complete(in.size())
                                             : Incomplete();
    }
    const std::string line(in.substr(pos, nl - pos));
    char* parsed = nullptr;
    const unsigned long length = std::strtoul(line.c_str(), &parsed, 16);
    pos = nl + 1;
    if (parsed == line.c_str() || length == ULONG_MAX) return Complete(pos);
    if (length == 0) break;
    total += length;
    if (total > kMaxBody) return Refuse(413);
    if (in.size() - pos < length) return Incomplete();
    pos += length;
    nl = in.find('\n', pos);  // the CRLF after the data
    if (nl == std::string_view::npos) return Incomplete();
    pos = nl + 1;
  }
  const size_t nl = in.find('\n', pos);  // the CRLF after the last chunk
  if (nl == std::string_view::npos) return Incomplete();
  return Complete(nl + 1);
}

Scan ScanRequest(std::string_view in) {
  const size_t line_end = in.find('\n');
  if (line_end == std::string_view::npos) {
    return in.size() > kMaxRequestLine ? Refuse(414) : Incomplete();
  }
  if (line_end > kMaxRequestLine) return Refuse(414);
  const size_t blank = in.find("\n\r\n", line_end);
  if (blank == std::string_view::npos) {
    return in.size() > kMaxHeaders ? Refuse(431) : Incomplete();
  }
  const size_t body = blank + 3;
  if (body > kMaxHeaders) return Refuse(431);

  // The first value of each header, as httplib takes it; httplib skips a
  // line without CR.
  std::optional<std::string_view> length, encoding, expect;
  for (size_t pos = line_end + 1; pos <= blank;) {
    const size_t nl = in.find('\n', pos);
    std::string_view line = in.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line.back() != '\r') continue;
    line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (!length && IEquals(name, "Content-Length")) length = value;
    if (!encoding && IEquals(name, "Transfer-Encoding")) encoding = value;
    if (!expect && IEquals(name, "Expect")) expect = value;
  }

  // httplib reads a body for these methods only.
  const std::string_view method =
      in.substr(0, std::min(in.find(' '), line_end));
  if (method != "POST" && method != "PUT" && method != "PATCH" &&
      method != "DELETE" && method != "PRI") {
    return Complete(body);
  }
  Scan scan;
  if (encoding && IEquals(*encoding, "chunked")) {
    scan = ScanChunked(in, body);
  } else if (length) {
    const uint64_t n = std::strtoull(std::string(*length).c_str(), nullptr, 10);
    if (n > kMaxBody) return Refuse(413);
    if (in.size() - body >= n) scan = Complete(body + n);
  } else {
    // Neither: no body (RFC 9112 6.3), where httplib would read to the
    // client's shutdown and so wait for a client that waits for it.
    scan = Complete(body);
  }
  scan.wants_continue = expect && *expect == "100-continue";
  return scan;
}

const char* Reason(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

std::string ClosingAnswer(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
         "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// One complete request as an httplib stream: reads come from the buffered
// request (and end with it), writes collect the answer.
class BufferStream : public httplib::Stream {
 public:
  // `continued`: the reader already sent "100 Continue", so httplib's is
  // dropped.
  BufferStream(std::string_view request, int fd, bool continued)
      : request_(request), fd_(fd), continued_(continued) {}

  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, request_.size() - consumed_);
    std::memcpy(ptr, request_.data() + consumed_, n);
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    const std::string_view data(ptr, size);
    if (continued_ && out_.empty() && data == kContinue) return size;
    out_.append(data);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  socket_t socket() const override { return fd_; }

  bool AllRead() const { return consumed_ == request_.size(); }
  std::string TakeOutput() { return std::move(out_); }

 private:
  const std::string_view request_;
  const int fd_;
  const bool continued_;
  size_t consumed_ = 0;
  std::string out_;
};

// Up to `max` threads, started when jobs wait and none is idle, each ending
// after kWorkerIdle without a job.
class WorkerPool {
 public:
  explicit WorkerPool(size_t max) : max_(std::max<size_t>(max, 1)) {}
  // Runs the queued jobs, then joins every thread.
  ~WorkerPool() {
    std::list<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      threads.splice(threads.end(), threads_);
      threads.splice(threads.end(), finished_);
    }
    cv_.notify_all();
    for (std::thread& t : threads) t.join();
  }

  void Submit(std::function<void()> job) {
    std::list<std::thread> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished.swap(finished_);
      jobs_.push_back(std::move(job));
      if (idle_ < jobs_.size() && threads_.size() < max_) {
        threads_.emplace_back();
        auto self = std::prev(threads_.end());
        *self = std::thread([this, self] { Work(self); });
      }
    }
    cv_.notify_one();
    for (std::thread& t : finished) t.join();
  }

 private:
  void Work(std::list<std::thread>::iterator self) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      const bool woken = cv_.wait_for(
          lock, kWorkerIdle, [this] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (!jobs_.empty()) {
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
        continue;
      }
      if (stopping_) return;  // the destructor joins this thread
      if (!woken) {
        // Idle too long: the next Submit (or the destructor) joins it.
        finished_.splice(finished_.end(), threads_, self);
        return;
      }
    }
  }

  const size_t max_;
  std::mutex mu_;  // Guards everything below.
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;   // running
  std::list<std::thread> finished_;  // returned; to be joined
  size_t idle_ = 0;                  // threads waiting for a job
  bool stopping_ = false;
};

}  // namespace

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
  Loop(UnixHttpServer* server, int listen_fd)
      : server_(*server),
        options_(server->options_),
        listen_fd_(listen_fd),
        pool_(server->options_.max_workers) {}
  ~Loop() {
    for (auto& [fd, conn] : conns_) ::close(fd);
  }

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
    Clock::time_point deadline;
  };
  struct Finished {
    int fd;
    std::string answer;
    bool close;
  };

  void Accept();
  bool EvictOldest();
  void OnReadable(int fd, Conn& conn);
  void Advance(int fd, Conn& conn);
  void Dispatch(int fd, Conn& conn, size_t end);
  void TakeFinished();
  void Answer(int fd, Conn& conn, std::string answer, bool close);
  void Write(int fd, Conn& conn);
  void Expire();
  void Close(int fd);
  void Wake() {
    const uint64_t one = 1;
    (void)!::write(server_.wake_fd_, &one, sizeof(one));
  }

  UnixHttpServer& server_;
  const Options& options_;
  const int listen_fd_;
  std::unordered_map<int, Conn> conns_;  // Run's thread only.
  size_t buffered_ = 0;                  // sum of conns_[*].in.size()
  size_t working_ = 0;                   // connections in kWorking
  bool accept_failed_ = false;
  Clock::time_point accept_paused_until_;

  std::mutex finished_mu_;  // Guards finished_.
  std::vector<Finished> finished_;
  // Last: destroyed first, so no job outlives the members it uses.
  WorkerPool pool_;
};

bool UnixHttpServer::Loop::Serve() {
  std::vector<pollfd> fds;
  for (;;) {
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(server_.mu_);
      stopping = server_.stopped_;
    }
    if (stopping) {
      // Only answers already being made are finished.
      std::vector<int> idle;
      for (auto& [fd, conn] : conns_) {
        if (conn.state == State::kReading || conn.state == State::kDraining) {
          idle.push_back(fd);
        } else {
          conn.close_after = true;
        }
      }
      for (int fd : idle) Close(fd);
      if (conns_.empty()) return true;
    }
    if (accept_failed_) return false;

    const Clock::time_point now = Clock::now();
    Clock::time_point wake = now + std::chrono::seconds(60);
    fds.clear();
    fds.push_back({server_.wake_fd_, POLLIN, 0});
    if (!stopping) {
      if (now >= accept_paused_until_) {
        fds.push_back({listen_fd_, POLLIN, 0});
      } else {
        wake = accept_paused_until_;
      }
    }
    const size_t first_conn = fds.size();
    for (auto& [fd, conn] : conns_) {
      if (conn.state == State::kWorking) continue;
      wake = std::min(wake, conn.deadline);
      fds.push_back(
          {fd,
           static_cast<short>(conn.state == State::kWriting ? POLLOUT : POLLIN),
           0});
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
    const int n = ::poll(fds.data(), fds.size(),
                         static_cast<int>(std::max<int64_t>(wait.count(), 0)));
    if (n < 0 && errno != EINTR) {
      spdlog::error("poll() on the plugin socket's connections: {}",
                    std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (n > 0) {
      if (fds[0].revents != 0) {
        uint64_t count;
        (void)!::read(server_.wake_fd_, &count, sizeof(count));
      }
      for (size_t i = first_conn; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        auto it = conns_.find(fds[i].fd);
        if (it == conns_.end()) continue;
        if (it->second.state == State::kWriting) {
          Write(it->first, it->second);
        } else {
          OnReadable(it->first, it->second);
        }
      }
      if (first_conn == 2 && fds[1].revents != 0) Accept();
    }
    TakeFinished();
    Expire();
  }
}

void UnixHttpServer::Loop::Accept() {
  for (size_t i = 0; i < kAcceptBurst; ++i) {
    const int fd =
        ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (err == EINTR || err == ECONNABORTED) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        // Out of descriptors or memory: make room at an idle client's cost.
        if (EvictOldest()) continue;
        accept_paused_until_ = Clock::now() + kAcceptPause;
        return;
      }
      spdlog::error("accepting a connection on the plugin socket: {}",
                    std::strerror(err));
      accept_failed_ = true;
      return;
    }
    if (conns_.size() >= options_.max_connections && !EvictOldest()) {
      ::close(fd);  // every connection is being answered
      continue;
    }
    Conn& conn = conns_[fd];
    conn.deadline = Clock::now() + options_.request_timeout;
  }
}

bool UnixHttpServer::Loop::EvictOldest() {
  auto oldest = conns_.end();
  for (auto it = conns_.begin(); it != conns_.end(); ++it) {
    const State state = it->second.state;
    if ((state == State::kReading || state == State::kDraining) &&
        (oldest == conns_.end() ||
         it->second.deadline < oldest->second.deadline)) {
      oldest = it;
    }
  }
  if (oldest == conns_.end()) return false;
  spdlog::debug(
      "too many connections on the plugin socket: closing the "
      "oldest idle one");
  Close(oldest->first);
  return true;
}

void UnixHttpServer::Loop::OnReadable(int fd, Conn& conn) {
  char buf[kReadChunk];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Close(fd);
    return;
  }
  if (conn.state == State::kDraining) {
    if (n == 0) Close(fd);
    return;
  }
  if (n == 0) {
    conn.eof = true;
  } else {
    conn.in.append(buf, static_cast<size_t>(n));
    buffered_ += static_cast<size_t>(n);
  }
  Advance(fd, conn);  // may close fd
  while (buffered_ > options_.max_buffered) {
    // Too much in partial requests: drop the biggest. Never a connection a
    // worker answers: its descriptor must stay its own until then.
    auto biggest = conns_.end();
    for (auto it = conns_.begin(); it != conns_.end(); ++it) {
      if (it->second.state != State::kWorking &&
          (biggest == conns_.end() ||
           it->second.in.size() > biggest->second.in.size())) {
        biggest = it;
      }
    }
    if (biggest == conns_.end() || biggest->second.in.empty()) break;
    spdlog::warn(
        "{} bytes of partial requests on the plugin socket: closing a "
        "connection that sent {}",
        buffered_, biggest->second.in.size());
    Close(biggest->first);
  }
}

void UnixHttpServer::Loop::Advance(int fd, Conn& conn) {
  if (conn.state != State::kReading) return;
  const Scan scan = ScanRequest(conn.in);
  switch (scan.kind) {
    case Scan::kComplete:
      Dispatch(fd, conn, scan.end);
      return;
    case Scan::kRefuse:
      buffered_ -= conn.in.size();
      conn.in.clear();
      Answer(fd, conn, ClosingAnswer(scan.status), true);
      return;
    case Scan::kIncomplete:
      if (conn.eof) {
        Close(fd);  // the client gave up on its request
        return;
      }
      if (scan.wants_continue && !conn.continued) {
        conn.continued = true;
        (void)!::send(fd, kContinue.data(), kContinue.size(),
                      MSG_DONTWAIT | MSG_NOSIGNAL);
      }
      return;
  }
}

void UnixHttpServer::Loop::Dispatch(int fd, Conn& conn, size_t end) {
  std::string request = conn.in.substr(0, end);
  conn.in.erase(0, end);
  buffered_ -= end;
  conn.state = State::kWorking;
  ++working_;
  const bool close =
      ++conn.answered >= server_.listener_->keep_alive_max_count();
  pool_.Submit([this, fd, close, continued = conn.continued,
                request = std::move(request)] {
    BufferStream stream(request, fd, continued);
    bool closed = false;
    const bool answered = server_.listener_->Answer(stream, close, closed);
    // A request whose body was not read to its end leaves the connection
    // where nothing can follow.
    Finished finished{fd, stream.TakeOutput(),
                      !answered || close || closed || !stream.AllRead()};
    {
      std::lock_guard<std::mutex> lock(finished_mu_);
      finished_.push_back(std::move(finished));
    }
    Wake();
  });
}

void UnixHttpServer::Loop::TakeFinished() {
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(finished_mu_);
    finished.swap(finished_);
  }
  for (Finished& f : finished) {
    --working_;
    auto it = conns_.find(f.fd);
    if (it == conns_.end()) continue;
    it->second.continued = false;
    Answer(f.fd, it->second, std::move(f.answer),
           f.close || it->second.close_after);
  }
}

void UnixHttpServer::Loop::Answer(int fd, Conn& conn, std::string answer,
                                  bool close) {
  conn.state = State::kWriting;
  conn.out = std::move(answer);
  conn.out_sent = 0;
  conn.close_after = close;
  conn.deadline = Clock::now() + options_.write_timeout;
  Write(fd, conn);
}

void UnixHttpServer::Loop::Write(int fd, Conn& conn) {
  while (conn.out_sent < conn.out.size()) {
    const ssize_t n =
        ::send(fd, conn.out.data() + conn.out_sent,
               conn.out.size() - conn.out_sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // POLLOUT later
      if (errno == EINTR) continue;
      Close(fd);
      return;
    }
    conn.out_sent += static_cast<size_t>(n);
  }
  conn.out.clear();
  conn.out.shrink_to_fit();
  conn.deadline = Clock::now() + options_.request_timeout;
  if (conn.close_after) {
    // Read what the client still sends until it closes, so that it sees the
    // answer rather than a reset.
    ::shutdown(fd, SHUT_WR);
    buffered_ -= conn.in.size();
    conn.in.clear();
    conn.in.shrink_to_fit();
    conn.state = State::kDraining;
    return;
  }
  conn.state = State::kReading;
  Advance(fd, conn);  // a request may already be buffered
}

void UnixHttpServer::Loop::Expire() {
  const Clock::time_point now = Clock::now();
  std::vector<int> late;
  for (auto& [fd, conn] : conns_) {
    if (conn.state != State::kWorking && conn.deadline <= now) {
      late.push_back(fd);
    }
  }
  for (int fd : late) {
    Conn& conn = conns_[fd];
    if (conn.state == State::kReading && !conn.in.empty()) {
      // Part of a request came: say why the connection ends.
      const std::string answer = ClosingAnswer(408);
      (void)!::send(fd, answer.data(), answer.size(),
                    MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    Close(fd);
  }
}

void UnixHttpServer::Loop::Close(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  buffered_ -= it->second.in.size();
  conns_.erase(it);
  ::close(fd);
}

UnixHttpServer::UnixHttpServer(PostHandler post, Options options)
    : options_(options),
      listener_(std::make_unique<Listener>()),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) {
    spdlog::critical("eventfd() for the plugin socket's loop: {}",
                     std::strerror(errno));
    std::abort();
  }
  listener_->set_payload_max_length(kMaxBody);
  // What Keep-Alive answers announce.
  listener_->set_keep_alive_timeout(static_cast<time_t>(std::max<int64_t>(
      1, std::chrono::ceil<std::chrono::seconds>(options_.request_timeout)
             .count())));
  // The body is read here, not by httplib: httplib 0.11 applies the payload
  // limit to Content-Length bodies only, and would buffer a chunked body of
  // any size.
  listener_->Post(".*", [post = std::move(post)](
                            const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& read) {
    if (req.is_multipart_form_data()) {  // never Docker's; read() needs more
      res.status = 415;
      return;
    }
    std::string body;
    bool too_big = false;
    const bool complete = read([&](const char* data, size_t length) {
      too_big = body.size() + length > kMaxBody;
      if (!too_big) body.append(data, length);
      return !too_big;
    });
    if (!complete) {  // httplib set 413 for a Content-Length too large
      if (too_big || res.status < 400) res.status = too_big ? 413 : 400;
      return;
    }
    Send(post(req.path, body), res);
  });
  listener_->Get(".*",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   auto it = get_routes_.find(req.path);
                   if (it == get_routes_.end()) {
                     res.status = 404;
                     return;
                   }
                   Send(it->second(), res);
                 });
}

UnixHttpServer::~UnixHttpServer() {
  Stop();
  ::close(wake_fd_);
}

Status UnixHttpServer::Bind(const std::string& path, mode_t mode,
                            std::optional<gid_t> group) {
  Result<sockaddr_un> addr = Address(path);
  if (!addr.ok()) return addr.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || !path_.empty()) {
    return Status::FailedPrecondition("binding " + path +
                                      ": the server is already bound or "
                                      "stopped");
  }
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IoError("creating directory " + parent.string() +
                           " for socket " + path + ": " + ec.message());
  }
  HOSTNIC_RETURN_IF_ERROR(RemoveStale(path, *addr));

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoError("creating a socket for " + path);
  Status status;
  struct stat st {};
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) !=
      0) {
    ::close(fd);
    return ErrnoError("binding socket " + path);
  }
  // Nobody can connect before listen(), so the mode is right from the first
  // connection on even though bind() honoured the umask.
  if (::chmod(path.c_str(), mode) != 0) {
    status = ErrnoError("setting the mode of socket " + path);
  } else if (group &&
             ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    status = ErrnoError("giving socket " + path + " to group " +
                        std::to_string(*group));
  } else if (::listen(fd, SOMAXCONN) != 0) {
    status = ErrnoError("listening on socket " + path);
  } else if (::stat(path.c_str(), &st) != 0) {
    status = ErrnoError("checking socket " + path);
  }
  if (!status.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }
  path_ = path;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  owns_file_ = true;
  listen_fd_ = fd;
  return Status::Ok();
}

Status UnixHttpServer::Adopt(int fd) {
  auto refuse = [fd](Status status) {
    ::close(fd);
    return status;
  };
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || listen_fd_ >= 0 || !path_.empty()) {
    return refuse(
        Status::FailedPrecondition("adopting socket fd " + std::to_string(fd) +
                                   ": the server is already bound or stopped"));
  }
  int domain = 0, type = 0, listening = 0;
  socklen_t len = sizeof(int);
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
    return refuse(
        ErrnoError("checking the socket passed as fd " + std::to_string(fd)));
  }
  len = sizeof(int);
  (void)::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
  len = sizeof(int);
  (void)::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
  if (domain != AF_UNIX || type != SOCK_STREAM || !listening) {
    return refuse(Status::FailedPrecondition(
        "the socket passed as fd " + std::to_string(fd) +
        " is not a listening unix stream socket (use ListenStream=PATH)"));
  }
  sockaddr_un addr{};
  len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return refuse(
        ErrnoError("naming the socket passed as fd " + std::to_string(fd)));
  }
  // Inherited descriptors come without close-on-exec.
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    return refuse(
        ErrnoError("setting close-on-exec on the socket passed as fd " +
                   std::to_string(fd)));
  }
  const size_t name_len = len > offsetof(sockaddr_un, sun_path)
                              ? len - offsetof(sockaddr_un, sun_path)
                              : 0;
  path_ = std::string(addr.sun_path, strnlen(addr.sun_path, name_len));
  if (path_.empty()) path_ = "fd " + std::to_string(fd);
  owns_file_ = false;
  listen_fd_ = fd;
  return Status::Ok();
}

std::string UnixHttpServer::path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return path_;
}

void UnixHttpServer::Get(const std::string& path,
                         std::function<Reply()> handler) {
  get_routes_[path] = std::move(handler);
}

void UnixHttpServer::Run() {
  int fd;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ || listen_fd_ < 0 || running_) return;
    running_ = true;
    fd = listen_fd_;
  }
  // accept() must not block the loop when a client gave up before it.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  bool served;
  {
    Loop loop(this, fd);
    served = loop.Serve();
  }
  std::lock_guard<std::mutex> lock(mu_);
  ::close(listen_fd_);
  listen_fd_ = -1;
  if (!served) {
    spdlog::error("stopped serving on socket {}: accepting a connection failed",
                  path_);
  }
}

void UnixHttpServer::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  if (running_) {
    const uint64_t one = 1;  // Run closes the socket on its way out
    (void)!::write(wake_fd_, &one, sizeof(one));
  } else if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  struct stat st;
  if (owns_file_ && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace hostnic::api
