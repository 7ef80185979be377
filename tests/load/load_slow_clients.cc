// hostnic_load's slow clients (see load.h).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "http/unix_http_client.h"
#include "load/load.h"

namespace hostnic_load {

namespace {

using hostnic::http::UnixHttpClient;

int ConnectToDaemon() {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof(addr.sun_path) - 1);
  if (fd >= 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    fd = -1;
  }
  return fd;
}

// True once the daemon has closed `fd` (readable: EOF, or a 408 then EOF).
bool ClosedByDaemon(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
  }
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

void SlowClients() {
  const int n = opt.slow_clients;
  std::vector<int> fds;
  const std::string half =
      "POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: plugin\r\n"
      "Content-Length: 1000\r\n\r\n{\"NetworkID\":\"slow\"";
  const auto opened = Clock::now();
  for (int i = 0; i < 2 * n; ++i) {
    const int fd = ConnectToDaemon();
    if (fd < 0) {
      Problem("slow clients: connection " + std::to_string(i) +
              " to the daemon failed: " + std::strerror(errno));
      break;
    }
    fds.push_back(fd);
    if (i % 2 == 1 && ::send(fd, half.data(), half.size(), MSG_NOSIGNAL) !=
                          static_cast<ssize_t>(half.size())) {
      Problem("slow clients: sending half a request failed");
    }
  }
  // Docker's calls, one after the other.
  constexpr int kCalls = 20;
  std::vector<double> ms;
  const UnixHttpClient client(sock_path, std::chrono::seconds(60));
  for (int i = 0; i < kCalls; ++i) {
    const auto t = Clock::now();
    auto r = client.Post("/Plugin.Activate", "{}");
    ms.push_back(Ms(Clock::now() - t));
    if (!r.ok() || r->status != 200) {
      Problem("slow clients: Plugin.Activate failed: " +
              (r.ok() ? "HTTP " + std::to_string(r->status)
                      : r.status().message()));
    }
  }
  const auto answered = Clock::now();
  // The daemon's threads while the clients hang on.
  std::string threads = "?";
  {
    std::ifstream st("/proc/" + std::to_string(daemon_pid.load()) + "/status");
    for (std::string line; std::getline(st, line);) {
      if (line.rfind("Threads:", 0) == 0) threads = line.substr(9);
    }
  }
  size_t cut_early = 0;
  for (int fd : fds) cut_early += ClosedByDaemon(fd) ? 1 : 0;
  if (cut_early > 0) {
    Problem("slow clients: " + std::to_string(cut_early) +
            " were cut before Docker's calls were answered (" +
            std::to_string(static_cast<int>(Ms(answered - opened))) +
            " ms after they connected)");
  }
  // Every one of them is cut, each after the daemon's request timeout.
  std::vector<bool> open(fds.size(), true);
  size_t left = fds.size();
  double first_cut = -1, last_cut = -1;
  const auto give_up = opened + std::chrono::seconds(20);
  for (;;) {  // at least one look, however late
    for (size_t i = 0; i < fds.size(); ++i) {
      if (open[i] && ClosedByDaemon(fds[i])) {
        open[i] = false;
        --left;
        last_cut = Ms(Clock::now() - opened) / 1000;
        if (first_cut < 0) first_cut = last_cut;
      }
    }
    if (left == 0 || Clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int fd : fds) ::close(fd);
  if (left > 0) {
    Problem("slow clients: " + std::to_string(left) + " of " +
            std::to_string(fds.size()) + " still connected after 20 s");
  }
  const double first_ms = ms.front();
  std::sort(ms.begin(), ms.end());
  std::printf(
      "slow clients: %d idle + %d half-body connections: Plugin.Activate "
      "first %.2f ms, p50 %.2f ms, max %.2f ms (%d calls); clients cut "
      "%.1f-%.1f s after connecting; daemon threads meanwhile: %s\n",
      n, n, first_ms, ms[ms.size() / 2], ms.back(), kCalls, first_cut, last_cut,
      threads.c_str());
  std::fflush(stdout);
}

}  // namespace hostnic_load
