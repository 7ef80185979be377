#include "api/unix_http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

namespace hostnic::api {

namespace {

constexpr size_t kMaxBody = 1 << 20;  // Docker's requests are a few KiB.
// Concurrent requests served; see the constructor.
constexpr size_t kWorkers = 64;

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

// httplib::Server keeps its listening socket in the protected svr_sock_ and
// serves whatever socket is there from listen_after_bind(): that is the seam
// for a unix socket.
class UnixHttpServer::Listener : public httplib::Server {
 public:
  void Adopt(int fd) { svr_sock_ = fd; }
  // Returns the listening socket (or INVALID_SOCKET) and leaves none; the
  // accept loop ends when it sees none.
  int Release() { return svr_sock_.exchange(INVALID_SOCKET); }
};

UnixHttpServer::UnixHttpServer(PostHandler post)
    : listener_(std::make_unique<Listener>()) {
  // A request waiting for a hot-plugged NIC or an attach hook holds its
  // worker for seconds; httplib's default pool (8) would starve the rest.
  listener_->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  listener_->set_payload_max_length(kMaxBody);
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

UnixHttpServer::~UnixHttpServer() { Stop(); }

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
  listener_->Adopt(fd);
  return Status::Ok();
}

void UnixHttpServer::Get(const std::string& path,
                         std::function<Reply()> handler) {
  get_routes_[path] = std::move(handler);
}

void UnixHttpServer::Run() {
  if (listener_->listen_after_bind()) return;
  // accept() failed and httplib closed the socket but left its number in
  // svr_sock_, where Stop must not close it a second time.
  std::lock_guard<std::mutex> lock(mu_);
  listener_->Release();
  spdlog::error("stopped serving on socket {}: accepting a connection failed",
                path_);
}

void UnixHttpServer::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  const int fd = listener_->Release();
  if (fd != INVALID_SOCKET) {
    // shutdown() wakes the accept loop, wherever it is blocked.
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }
  struct stat st;
  if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace hostnic::api
