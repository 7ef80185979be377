#include "http/unix_http_loop.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include "common/errno_status.h"
#include "http/http_request_scan.h"

namespace hostnic::http {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 64 << 10;  // One recv() per readable socket.
constexpr size_t kAcceptBurst = 64;      // accept()s per wake-up.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

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
    if (continued_ && out_.empty() && data == kContinueAnswer) return size;
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

}  // namespace

UnixHttpServer::Loop::Loop(UnixHttpServer* server, int listen_fd)
    : server_(*server),
      options_(server->options_),
      listen_fd_(listen_fd),
      pool_(server->options_.max_workers) {}

UnixHttpServer::Loop::~Loop() {
  for (auto& [fd, conn] : conns_) ::close(fd);
}

void UnixHttpServer::Loop::Wake() {
  const uint64_t one = 1;
  (void)!::write(server_.wake_fd_, &one, sizeof(one));
}

bool UnixHttpServer::Loop::Serve() {
  std::vector<pollfd> fds;
  for (;;) {
    bool stopping;
    {
      MutexLock lock(&server_.mu_);
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
                    ErrnoText(errno));
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
                    ErrnoText(err));
      accept_failed_ = true;
      return;
    }
    if (conns_.size() >= options_.max_connections && !EvictOldest()) {
      ::close(fd);  // every connection is being answered
      continue;
    }
    Conn& conn = conns_[fd];
    conn.deadline = Clock::now() + options_.request_timeout;
    // A client usually sends its request with the connection: read it now
    // rather than after another poll().
    OnReadable(fd, conn);
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
  const RequestScan scan = ScanRequest(conn.in);
  switch (scan.kind) {
    case RequestScan::kComplete:
      Dispatch(fd, conn, scan.end);
      return;
    case RequestScan::kRefuse:
      buffered_ -= conn.in.size();
      conn.in.clear();
      Answer(fd, conn, ClosingAnswer(scan.status), true);
      return;
    case RequestScan::kIncomplete:
      if (conn.eof) {
        Close(fd);  // the client gave up on its request
        return;
      }
      if (scan.wants_continue && !conn.continued) {
        conn.continued = true;
        (void)!::send(fd, kContinueAnswer.data(), kContinueAnswer.size(),
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
  pool_.Submit(
      [this, fd, close, continued = conn.continued,
       request = std::make_shared<const std::string>(std::move(request))] {
        Process(fd, close, continued, request, nullptr);
      });
}

UnixHttpServer::Loop::Call*& UnixHttpServer::Loop::Current() {
  thread_local Call* current = nullptr;
  return current;
}

void UnixHttpServer::Loop::Process(
    int fd, bool close, bool continued,
    const std::shared_ptr<const std::string>& request, const Reply* ready) {
  Call call;
  call.ready = ready;
  call.resume = [this, fd, close, continued, request](Reply reply) {
    Process(fd, close, continued, request, &reply);
  };
  BufferStream stream(*request, fd, continued);
  bool closed = false;
  Current() = &call;
  const bool answered = server_.listener_->Answer(stream, close, closed);
  Current() = nullptr;
  if (call.deferred) return;  // `resume` comes back here
  // A request whose body was not read to its end leaves the connection
  // where nothing can follow.
  Finished finished{fd, stream.TakeOutput(),
                    !answered || close || closed || !stream.AllRead(), 0};
  // Sent from here, so that the client has its answer without waiting for
  // Run's thread to wake; Run's thread owns everything else about the
  // connection, and never touches it while a worker has its request.
  const ssize_t n = ::send(fd, finished.answer.data(), finished.answer.size(),
                           MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n > 0) finished.sent = static_cast<size_t>(n);
  {
    MutexLock lock(&finished_mu_);
    finished_.push_back(std::move(finished));
  }
  Wake();
}

void UnixHttpServer::Loop::TakeFinished() {
  std::vector<Finished> finished;
  {
    MutexLock lock(&finished_mu_);
    finished.swap(finished_);
  }
  for (Finished& f : finished) {
    --working_;
    auto it = conns_.find(f.fd);
    if (it == conns_.end()) continue;
    it->second.continued = false;
    Answer(f.fd, it->second, std::move(f.answer),
           f.close || it->second.close_after, f.sent);
  }
}

void UnixHttpServer::Loop::Answer(int fd, Conn& conn, std::string answer,
                                  bool close, size_t sent) {
  conn.state = State::kWriting;
  conn.out = std::move(answer);
  conn.out_sent = sent;
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

}  // namespace hostnic::http
