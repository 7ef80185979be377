// hostnic_load: a load test of the daemon's control plane. As root:
//
//   hostnic_load --hostnic build/hostnic [--nics 64] [--threads 16]
//                [--cycles 1000] [--seconds 35] [--seed N] [--keep] [--no-mtu]
//                [--slow-clients 300] [--slow-only] [--waiting-clients 200]
//
// It moves itself into a private network namespace (unshare(CLONE_NEWNET)),
// so nothing it does is visible on the host, creates NICS veth pairs there
// (hl0..hlN-1, MACs 52:54:0f:00:XX:YY, each with its own MTU 1500+i, every
// fourth one up), starts the daemon on its own socket and state dir (allowed
// to touch only those NICs), creates five networks with overlapping pools
// (all NICs; hl0..31 by name; hl16..47 by MAC; hl32..63 by name with
// hostnic.mtu=1400, unless --no-mtu; hl60..63, a pool that runs out) and
// has THREADS threads race through CreateEndpoint / Join / Leave /
// DeleteEndpoint cycles: by MAC, by hostnic.nic=NAME and by
// pool pick, so threads fight for the same NICs. A few endpoints are kept
// (containers that keep running). At a random point of the load the daemon
// is killed with SIGKILL and restarted on the same state dir; calls that hit
// the dead daemon are retried until they get an answer, as the client cannot
// know whether they took effect.
//
// Invariants, checked after the load, after a second kill -9 at rest, and
// after everything is deleted:
//   - no NIC held by two endpoints (status rows and state files);
//   - the endpoints the client believes exist are exactly those of /status
//     and exactly those of STATE/endpoints, with the same NIC, network and
//     joined state (no endpoint lost, none invented);
//   - STATE/networks holds exactly the networks created; no orphans, no
//     temporary or .corrupt files;
//   - every NIC that is not held is "free", has its own name, MTU and up
//     state; a held NIC has its name and the MTU its network asks for;
//   - at the end every NIC is free with its original name, MTU and state in
//     the kernel, and the state dir is empty.
// Before the load, SLOW_CLIENTS connections that send nothing and as many
// that send headers and half the body they announce hang on the socket
// while Plugin.Activate is called 20 times: every call must be answered
// before those clients are cut (the daemon's request timeout, 5 s), and
// every one of them must be cut within 20 s; the latencies and the time of
// the cut are printed. Then WAITING_CLIENTS CreateEndpoints wait at once
// (hostnic.wait=3) for NICs that never come: Docker's next call must be
// answered while all of them wait, and each must end with the wait's
// timeout; the daemon's threads meanwhile are printed.
// Any error answer other than "held by another endpoint" or "no free NIC"
// is a failure. Exits 0 when everything holds, 1 otherwise, 77 (skip) when
// not root.
#include "load/load.h"

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace hostnic_load {
namespace {

namespace fs = std::filesystem;

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --hostnic PATH [--nics N] [--threads N] "
               "[--cycles N] [--seconds N] [--seed N] [--keep] [--no-mtu] "
               "[--slow-clients N] [--slow-only] [--waiting-clients N]\n",
               argv0);
}

int Main(int argc, char** argv) {
  opt.seed = static_cast<unsigned>(
      std::chrono::system_clock::now().time_since_epoch().count() % 100000);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Usage(argv[0]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--hostnic")
      opt.hostnic = next();
    else if (a == "--nics")
      opt.nics = std::stoi(next());
    else if (a == "--threads")
      opt.threads = std::stoi(next());
    else if (a == "--cycles")
      opt.cycles = std::stoi(next());
    else if (a == "--seconds")
      opt.seconds = std::stoi(next());
    else if (a == "--seed")
      opt.seed = std::stoul(next());
    else if (a == "--keep")
      opt.keep = true;
    else if (a == "--no-mtu")
      opt.mtu_network = false;
    else if (a == "--slow-clients")
      opt.slow_clients = std::stoi(next());
    else if (a == "--slow-only")
      opt.slow_only = true;
    else if (a == "--waiting-clients")
      opt.waiting_clients = std::stoi(next());
    else {
      Usage(argv[0]);
      return 2;
    }
  }
  if (opt.hostnic.empty() || opt.nics < 8 || opt.nics > 1000 ||
      opt.threads < 1 || opt.slow_clients < 0 || opt.slow_clients > 2000 ||
      opt.waiting_clients < 0 || opt.waiting_clients > 1000) {
    Usage(argv[0]);
    return 2;
  }
  if (::geteuid() != 0) {
    std::printf("SKIP: the load test needs root (network namespaces, veth)\n");
    return 77;
  }
  opt.hostnic = fs::absolute(opt.hostnic).string();
  if (::access(opt.hostnic.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "no executable %s\n", opt.hostnic.c_str());
    return 2;
  }
  if (::unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", std::strerror(errno));
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  // The slow clients need a descriptor each, and so does the daemon.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 8192);
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  char tmpl[] = "/tmp/hostnic-load.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  work = tmpl;
  sock_path = work + "/hostnic-load.sock";
  state_dir = work + "/state";
  log_path = work + "/hostnic.log";
  std::printf(
      "hostnic load test: %d NICs, %d threads, %d cycles, seed %u, "
      "work dir %s\n",
      opt.nics, opt.threads, opt.cycles, opt.seed, work.c_str());
  std::fflush(stdout);

  const auto t0 = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  bool setup_ok = MakeNics() && StartDaemon() && MakeNetworks();
  if (setup_ok && opt.slow_clients > 0) SlowClients();
  if (setup_ok && opt.waiting_clients > 0) WaitingClients();
  if (setup_ok && !opt.slow_only) {
    // The load, with one kill -9 at a random point of it.
    std::mt19937 rng(opt.seed);
    const int kill_at = opt.cycles / 4 + rng() % (opt.cycles / 3 + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < opt.threads; ++t) threads.emplace_back(Worker, t);
    const auto deadline = t0 + std::chrono::seconds(opt.seconds);
    bool killed = false;
    while (cycles_done < opt.cycles && !stop_load) {
      if (!killed && cycles_done >= kill_at) {
        killed = true;
        const pid_t pid = daemon_pid;
        std::printf("kill -9 of the daemon (pid %d) after %d cycles\n", pid,
                    cycles_done.load());
        std::fflush(stdout);
        StopDaemon(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
        if (!StartDaemon()) {
          Problem("the daemon did not start again after kill -9");
          stop_load = true;
        }
      }
      if (Clock::now() > deadline) {
        std::printf(
            "time is up (--seconds %d): finishing the cycles under "
            "way\n",
            opt.seconds);
        stop_load = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& th : threads) th.join();
    if (!killed) Problem("the load ended before the daemon was killed");
    std::printf(
        "load: %d cycles in %.1f s: %d endpoints created, %d joins, "
        "%d leaves, %d deletes; refused as expected: %d held by "
        "another endpoint, %d pool exhausted; %d retried calls\n",
        cycles_done.load(), elapsed(), creates_ok.load(), joins_ok.load(),
        leaves_ok.load(), deletes_ok.load(), busy_refusals.load(),
        pool_exhausted.load(), retries.load());
    if (busy_refusals == 0) {
      Problem(
          "no CreateEndpoint ever raced for a held NIC: the load is too "
          "light to mean anything");
    }

    if (daemon_pid > 0) {
      Check("after the load", false);
      StopDaemon(SIGKILL);
      if (StartDaemon()) {
        Check("after kill -9 at rest + restart", false);
      } else {
        Problem("the daemon did not start again after kill -9 at rest");
      }
    }
    if (daemon_pid > 0) {
      // Delete everything: the kept endpoints, then the networks.
      std::map<std::string, Belief> left;
      {
        std::lock_guard<std::mutex> lock(belief_mu);
        left = belief;
      }
      for (const auto& [ep, b] : left) {
        if (b.joined) {
          ExpectOk("Leave", ep,
                   Call("/NetworkDriver.Leave", Ids(b.network, ep)));
        }
        if (ExpectOk(
                "DeleteEndpoint", ep,
                Call("/NetworkDriver.DeleteEndpoint", Ids(b.network, ep)))) {
          std::lock_guard<std::mutex> lock(belief_mu);
          belief.erase(ep);
        }
      }
      for (const Network& n : networks) {
        ExpectOk("DeleteNetwork", n.id,
                 Call("/NetworkDriver.DeleteNetwork", {{"NetworkID", n.id}}));
      }
      Check("after deleting everything", true);
    }
  } else if (!setup_ok) {
    Problem("set-up failed");
  }

  StopDaemon(SIGTERM);
  if (fs::exists(sock_path))
    Problem("the daemon left its socket after SIGTERM");
  const bool ok = problems.empty();
  if (!ok || opt.keep) {
    std::printf("daemon log: %s (warnings and errors follow)\n",
                log_path.c_str());
    std::fflush(stdout);
    ShOk("grep -E ' (warn|error|critical) ' " + log_path + " | tail -n 30");
  } else {
    fs::remove_all(work);
  }
  std::printf("%s: %zu problems (%.1f s)\n", ok ? "PASS" : "FAIL",
              problems.size(), elapsed());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace hostnic_load

int main(int argc, char** argv) { return hostnic_load::Main(argc, argv); }
