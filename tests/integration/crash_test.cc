// The hostnic daemon itself (HOSTNIC_BINARY) killed with SIGKILL between the
// steps of a container's life on one NIC, then started again on the same
// state directory: it must come back knowing exactly what the steps before
// the kill did, complain about nothing, and take the rest of the cycle.
// Endpoint records are written without fsync (src/store/file_store.h), so
// this is what they must survive. Runs in the test's private netns.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/unix_http_client.h"
#include "integration/daemon_process.h"
#include "integration/netns_env.h"

namespace hostnic {
namespace {

namespace fs = std::filesystem;
using itest::Sh;

const char kMac[] = "02:00:5e:10:00:09";
const char kNet[] = "crashnet";
const char kEp[] = "crashep";

class CrashTest : public itest::NetnsTest {
 protected:
  void SetUpInNetns() override {
    root_ = fs::temp_directory_path() /
            ("hostnic-crash-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    // Join's sandbox: a path that exists, as Docker's does while the
    // container runs, so a restart keeps the joined endpoint.
    sandbox_ = (root_ / "sandbox").string();
    std::ofstream(sandbox_) << "";
    AddNic("hnc0", kMac, "hnc0p");
  }
  void TearDown() override {
    Kill();
    fs::remove_all(root_);
    NetnsTest::TearDown();
  }

  std::string State() const { return (root_ / "state").string(); }
  std::string Socket() const { return (root_ / "hostnic.sock").string(); }
  std::string Log() const { return (root_ / "hostnic.log").string(); }

  // Starts the daemon and waits until it serves (after its recovery).
  void Start() {
    fs::remove(Socket());
    pid_ = itest::SpawnDaemon(
        {"--socket", Socket(), "--state-dir", State(), "--log-level", "warn"},
        Log());
    ASSERT_GE(pid_, 0);
    ASSERT_TRUE(itest::WaitForDaemon(Socket(), "/status")) << ReadLog();
  }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

  // Empty when the call succeeded, else what went wrong.
  std::string Call(const std::string& method, const std::string& body) {
    auto reply =
        http::UnixHttpClient(Socket()).Post("/NetworkDriver." + method, body);
    if (!reply.ok()) return method + ": " + reply.status().message();
    if (reply->status != 200 ||
        reply->body.find("\"Err\"") != std::string::npos) {
      return method + ": " + reply->body;
    }
    return "";
  }
  // "<state> <endpoint>" of the NIC in `hostnic status`.
  std::string Nic() {
    auto reply = http::UnixHttpClient(Socket()).Get("/status");
    if (!reply.ok()) return "no status: " + reply.status().message();
    const nlohmann::json doc = nlohmann::json::parse(reply->body);
    for (const nlohmann::json& nic : doc["nics"]) {
      if (nic["mac"] == kMac) {
        return nic["state"].get<std::string>() + " " +
               nic["endpoint"].get<std::string>();
      }
    }
    return "absent";
  }
  std::string ReadLog() const {
    std::ifstream in(Log());
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  }
  // Every file of the state directory, relative to it.
  std::vector<std::string> StateFiles() const {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(State())) {
      if (e.is_regular_file()) {
        files.push_back(fs::relative(e.path(), State()).string());
      }
    }
    return files;
  }

  fs::path root_;
  std::string sandbox_;
  pid_t pid_ = 0;
};

struct Step {
  std::string method;
  std::string body;
  std::string nic_after;  // The NIC in `hostnic status` after the step.
  // The NIC after a kill -9 right after the step and a restart.
  std::string nic_at_restart;
  // What recovery then logs; empty: nothing (no record lost or half-written).
  std::string recovery;
};

std::vector<Step> Cycle(const std::string& sandbox) {
  const std::string ids = std::string(R"({"NetworkID":")") + kNet +
                          R"(","EndpointID":")" + kEp + R"(")";
  return {
      {"CreateNetwork",
       std::string(R"({"NetworkID":")") + kNet +
           R"(","Options":{},"IPv4Data":[{"Pool":"192.168.0.0/16",)"
           R"("Gateway":"192.168.0.1/16"}],"IPv6Data":[]})",
       "free ", "free ", ""},
      {"CreateEndpoint",
       ids + R"(,"Interface":{"Address":"192.168.1.5/16","MacAddress":")" +
           kMac + R"("},"Options":{}})",
       std::string("held ") + kEp, std::string("held ") + kEp, ""},
      {"Join", ids + R"(,"SandboxKey":")" + sandbox + R"(","Options":{}})",
       std::string("held ") + kEp, std::string("held ") + kEp, ""},
      // Left and back on the host: released at start, since Docker retries
      // the DeleteEndpoint the kill cut with an empty body (kill9-parallel).
      {"Leave", ids + "}", std::string("held ") + kEp, "free ",
       "came back from its sandbox while hostnic was down; released"},
      {"DeleteEndpoint", ids + "}", "free ", "free ", ""},
      {"DeleteNetwork", std::string(R"({"NetworkID":")") + kNet + R"("})",
       "free ", "free ", ""},
  };
}

TEST_F(CrashTest, KilledAfterEachStepOfACycleRestartsWithItsState) {
  const std::vector<Step> cycle = Cycle(sandbox_);
  for (size_t killed_after = 0; killed_after < cycle.size(); ++killed_after) {
    SCOPED_TRACE("killed after " + cycle[killed_after].method);
    fs::remove_all(State());
    fs::remove(Log());
    Start();
    for (size_t i = 0; i <= killed_after; ++i) {
      ASSERT_EQ(Call(cycle[i].method, cycle[i].body), "");
    }
    Kill();

    Start();
    EXPECT_EQ(Nic(), cycle[killed_after].nic_at_restart);
    // No record was lost, half-written or left behind.
    const std::string log = ReadLog();
    if (cycle[killed_after].recovery.empty()) {
      EXPECT_EQ(log.find("recovery:"), std::string::npos) << log;
    } else {
      EXPECT_NE(log.find(cycle[killed_after].recovery), std::string::npos)
          << log;
    }
    if (killed_after + 1 == cycle.size()) {
      // The network is gone for good: Docker's next call is refused.
      EXPECT_NE(Call(cycle[1].method, cycle[1].body).find("does not know"),
                std::string::npos);
    }
    for (size_t i = killed_after + 1; i < cycle.size(); ++i) {
      ASSERT_EQ(Call(cycle[i].method, cycle[i].body), "");
      EXPECT_EQ(Nic(), cycle[i].nic_after) << "after " << cycle[i].method;
    }
    Kill();
    EXPECT_EQ(StateFiles(), std::vector<std::string>{}) << log;
  }
}

}  // namespace
}  // namespace hostnic
