// UnixServerTest: UnixHttpServer and UnixHttpClient over real unix sockets
// in a temp dir, with the real Handlers and Driver (over fakes) behind the
// socket; and raw-socket helpers for clients that misbehave.
#ifndef HOSTNIC_TESTS_INTEGRATION_UNIX_SERVER_TEST_H_
#define HOSTNIC_TESTS_INTEGRATION_UNIX_SERVER_TEST_H_

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "docker/handlers.h"
#include "fakes/driver_fixture.h"
#include "fakes/temp_dir.h"
#include "http/unix_http_server.h"

namespace hostnic::http::server_test {

// A connected client socket on `path`, or -1.
inline int Connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (fd >= 0 &&
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

// Whatever the server sends until it closes the connection, waiting at most
// `limit`; nullopt when it is still open then.
inline std::optional<std::string> ReadUntilClosed(
    int fd, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string got;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return std::nullopt;
    }
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return got;
    got.append(buf, static_cast<size_t>(n));
  }
}

inline bool SendAll(int fd, const std::string& data) {
  return send(fd, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

class UnixServerTest : public DriverFixture {
 protected:
  UnixServerTest() : handlers_(StartDriver()) {}

  void SetUp() override { ASSERT_FALSE(root_.empty()); }
  void TearDown() override {
    for (auto& server : servers_) server->Stop();
    for (auto& t : threads_) t.join();
    DriverFixture::TearDown();
  }

  // A server answering POSTs through the real Handlers.
  UnixHttpServer* NewServer(UnixHttpServer::Options options = {}) {
    servers_.push_back(std::make_unique<UnixHttpServer>(
        [this](const std::string& path, const std::string& body,
               UnixHttpServer::Respond respond) {
          handlers_.Handle(path, body, std::move(respond));
        },
        options));
    return servers_.back().get();
  }
  void RunInBackground(UnixHttpServer* server) {
    threads_.emplace_back([server] { server->Run(); });
  }
  // Binds and runs a server on path_.
  UnixHttpServer* Serve(UnixHttpServer::Options options = {}) {
    UnixHttpServer* server = NewServer(options);
    Status bound = server->Bind(path_);
    EXPECT_TRUE(bound.ok()) << bound.message();
    RunInBackground(server);
    return server;
  }
  // Serves with `request_timeout` and connects a client: its socket, or -1.
  int ServeAndConnect(std::chrono::milliseconds request_timeout) {
    UnixHttpServer::Options options;
    options.request_timeout = request_timeout;
    Serve(options);
    return Connect(path_);
  }
  mode_t ModeOf(const std::string& path) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode;
  }

  // Failures are expected here; their warnings would only be noise.
  ScopedLogLevel quiet_{spdlog::level::err};
  docker::Handlers handlers_;
  const TempDir tmp_{"unix"};
  const std::string root_ = tmp_.path();
  const std::string path_ = root_ + "/plugins/hostnic.sock";
  std::vector<std::unique_ptr<UnixHttpServer>> servers_;
  std::vector<std::thread> threads_;
};

}  // namespace hostnic::http::server_test

#endif  // HOSTNIC_TESTS_INTEGRATION_UNIX_SERVER_TEST_H_
