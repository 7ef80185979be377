// UnixHttpServer and UnixHttpClient over real unix sockets in a temp dir,
// with the real Handlers and Driver (over fakes) behind the socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "api/handlers.h"
#include "api/unix_http_client.h"
#include "api/unix_http_server.h"
#include "fakes/fake_link_control.h"
#include "fakes/memory_store.h"

namespace hostnic::api {
namespace {

namespace fs = std::filesystem;
using ::nlohmann::json;
using ::testing::HasSubstr;

class UnixServerTest : public ::testing::Test {
 protected:
  UnixServerTest()
      : links_(&inventory_),
        driver_(DriverOptions{}, &inventory_, &links_, &store_),
        handlers_(&driver_),
        log_level_(spdlog::get_level()) {
    // Failures are expected here; their warnings would only be noise.
    spdlog::set_level(spdlog::level::err);
  }
  ~UnixServerTest() override { spdlog::set_level(log_level_); }

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
  }

  // A server answering POSTs through the real Handlers.
  UnixHttpServer* NewServer() {
    servers_.push_back(std::make_unique<UnixHttpServer>(
        [this](const std::string& path, const std::string& body) {
          return handlers_.Handle(path, body);
        }));
    return servers_.back().get();
  }
  void RunInBackground(UnixHttpServer* server) {
    threads_.emplace_back([server] { server->Run(); });
  }
  // Binds and runs a server on path_.
  UnixHttpServer* Serve() {
    UnixHttpServer* server = NewServer();
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

  Inventory inventory_;
  FakeLinkControl links_;
  MemoryStore store_;
  Driver driver_;
  Handlers handlers_;
  spdlog::level::level_enum log_level_;
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
