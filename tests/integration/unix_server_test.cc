// UnixHttpServer and UnixHttpClient over real unix sockets in a temp dir,
// with the real Handlers and Driver (over fakes) behind the socket.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "api/handlers.h"
#include "api/unix_http_client.h"
#include "api/unix_http_server.h"
#include "fakes/driver_fixture.h"

namespace hostnic::api {
namespace {

namespace fs = std::filesystem;
using ::nlohmann::json;
using ::testing::HasSubstr;

// A connected client socket on `path`, or -1.
int Connect(const std::string& path) {
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
std::optional<std::string> ReadUntilClosed(int fd,
                                           std::chrono::milliseconds limit) {
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

bool SendAll(int fd, const std::string& data) {
  return send(fd, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

class UnixServerTest : public DriverFixture {
 protected:
  UnixServerTest() : handlers_(StartDriver()) {}

  void SetUp() override {
    char pattern[] = "/tmp/hostnic-unix-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    path_ = root_ + "/plugins/hostnic.sock";
  }
  void TearDown() override {
    for (auto& server : servers_) server->Stop();
    for (auto& t : threads_) t.join();
    fs::remove_all(root_);
    DriverFixture::TearDown();
  }

  // A server answering POSTs through the real Handlers.
  UnixHttpServer* NewServer(UnixHttpServer::Options options = {}) {
    servers_.push_back(std::make_unique<UnixHttpServer>(
        [this](const std::string& path, const std::string& body) {
          return handlers_.Handle(path, body);
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
  mode_t ModeOf(const std::string& path) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode;
  }

  // Failures are expected here; their warnings would only be noise.
  ScopedLogLevel quiet_{spdlog::level::err};
  Handlers handlers_;
  std::string root_;
  std::string path_;
  std::vector<std::unique_ptr<UnixHttpServer>> servers_;
  std::vector<std::thread> threads_;
};

TEST_F(UnixServerTest, ServesThePluginProtocol) {
  Serve();
  UnixHttpClient client(path_);
  Result<UnixHttpClient::Response> r = client.Post("/Plugin.Activate", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"Implements": ["NetworkDriver"]})"));

  r = client.Post("/NetworkDriver.GetCapabilities", "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(json::parse(r->body)["Scope"], "local");

  // A driver error is a 200 with Err, as Docker expects.
  r = client.Post("/NetworkDriver.CreateEndpoint", "{\"NetworkID\": 1}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(json::parse(r->body)["Err"].get<std::string>(),
              HasSubstr("NetworkID"));
}

TEST_F(UnixServerTest, SocketIsPrivateByDefault) {
  Serve();
  const mode_t mode = ModeOf(path_);
  EXPECT_TRUE(S_ISSOCK(mode));
  EXPECT_EQ(mode & 07777, 0600u);
}

TEST_F(UnixServerTest, SocketCanBeSharedWithAGroup) {
  const gid_t group = 12345;
  UnixHttpServer* server = NewServer();
  ASSERT_TRUE(server->Bind(path_, 0660, group).ok());
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, group);
}

TEST_F(UnixServerTest, UnknownPathsAndMethodsAre404) {
  UnixHttpServer* server = NewServer();
  ASSERT_TRUE(server->Bind(path_).ok());
  server->Get("/health", [] {
    return UnixHttpServer::Reply{200, "ok\n", "text/plain"};
  });
  RunInBackground(server);
  UnixHttpClient client(path_);

  Result<UnixHttpClient::Response> r = client.Post("/NetworkDriver.Nope", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 404);
  EXPECT_THAT(r->body, HasSubstr("/NetworkDriver.Nope"));

  r = client.Get("/health");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");

  r = client.Get("/status");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 404);

  // A POST-only path over GET.
  r = client.Get("/Plugin.Activate");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 404);
}

TEST_F(UnixServerTest, StaleSocketIsReplaced) {
  // A socket file nobody listens on, as a crash leaves it.
  fs::create_directories(fs::path(path_).parent_path());
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path_.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  ASSERT_TRUE(fs::is_socket(path_));

  Serve();
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
}

TEST_F(UnixServerTest, LiveSocketIsRefused) {
  Serve();
  UnixHttpServer* second = NewServer();
  Status bound = second->Bind(path_);
  EXPECT_EQ(bound.code(), Code::kFailedPrecondition);
  EXPECT_THAT(bound.message(), HasSubstr(path_));
  EXPECT_THAT(bound.message(), HasSubstr("another process is serving"));
  second->Stop();

  // The first server is untouched.
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
}

TEST_F(UnixServerTest, OtherFilesAreNotReplaced) {
  fs::create_directories(fs::path(path_).parent_path());
  std::ofstream(path_) << "precious";
  Status bound = NewServer()->Bind(path_);
  EXPECT_EQ(bound.code(), Code::kFailedPrecondition);
  EXPECT_THAT(bound.message(), HasSubstr("not a socket"));
  EXPECT_TRUE(fs::is_regular_file(path_));
}

TEST_F(UnixServerTest, BadPathsAreClearErrors) {
  Status too_long = NewServer()->Bind(root_ + "/" + std::string(120, 'x'));
  EXPECT_EQ(too_long.code(), Code::kInvalidArgument);
  EXPECT_THAT(too_long.message(), HasSubstr("bytes long"));

  std::ofstream(root_ + "/file") << "x";
  Status under_file = NewServer()->Bind(root_ + "/file/hostnic.sock");
  EXPECT_EQ(under_file.code(), Code::kIoError);
  EXPECT_THAT(under_file.message(), HasSubstr(root_ + "/file"));
}

TEST_F(UnixServerTest, ServesConcurrentClients) {
  Serve();
  constexpr int kClients = 16;
  constexpr int kRequests = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      UnixHttpClient client(path_);
      for (int i = 0; i < kRequests; ++i) {
        // Each client names its own endpoint; the reply must be about it.
        const std::string id =
            "ep" + std::to_string(c) + "x" + std::to_string(i);
        Result<UnixHttpClient::Response> r = client.Post(
            "/NetworkDriver.EndpointOperInfo",
            R"({"NetworkID": "nope", "EndpointID": ")" + id + "\"}");
        if (r.ok() && r->status == 200 &&
            json::parse(r->body).value("Err", "").find(id) !=
                std::string::npos) {
          ++good;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
}

// Clients that send nothing or half a request hold no worker: a real request
// is answered while hundreds of them hang on, and each of them is cut after
// the request timeout (the half-sent ones with a 408).
TEST_F(UnixServerTest, IdleAndSlowClientsDoNotDelayOthers) {
  UnixHttpServer::Options options;
  options.request_timeout = std::chrono::seconds(3);
  options.max_workers = 4;
  Serve(options);
  constexpr int kEach = 300;
  std::vector<int> idle, half;
  for (int i = 0; i < kEach; ++i) {
    idle.push_back(Connect(path_));
    half.push_back(Connect(path_));
    ASSERT_GE(idle.back(), 0);
    ASSERT_GE(half.back(), 0);
    ASSERT_TRUE(SendAll(half.back(),
                        "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 100\r\n\r\n{\"half\":"));
  }
  const auto opened = std::chrono::steady_clock::now();
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  const auto answered = std::chrono::steady_clock::now();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  // Answered before the idle clients were cut (the timeout counts from each
  // connection's accept, after `opened`).
  EXPECT_LT(answered - opened, options.request_timeout);
  EXPECT_EQ(ReadUntilClosed(idle.front(), std::chrono::milliseconds(0)),
            std::nullopt);

  for (int fd : idle) {
    std::optional<std::string> got =
        ReadUntilClosed(fd, std::chrono::seconds(30));
    ASSERT_TRUE(got.has_value()) << "an idle client was never cut";
    EXPECT_EQ(*got, "");  // nothing was asked, nothing is answered
    close(fd);
  }
  for (int fd : half) {
    std::optional<std::string> got =
        ReadUntilClosed(fd, std::chrono::seconds(30));
    ASSERT_TRUE(got.has_value()) << "a half-body client was never cut";
    EXPECT_THAT(*got, HasSubstr("HTTP/1.1 408 "));
    close(fd);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - opened, options.request_timeout);
}

// A client that trickles its request a byte at a time is cut at the request
// timeout all the same.
TEST_F(UnixServerTest, TricklingClientIsCut) {
  UnixHttpServer::Options options;
  options.request_timeout = std::chrono::milliseconds(500);
  Serve(options);
  const int fd = Connect(path_);
  ASSERT_GE(fd, 0);
  const std::string request =
      "POST /Plugin.Activate HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
  bool cut = false;
  for (size_t i = 0; i < request.size() - 1 && !cut; ++i) {
    cut = !SendAll(fd, request.substr(i, 1)) ||
          ReadUntilClosed(fd, std::chrono::milliseconds(100)).has_value();
  }
  if (!cut) cut = ReadUntilClosed(fd, std::chrono::seconds(30)).has_value();
  EXPECT_TRUE(cut);
  close(fd);
}

// Beyond max_connections the oldest idle connection makes room.
TEST_F(UnixServerTest, TooManyConnectionsCloseTheOldestIdleOne) {
  UnixHttpServer::Options options;
  options.max_connections = 8;
  Serve(options);
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(Connect(path_));
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(ReadUntilClosed(idle.front(), std::chrono::seconds(30)), "");
  for (int fd : idle) close(fd);
}

// Keep-alive and pipelining: two requests in one write, both answered in
// order on the same connection.
TEST_F(UnixServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Serve();
  const int fd = Connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(
      fd,
      "POST /NetworkDriver.GetCapabilities HTTP/1.1\r\nContent-Length: 2\r\n"
      "\r\n{}POST /Plugin.Activate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"));
  std::optional<std::string> got =
      ReadUntilClosed(fd, std::chrono::seconds(30));
  ASSERT_TRUE(got.has_value());
  const size_t scope = got->find("Scope");
  const size_t implements = got->find("Implements");
  EXPECT_NE(scope, std::string::npos) << *got;
  EXPECT_NE(implements, std::string::npos) << *got;
  EXPECT_LT(scope, implements);
  close(fd);
}

// A request with neither Content-Length nor chunks has no body (RFC 9112):
// it is answered at once, not when the client gives up.
TEST_F(UnixServerTest, RequestWithoutLengthHasNoBody) {
  UnixHttpServer::Options options;
  options.request_timeout = std::chrono::seconds(60);
  Serve(options);
  const int fd = Connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /Plugin.Activate HTTP/1.1\r\n"
                      "Connection: close\r\n\r\n"));
  std::optional<std::string> got =
      ReadUntilClosed(fd, std::chrono::seconds(30));
  ASSERT_TRUE(got.has_value());
  EXPECT_THAT(*got, HasSubstr("HTTP/1.1 200 "));
  close(fd);
}

// Expect: 100-continue gets one "100 Continue" before the body is sent.
TEST_F(UnixServerTest, ExpectContinueIsAnsweredOnce) {
  Serve();
  const int fd = Connect(path_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /Plugin.Activate HTTP/1.1\r\nContent-Length: 2\r\n"
                      "Expect: 100-continue\r\nConnection: close\r\n\r\n"));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 30000), 1);
  char buf[256];
  const ssize_t n = recv(fd, buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)),
            "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(SendAll(fd, "{}"));
  std::optional<std::string> got =
      ReadUntilClosed(fd, std::chrono::seconds(30));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->rfind("HTTP/1.1 200 ", 0), 0u) << *got;
  EXPECT_THAT(*got, HasSubstr("Implements"));
  close(fd);
}

// Past max_buffered bytes of partial requests, the biggest holder is cut.
TEST_F(UnixServerTest, PartialRequestsHaveABudget) {
  UnixHttpServer::Options options;
  options.max_buffered = 64 << 10;
  Serve(options);
  const std::string head =
      "POST /Plugin.Activate HTTP/1.1\r\nContent-Length: 500000\r\n\r\n";
  const int small = Connect(path_);
  const int big = Connect(path_);
  ASSERT_TRUE(SendAll(small, head + std::string(1000, ' ')));
  ASSERT_TRUE(SendAll(big, head + std::string(100000, ' ')));
  EXPECT_TRUE(ReadUntilClosed(big, std::chrono::seconds(30)).has_value());
  EXPECT_EQ(ReadUntilClosed(small, std::chrono::milliseconds(0)), std::nullopt);
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  close(small);
  close(big);
}

// A client that does not read its answer is cut at the write timeout.
TEST_F(UnixServerTest, ClientNotReadingItsAnswerIsCut) {
  UnixHttpServer::Options options;
  options.write_timeout = std::chrono::milliseconds(300);
  UnixHttpServer* server = NewServer(options);
  ASSERT_TRUE(server->Bind(path_).ok());
  const std::string big(16 << 20, 'x');
  server->Get("/big", [&big] {
    return UnixHttpServer::Reply{200, big, "text/plain"};
  });
  RunInBackground(server);
  const int fd = Connect(path_);
  ASSERT_TRUE(SendAll(fd, "GET /big HTTP/1.1\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // not reading
  std::optional<std::string> got =
      ReadUntilClosed(fd, std::chrono::seconds(30));
  ASSERT_TRUE(got.has_value());
  EXPECT_LT(got->size(), big.size());
  close(fd);
}

// Limits answered without waiting for what a hostile client announces.
TEST_F(UnixServerTest, OversizedRequestsAreRefusedAndClosed) {
  Serve();
  const int big = Connect(path_);
  ASSERT_TRUE(SendAll(big,
                      "POST /Plugin.Activate HTTP/1.1\r\n"
                      "Content-Length: 10737418240\r\n\r\n{}"));
  shutdown(big, SHUT_WR);
  EXPECT_THAT(ReadUntilClosed(big, std::chrono::seconds(30)).value_or(""),
              HasSubstr("HTTP/1.1 413 "));
  close(big);

  const int headers = Connect(path_);
  std::string request = "GET /status HTTP/1.1\r\n";
  while (request.size() < 70000)
    request += "X-Pad: " + std::string(100, 'a') + "\r\n";
  SendAll(headers, request);
  shutdown(headers, SHUT_WR);
  EXPECT_THAT(ReadUntilClosed(headers, std::chrono::seconds(30)).value_or(""),
              HasSubstr("HTTP/1.1 431 "));
  close(headers);
}

TEST_F(UnixServerTest, StopEndsRunAndRemovesTheSocket) {
  UnixHttpServer* server = Serve();
  ASSERT_TRUE(UnixHttpClient(path_).Post("/Plugin.Activate", "{}").ok());
  server->Stop();
  threads_.back().join();
  threads_.pop_back();
  EXPECT_FALSE(fs::exists(path_));
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  EXPECT_EQ(r.status().code(), Code::kIoError);
  server->Stop();  // Idempotent.
}

// What a systemd socket unit hands over: a bound, listening socket without
// close-on-exec.
TEST_F(UnixServerTest, AdoptedSocketIsServedAndItsFileLeftAlone) {
  fs::create_directories(fs::path(path_).parent_path());
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 16), 0);

  UnixHttpServer* server = NewServer();
  Status adopted = server->Adopt(fd);
  ASSERT_TRUE(adopted.ok()) << adopted.message();
  EXPECT_EQ(server->path(), path_);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);  // hooks never get it
  RunInBackground(server);
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_).Post("/Plugin.Activate", "{}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);

  server->Stop();
  threads_.back().join();
  threads_.pop_back();
  EXPECT_TRUE(fs::exists(path_));  // The socket unit's, not ours to remove.
}

TEST_F(UnixServerTest, AdoptRefusesWhatIsNotAListeningUnixSocket) {
  const int unlistened = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(unlistened, 0);
  Status s = NewServer()->Adopt(unlistened);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("not a listening unix stream socket"));

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  close(pipe_fds[1]);
  s = NewServer()->Adopt(pipe_fds[0]);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("checking the socket passed as fd"));

  UnixHttpServer* bound = NewServer();
  ASSERT_TRUE(bound->Bind(path_).ok());
  const int other = socket(AF_UNIX, SOCK_STREAM, 0);
  s = bound->Adopt(other);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("already bound"));
}

TEST_F(UnixServerTest, StopBeforeRunMakesRunReturn) {
  UnixHttpServer* server = NewServer();
  ASSERT_TRUE(server->Bind(path_).ok());
  server->Stop();
  server->Run();  // Returns at once.
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(UnixServerTest, StopLeavesASuccessorsSocketAlone) {
  UnixHttpServer* server = Serve();
  fs::remove(path_);
  std::ofstream(path_) << "someone else's";
  server->Stop();
  EXPECT_TRUE(fs::exists(path_));
}

TEST_F(UnixServerTest, ClientTimesOutOnASlowServer) {
  UnixHttpServer server([](const std::string&, const std::string&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return UnixHttpServer::Reply{200, "{}"};
  });
  ASSERT_TRUE(server.Bind(path_).ok());
  std::thread run([&] { server.Run(); });
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(path_, std::chrono::milliseconds(100)).Post("/x", "{}");
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_THAT(r.status().message(), HasSubstr("POST /x on socket " + path_));
  server.Stop();
  run.join();
}

TEST_F(UnixServerTest, ClientReportsAMissingSocket) {
  Result<UnixHttpClient::Response> r =
      UnixHttpClient(root_ + "/none.sock").Get("/status");
  EXPECT_EQ(r.status().code(), Code::kIoError);
  EXPECT_THAT(r.status().message(), HasSubstr(root_ + "/none.sock"));
  EXPECT_THAT(r.status().message(), HasSubstr("No such file or directory"));
}

}  // namespace
}  // namespace hostnic::api
