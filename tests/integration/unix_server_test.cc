// UnixHttpServer's contract with well-behaved clients: the plugin protocol,
// the socket file (mode, group, stale and live sockets, adoption), Stop, and
// UnixHttpClient's errors.
#include "integration/unix_server_test.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/unix_http_client.h"

namespace hostnic::http::server_test {
namespace {

namespace fs = std::filesystem;
using ::nlohmann::json;
using ::testing::HasSubstr;

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

// A handler that answers later frees its worker at once: with one worker,
// a call answered later does not stop the next call from being answered.
TEST_F(UnixServerTest, AnAnswerGivenLaterHoldsNoWorker) {
  std::mutex mu;
  std::vector<UnixHttpServer::Respond> later;
  UnixHttpServer::Options options;
  options.max_workers = 1;
  UnixHttpServer server(
      [&](const std::string& path, const std::string&,
          UnixHttpServer::Respond respond) {
        if (path == "/later") {
          std::lock_guard<std::mutex> lock(mu);
          later.push_back(std::move(respond));
          return;
        }
        respond(UnixHttpServer::Reply{200, R"({"now":true})"});
      },
      options);
  ASSERT_TRUE(server.Bind(path_).ok());
  std::thread run([&] { server.Run(); });
  std::vector<std::thread> clients;
  std::vector<Result<UnixHttpClient::Response>> answers(
      3, Status::Internal("not answered"));
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(
        [&, i] { answers[i] = UnixHttpClient(path_).Post("/later", "{}"); });
  }
  for (bool all = false; !all; std::this_thread::yield()) {
    std::lock_guard<std::mutex> lock(mu);
    all = later.size() == 3;
  }
  Result<UnixHttpClient::Response> now =
      UnixHttpClient(path_).Post("/now", "{}");
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(now->body, R"({"now":true})");
  for (int i = 0; i < 3; ++i) {
    // From a thread of the handler's, as the driver does.
    std::thread([&, i] {
      later[i](
          UnixHttpServer::Reply{200, "{\"later\":" + std::to_string(i) + "}"});
    }).join();
  }
  for (auto& c : clients) c.join();
  std::vector<std::string> bodies;
  for (auto& a : answers) {
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->status, 200);
    bodies.push_back(a->body);
  }
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies, (std::vector<std::string>{
                        R"({"later":0})", R"({"later":1})", R"({"later":2})"}));
  server.Stop();
  run.join();
}

TEST_F(UnixServerTest, ClientTimesOutOnASlowServer) {
  UnixHttpServer server([](const std::string&, const std::string&,
                           UnixHttpServer::Respond respond) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    respond(UnixHttpServer::Reply{200, "{}"});
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
}  // namespace hostnic::http::server_test
