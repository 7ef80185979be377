#include "http/unix_http_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "common/errno_status.h"
#include "http/http_request_scan.h"
#include "http/unix_http_loop.h"

namespace hostnic::http {

namespace {

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
    return ErrnoIoError("checking for an old socket at " + path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::FailedPrecondition(
        path + " exists and is not a socket; refusing to replace it");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoIoError("creating a socket to probe " + path);
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
    return ErrnoIoError("probing the existing socket " + path, err);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoIoError("removing the stale socket " + path);
  }
  spdlog::info("replaced stale socket {} (nobody was listening)", path);
  return Status::Ok();
}

void Send(const UnixHttpServer::Reply& reply, httplib::Response& res) {
  res.status = reply.http_status;
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

UnixHttpServer::UnixHttpServer(PostHandler post, Options options)
    : options_(options),
      listener_(std::make_unique<Listener>()),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) {
    spdlog::critical("eventfd() for the plugin socket's loop: {}",
                     ErrnoText(errno));
    std::abort();
  }
  listener_->set_payload_max_length(kMaxRequestBody);
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
    Loop::Call& call = *Loop::Current();
    if (call.ready != nullptr) {  // a deferred request, answered
      Send(*call.ready, res);
      return;
    }
    if (req.is_multipart_form_data()) {  // never Docker's; read() needs more
      res.status = 415;
      return;
    }
    std::string body;
    bool too_big = false;
    const bool complete = read([&](const char* data, size_t length) {
      too_big = body.size() + length > kMaxRequestBody;
      if (!too_big) body.append(data, length);
      return !too_big;
    });
    if (!complete) {  // httplib set 413 for a Content-Length too large
      if (too_big || res.status < 400) res.status = too_big ? 413 : 400;
      return;
    }
    // Whichever comes second, the handler's return or its answer, decides
    // where the answer goes: into `res` now, or through `call.resume`.
    struct Answer {
      Mutex mu;
      bool returned GUARDED_BY(mu) = false;
      std::optional<Reply> early GUARDED_BY(mu);
    };
    auto answer = std::make_shared<Answer>();
    post(req.path, body, [answer, resume = call.resume](Reply reply) {
      {
        MutexLock lock(&answer->mu);
        if (!answer->returned) {
          answer->early = std::move(reply);
          return;
        }
      }
      resume(std::move(reply));
    });
    MutexLock lock(&answer->mu);
    answer->returned = true;
    if (answer->early) {
      Send(*answer->early, res);
    } else {
      call.deferred = true;
    }
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
  MutexLock lock(&mu_);
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
  if (fd < 0) return ErrnoIoError("creating a socket for " + path);
  Status status;
  struct stat st {};
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) !=
      0) {
    ::close(fd);
    return ErrnoIoError("binding socket " + path);
  }
  // Nobody can connect before listen(), so the mode is right from the first
  // connection on even though bind() honoured the umask.
  if (::chmod(path.c_str(), mode) != 0) {
    status = ErrnoIoError("setting the mode of socket " + path);
  } else if (group &&
             ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    status = ErrnoIoError("giving socket " + path + " to group " +
                          std::to_string(*group));
  } else if (::listen(fd, SOMAXCONN) != 0) {
    status = ErrnoIoError("listening on socket " + path);
  } else if (::stat(path.c_str(), &st) != 0) {
    status = ErrnoIoError("checking socket " + path);
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
  MutexLock lock(&mu_);
  if (stopped_ || listen_fd_ >= 0 || !path_.empty()) {
    return refuse(
        Status::FailedPrecondition("adopting socket fd " + std::to_string(fd) +
                                   ": the server is already bound or stopped"));
  }
  int domain = 0, type = 0, listening = 0;
  socklen_t len = sizeof(int);
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
    return refuse(
        ErrnoIoError("checking the socket passed as fd " + std::to_string(fd)));
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
        ErrnoIoError("naming the socket passed as fd " + std::to_string(fd)));
  }
  // Inherited descriptors come without close-on-exec.
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    return refuse(
        ErrnoIoError("setting close-on-exec on the socket passed as fd " +
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
  MutexLock lock(&mu_);
  return path_;
}

void UnixHttpServer::Get(const std::string& path,
                         std::function<Reply()> handler) {
  get_routes_[path] = std::move(handler);
}

void UnixHttpServer::Run() {
  int fd;
  {
    MutexLock lock(&mu_);
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
  MutexLock lock(&mu_);
  ::close(listen_fd_);
  listen_fd_ = -1;
  if (!served) {
    spdlog::error("stopped serving on socket {}: accepting a connection failed",
                  path_);
  }
}

void UnixHttpServer::Stop() {
  MutexLock lock(&mu_);
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

}  // namespace hostnic::http
