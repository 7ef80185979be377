// hostnic_load's world, daemon and calls (see load.h).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "http/unix_http_client.h"
#include "load/load.h"

namespace hostnic_load {

using hostnic::http::UnixHttpClient;

Options opt;
std::string work;  // temporary directory: socket, state, log
std::string sock_path, state_dir, log_path;
std::vector<Nic> nics;
std::vector<Network> networks;
std::map<std::string, int> nic_by_mac;

std::mutex belief_mu;
std::map<std::string, Belief> belief;  // endpoint id -> what the client knows

std::mutex problems_mu;
std::vector<std::string> problems;  // invariant violations, unexpected answers

std::atomic<pid_t> daemon_pid{-1};
std::atomic<int> cycles_started{0}, cycles_done{0};
std::atomic<int> creates_ok{0}, joins_ok{0}, leaves_ok{0}, deletes_ok{0};
std::atomic<int> busy_refusals{0}, pool_exhausted{0}, retries{0};
std::atomic<bool> stop_load{false};

void Problem(const std::string& what) {
  std::lock_guard<std::mutex> lock(problems_mu);
  if (problems.size() < 200) problems.push_back(what);
  std::fprintf(stderr, "PROBLEM: %s\n", what.c_str());
}

std::string Sh(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    if (rc) *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

bool ShOk(const std::string& cmd) {
  int rc = 0;
  std::string out = Sh(cmd + " 2>&1", &rc);
  if (rc != 0) {
    std::fprintf(stderr, "command failed (%d): %s\n%s", rc, cmd.c_str(),
                 out.c_str());
  }
  return rc == 0;
}

std::string MacOf(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "52:54:0f:00:%02x:%02x", i / 256, i % 256);
  return buf;
}

namespace {

bool SocketAnswers() {
  UnixHttpClient c(sock_path, std::chrono::milliseconds(1000));
  auto r = c.Post("/Plugin.Activate", "{}");
  return r.ok() && r->status == 200 &&
         r->body.find("NetworkDriver") != std::string::npos;
}

}  // namespace

bool StartDaemon() {
  std::vector<std::string> args = {opt.hostnic,   "--socket", sock_path,
                                   "--state-dir", state_dir,  "--log-level",
                                   "info"};
  for (const Nic& n : nics) {
    args.push_back("--allow-nic");
    args.push_back(n.mac);
  }
  {
    std::ofstream log(log_path, std::ios::app);
    log << "---- starting the daemon\n";
  }
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  daemon_pid = pid;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (SocketAnswers()) return true;
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::fprintf(stderr, "the daemon exited during start-up\n");
      daemon_pid = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "the daemon's socket did not answer within 20 s\n");
  return false;
}

void StopDaemon(int sig) {
  const pid_t pid = daemon_pid.exchange(-1);
  if (pid <= 0) return;
  ::kill(pid, sig);
  int status;
  ::waitpid(pid, &status, 0);
}

Answer Call(const std::string& path, const json& body) {
  const UnixHttpClient client(sock_path, std::chrono::seconds(15));
  const std::string text = body.dump();
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (bool first = true;; first = false) {
    if (!first) retries++;
    auto r = client.Post(path, text);
    if (r.ok()) {
      Answer a;
      a.raw = r->body;
      if (r->status != 200) {
        a.outcome = Outcome::kErr;
        a.err = "HTTP " + std::to_string(r->status) + ": " + r->body;
        return a;
      }
      a.body = json::parse(r->body, nullptr, false);
      if (a.body.is_discarded() || !a.body.is_object()) {
        a.outcome = Outcome::kErr;
        a.err = "answer is not a JSON object: " + r->body;
      } else if (a.body.contains("Err")) {
        a.outcome = Outcome::kErr;
        a.err = a.body["Err"].is_string() ? a.body["Err"].get<std::string>()
                                          : a.body["Err"].dump();
      } else {
        a.outcome = Outcome::kOk;
      }
      return a;
    }
    if (Clock::now() > deadline) {
      Answer a;
      a.outcome = Outcome::kGone;
      a.err = r.status().message();
      return a;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

json Ids(const std::string& net, const std::string& ep) {
  return {{"NetworkID", net}, {"EndpointID", ep}};
}

bool ExpectOk(const char* what, const std::string& ep, const Answer& a) {
  if (a.outcome == Outcome::kOk) return true;
  Problem(std::string(what) + " " + ep + " failed: " + a.err);
  return false;
}

}  // namespace hostnic_load
