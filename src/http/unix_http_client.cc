#include "http/unix_http_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include "common/errno_status.h"
#include "common/strings.h"

namespace hostnic::http {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct Head {
  int status = 0;
  std::optional<size_t> content_length;  // Absent: the body ends at EOF.
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Parses the status line and headers (`head` ends before the blank line).
Result<Head> ParseHead(const std::string& head) {
  const size_t line_end = std::min(head.find("\r\n"), head.size());
  const std::string status_line = head.substr(0, line_end);
  Head parsed;
  // "HTTP/1.1 200 OK"
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 ||
      status_line[8] != ' ' ||
      std::from_chars(status_line.data() + 9, status_line.data() + 12,
                      parsed.status)
              .ptr != status_line.data() + 12) {
    return Status::IoError(
        "the reply does not start with an HTTP status "
        "line: \"" +
        status_line + "\"");
  }
  size_t pos = line_end;
  while (pos < head.size()) {
    pos += 2;  // "\r\n"
    const size_t end = std::min(head.find("\r\n", pos), head.size());
    const std::string line = head.substr(pos, end - pos);
    pos = end;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = Lower(std::string(Trim(line.substr(0, colon))));
    const std::string value(Trim(line.substr(colon + 1)));
    if (name == "content-length") {
      size_t length = 0;
      auto [ptr, ec] =
          std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return Status::IoError("the reply has a bad Content-Length: \"" +
                               value + "\"");
      }
      parsed.content_length = length;
    } else if (name == "transfer-encoding" && Lower(value) != "identity") {
      return Status::IoError("the reply uses Transfer-Encoding \"" + value +
                             "\", which this client does not read");
    }
  }
  return parsed;
}

// Waits for `fd` to become readable before `deadline` and appends what
// arrives to `data`. Returns false at end of stream.
Result<bool> ReadSome(int fd, Clock::time_point deadline, std::string* data) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return Status::Timeout("no complete reply in time");
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      return Status::IoError("waiting for the reply: " + ErrnoText(errno));
    }
    if (ready <= 0) continue;
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::IoError("reading the reply: " + ErrnoText(errno));
    }
    data->append(buf, static_cast<size_t>(n));
    return n > 0;
  }
}

Result<UnixHttpClient::Response> Exchange(const std::string& socket_path,
                                          std::chrono::milliseconds timeout,
                                          const std::string& request) {
  const Clock::time_point deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("the socket path is too long");
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    return Status::IoError("creating a socket: " + ErrnoText(errno));
  }
  // Bounds connect() (a full backlog) and send() on a unix socket.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                sizeof(addr)) != 0) {
    return Status::IoError("connecting: " + ErrnoText(errno));
  }
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd.get(), request.data() + sent,
                             request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN)
        return Status::Timeout("sending the request timed out");
      return Status::IoError("sending the request: " + ErrnoText(errno));
    }
    sent += static_cast<size_t>(n);
  }

  std::string data;
  std::optional<Head> head;
  size_t body_start = 0;
  while (true) {
    if (!head) {
      const size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        Result<Head> parsed = ParseHead(data.substr(0, end));
        if (!parsed.ok()) return parsed.status();
        head = *parsed;
        body_start = end + 4;
      }
    }
    if (head && head->content_length &&
        data.size() - body_start >= *head->content_length) {
      break;
    }
    Result<bool> more = ReadSome(fd.get(), deadline, &data);
    if (!more.ok()) return more.status();
    if (*more) continue;
    if (head && !head->content_length) break;
    return Status::IoError(
        "the server closed the connection before a "
        "complete reply");
  }
  UnixHttpClient::Response response;
  response.status = head->status;
  response.body = data.substr(
      body_start, head->content_length.value_or(data.size() - body_start));
  return response;
}

}  // namespace

UnixHttpClient::UnixHttpClient(std::string socket_path,
                               std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

Result<UnixHttpClient::Response> UnixHttpClient::Post(
    const std::string& path, const std::string& body) const {
  return Send("POST", path, body);
}

Result<UnixHttpClient::Response> UnixHttpClient::Get(
    const std::string& path) const {
  return Send("GET", path, "");
}

Result<UnixHttpClient::Response> UnixHttpClient::Send(
    const std::string& method, const std::string& path,
    const std::string& body) const {
  std::string request = method + " " + path +
                        " HTTP/1.1\r\nHost: hostnic\r\nConnection: close\r\n";
  if (method == "POST") {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  Result<Response> response = Exchange(socket_path_, timeout_, request);
  if (!response.ok()) {
    return response.status().Annotate(method + " " + path + " on socket " +
                                      socket_path_);
  }
  return response;
}

}  // namespace hostnic::http
