// hostnic: the daemon (default), its `status` client and the CNI plugin.
// The command line, logging and signals only: src/daemon/daemon.h wires the
// daemon, and every rule lives in a layer of its own.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cli/help_text.h"
#include "cli/status_command.h"
#include "cni/plugin.h"
#include "daemon/daemon.h"
#include "driver/driver.h"

namespace {

struct Flags {
  std::string socket = "/run/docker/plugins/hostnic.sock";
  bool socket_given = false;  // --socket was on the command line.
  std::string socket_group;
  std::string state_dir = "/var/lib/hostnic";
  std::string log_level = "info";
  std::vector<std::string> allow_nics;
  double wait_seconds = 0;
  std::string attach_hook;
  std::string detach_hook;
  std::string address_hook;
  double hook_timeout_seconds = 60;
  int unjoined_grace_seconds = 60;
  int call_timeout_seconds = 0;
  std::string metrics_address;
};

// Adds option `name`: a number of seconds from `min` to an hour, of the
// type of `seconds` (as --help says), its default shown.
template <typename T>
void AddSeconds(CLI::App& app, const std::string& name, T& seconds,
                const std::string& help, T min) {
  app.add_option(name, seconds, help)
      ->check(CLI::Range(min, T{3600}))
      ->capture_default_str();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// Blocks SIGTERM/SIGINT in every thread so a dedicated thread can sigwait()
// for them; must run before any thread starts.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

hostnic::DaemonOptions ToDaemonOptions(const Flags& flags) {
  hostnic::DaemonOptions daemon;
  daemon.socket = flags.socket;
  daemon.socket_given = flags.socket_given;
  daemon.socket_group = flags.socket_group;
  daemon.state_dir = flags.state_dir;
  hostnic::DriverOptions& options = daemon.driver;
  for (const std::string& nic : flags.allow_nics) {
    options.allowed_nics.push_back(*hostnic::NicSpec::Parse(nic));  // Checked.
  }
  options.default_wait = Millis(flags.wait_seconds);
  options.settle = std::chrono::milliseconds(500);
  options.sandbox_grace = std::chrono::seconds(3);
  options.sandbox_exists = [](const std::string& path) {
    struct stat st;
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
  };
  options.address_hook_timeout = Millis(flags.hook_timeout_seconds);
  options.unjoined_grace = std::chrono::seconds(flags.unjoined_grace_seconds);
  options.call_timeout = std::chrono::seconds(flags.call_timeout_seconds);
  daemon.attach_hook = flags.attach_hook;
  daemon.detach_hook = flags.detach_hook;
  daemon.address_hook = flags.address_hook;
  daemon.hook_timeout = Millis(flags.hook_timeout_seconds);
  daemon.metrics_address = flags.metrics_address;
  return daemon;
}

int RunDaemon(const Flags& flags) {
  const sigset_t signals = BlockShutdownSignals();
  hostnic::Daemon daemon(ToDaemonOptions(flags));
  if (hostnic::Status s = daemon.Start(); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  std::thread signal_waiter([&daemon, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("received {}, shutting down", strsignal(signal));
    daemon.Shutdown();
  });
  spdlog::info("hostnic {} serving {} (state in {})", HOSTNIC_VERSION,
               daemon.socket_path(), flags.state_dir);
  daemon.Run();
  // Run also returns when the listening socket fails; wake the waiter then.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  daemon.Stop();
  spdlog::info("hostnic stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A container runtime runs the same executable as its CNI plugin.
  if (std::getenv("CNI_COMMAND") != nullptr) {
    return hostnic::cni::RunPluginMain();
  }
  CLI::App app{
      "hostnic hands a whole NIC of this host, found by its MAC, to a "
      "container as its eth0: a Docker network driver (remote driver API on "
      "a unix socket) and, run by a container runtime, a CNI plugin. The "
      "daemon is the one owner of the host's NICs for both."};
  app.footer(hostnic::cli::kHelpFooter);
  app.set_version_flag("--version", std::string("hostnic ") + HOSTNIC_VERSION);
  Flags flags;
  CLI::Option* socket =
      app.add_option("--socket", flags.socket,
                     "Unix socket Docker talks to; its file name is the "
                     "driver name. Under systemd socket activation "
                     "(hostnic.socket) the socket systemd passes is served")
          ->capture_default_str();
  app.add_option("--socket-group", flags.socket_group,
                 "Make the socket 0660 and owned by this group (e.g. docker) "
                 "instead of 0600 root");
  app.add_option("--state-dir", flags.state_dir,
                 "Where networks and endpoints are persisted")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level, "Log verbosity")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--allow-nic", flags.allow_nics,
                 "Only ever hand out these NICs (name or MAC; repeatable)")
      ->check([](const std::string& text) {
        hostnic::Result<hostnic::NicSpec> nic = hostnic::NicSpec::Parse(text);
        return nic.ok() ? std::string() : nic.status().message();
      });
  AddSeconds(app, "--wait", flags.wait_seconds,
             "Seconds CreateEndpoint waits for an absent NIC unless the "
             "network sets hostnic.wait",
             0.0);
  app.add_option("--attach-hook", flags.attach_hook,
                 "Command run (no shell) when a NIC is wanted but absent or "
                 "none is free; see docs/hooks.md");
  app.add_option("--detach-hook", flags.detach_hook,
                 "Command run (no shell) when a NIC is released");
  app.add_option("--address-hook", flags.address_hook,
                 "Command run (no shell) to get a NIC's own address on "
                 "networks with hostnic.address=hook; see docs/hooks.md");
  AddSeconds(app, "--hook-timeout", flags.hook_timeout_seconds,
             "Seconds a hook may run before it is killed", 0.1);
  AddSeconds(app, "--unjoined-grace", flags.unjoined_grace_seconds,
             "After a restart, seconds an endpoint created but not yet "
             "joined before it waits for Docker's Join (likewise after "
             "an answer past --call-timeout); then it counts as "
             "abandoned and its NIC is freed",
             1);
  AddSeconds(app, "--call-timeout", flags.call_timeout_seconds,
             "Seconds Docker waits for an answer: a managed plugin's "
             "`docker plugin enable --timeout` (30 by default; the "
             "plugin passes CALL_TIMEOUT); 0, a socket plugin: no limit. "
             "NIC waits are cut to answer in time; an endpoint answered "
             "later is freed unless joined within --unjoined-grace",
             0);
  app.add_option("--metrics-address", flags.metrics_address,
                 "Also serve /metrics and /health over TCP on HOST:PORT "
                 "(':PORT' = loopback); they are always on the socket");
  bool status_json = false;
  CLI::App* status = app.add_subcommand(
      "status", "Show the NICs the running daemon sees and who holds them");
  status->add_flag("--json", status_json, "Print the raw JSON document");
  status->fallthrough();  // `hostnic status --socket PATH` works too.
  CLI11_PARSE(app, argc, argv);
  if (*status) return hostnic::cli::RunStatus(flags.socket, status_json);
  flags.socket_given = socket->count() > 0;

  auto logger = spdlog::stdout_color_mt("hostnic");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return RunDaemon(flags);
}
