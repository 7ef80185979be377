// UnixHttpServer against clients that misbehave or push HTTP/1.1: idle,
// trickling and half-sent requests, too many connections, pipelining,
// 100-continue, oversized requests, answers nobody reads. None of them
// delays anyone else, and each is cut within a bound.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "http/unix_http_client.h"
#include "integration/unix_server_test.h"

namespace hostnic::http::server_test {
namespace {

using ::testing::HasSubstr;

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
  const int fd = ServeAndConnect(std::chrono::milliseconds(500));
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
  const int fd = ServeAndConnect(std::chrono::seconds(60));
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

}  // namespace
}  // namespace hostnic::http::server_test
