// hostnic: the daemon (default) and its `status` client. Wiring only: every
// rule lives in a layer of its own.
#include <grp.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/cni_service.h"
#include "api/handlers.h"
#include "api/metrics.h"
#include "api/status_json.h"
#include "api/tcp_metrics_server.h"
#include "api/unix_http_server.h"
#include "cli/help_text.h"
#include "cli/status_command.h"
#include "cni/plugin.h"
#include "dhcp/dhcp_source.h"
#include "driver/housekeeper.h"
#include "hooks/address_hook.h"
#include "hooks/process_hooks.h"
#include "host/network_managers.h"
#include "hostnic/driver.h"
#include "hostnic/inventory.h"
#include "netlink/link_control.h"
#include "netlink/link_monitor.h"
#include "netlink/sandbox_control.h"
#include "store/file_store.h"

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

// Serves the socket systemd passed (socket activation: hostnic.socket), else
// binds --socket itself.
hostnic::Status Listen(const Flags& flags, std::optional<gid_t> group,
                       hostnic::api::UnixHttpServer* server) {
  const int passed = sd_listen_fds(/*unset_environment=*/1);
  if (passed < 0) {
    return hostnic::Status::FailedPrecondition(
        std::string("reading the sockets systemd passed (LISTEN_FDS): ") +
        strerror(-passed));
  }
  if (passed == 0) {
    return server->Bind(flags.socket, group ? 0660 : 0600, group);
  }
  if (passed > 1) {
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + passed;
         ++fd) {
      ::close(fd);
    }
    return hostnic::Status::FailedPrecondition(
        "systemd passed " + std::to_string(passed) +
        " sockets; hostnic serves one (one ListenStream= in hostnic.socket)");
  }
  HOSTNIC_RETURN_IF_ERROR(server->Adopt(SD_LISTEN_FDS_START));
  if (flags.socket_given && server->path() != flags.socket) {
    return hostnic::Status::FailedPrecondition(
        "--socket " + flags.socket + " but systemd passed the socket " +
        server->path() + "; drop --socket or change ListenStream= to match");
  }
  if (group) {
    spdlog::warn(
        "--socket-group is ignored for the socket systemd passed; set "
        "SocketGroup= and SocketMode= in hostnic.socket instead");
  }
  return hostnic::Status::Ok();
}

int RunDaemon(const Flags& flags) {
  const sigset_t signals = BlockShutdownSignals();

  auto store = hostnic::FileStore::Open(flags.state_dir);
  if (!store.ok()) {
    spdlog::critical("{}", store.status().message());
    return 1;
  }

  std::optional<gid_t> group;
  if (!flags.socket_group.empty()) {
    const struct group* g = getgrnam(flags.socket_group.c_str());
    if (g == nullptr) {
      spdlog::critical("--socket-group: no group named '{}' on this host",
                       flags.socket_group);
      return 1;
    }
    group = g->gr_gid;
  }

  hostnic::DriverOptions options;
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

  auto hooks =
      hostnic::ProcessHooks::Create({flags.attach_hook, flags.detach_hook,
                                     Millis(flags.hook_timeout_seconds)});
  if (!hooks.ok()) {
    spdlog::critical("{}", hooks.status().message());
    return 1;
  }

  std::unique_ptr<hostnic::AddressHook> address_hook;
  if (!flags.address_hook.empty()) {
    auto created = hostnic::AddressHook::Create(flags.address_hook);
    if (!created.ok()) {
      spdlog::critical("{}", created.status().message());
      return 1;
    }
    address_hook = std::move(*created);
  }

  hostnic::Inventory inventory;
  hostnic::NetlinkLinkControl links;
  hostnic::dhcp::DhcpSource dhcp(&links, hostnic::SystemClock());
  hostnic::NetlinkSandboxControl sandboxes;
  hostnic::Driver driver(
      options, &inventory, &links, store->get(), hooks->get(),
      {&dhcp, &dhcp, address_hook.get(), &sandboxes, hostnic::SystemClock()});
  inventory.SetListener(
      [&driver](const hostnic::Link& link) { driver.OnLinkChanged(link); });
  inventory.SetRemovalListener(
      [&driver](const hostnic::Link& link) { driver.OnLinkRemoved(link); });

  hostnic::LinkMonitor monitor;
  if (hostnic::Status s = monitor.Start(&inventory); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  auto recovered = driver.Recover();
  if (!recovered.ok()) {
    spdlog::critical("{}", recovered.status().message());
    monitor.Stop();
    return 1;
  }
  auto housekeeper =
      std::make_unique<hostnic::Housekeeper>(&driver, hostnic::SystemClock());

  hostnic::api::Metrics metrics;
  hostnic::api::Handlers handlers(&driver, &metrics);
  hostnic::api::CniService cni(&driver);
  hostnic::api::UnixHttpServer server(
      [&handlers, &cni](const std::string& path, const std::string& body) {
        if (hostnic::api::CniService::Owns(path)) return cni.Handle(path, body);
        return handlers.Handle(path, body);
      });
  if (hostnic::Status s = Listen(flags, group, &server); !s.ok()) {
    spdlog::critical("{}", s.message());
    monitor.Stop();
    return 1;
  }

  using Reply = hostnic::api::Handlers::Reply;
  const hostnic::NetworkManagers managers;
  auto status_page = [&driver, &managers] {
    return Reply{
        200,
        hostnic::api::StatusToJson(driver.Report(), HOSTNIC_VERSION,
                                   [&managers](const hostnic::Link& link) {
                                     return managers.ManagerOf(link);
                                   }),
        "application/json"};
  };
  auto metrics_page = [&driver, &metrics] {
    return Reply{200, metrics.Render(driver.Report(), driver.counters()),
                 "text/plain; version=0.0.4"};
  };
  auto health_page = [&inventory] {
    const bool healthy = inventory.Ready();
    return Reply{
        healthy ? 200 : 503,
        healthy ? R"({"status":"ok"})"
                : R"({"status":"starting","reason":"no NIC inventory yet"})",
        "application/json"};
  };
  server.Get("/status", status_page);
  server.Get("/metrics", metrics_page);
  server.Get("/health", health_page);
  hostnic::api::TcpMetricsServer tcp_metrics;
  if (!flags.metrics_address.empty()) {
    if (hostnic::Status s =
            tcp_metrics.Start(flags.metrics_address, metrics_page, health_page);
        !s.ok()) {
      spdlog::critical("{}", s.message());
      monitor.Stop();
      return 1;
    }
  }

  std::thread signal_waiter([&server, &driver, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("received {}, shutting down", strsignal(signal));
    driver.Shutdown();
    server.Stop();
  });
  spdlog::info("hostnic {} serving {} (state in {})", HOSTNIC_VERSION,
               server.path(), flags.state_dir);
  server.Run();
  // Run also returns when the listening socket fails; wake the waiter then.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  housekeeper.reset();
  tcp_metrics.Stop();
  monitor.Stop();
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
  app.add_option("--wait", flags.wait_seconds,
                 "Seconds CreateEndpoint waits for an absent NIC unless the "
                 "network sets hostnic.wait")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--attach-hook", flags.attach_hook,
                 "Command run (no shell) when a NIC is wanted but absent or "
                 "none is free; see docs/hooks.md");
  app.add_option("--detach-hook", flags.detach_hook,
                 "Command run (no shell) when a NIC is released");
  app.add_option("--address-hook", flags.address_hook,
                 "Command run (no shell) to get a NIC's own address on "
                 "networks with hostnic.address=hook; see docs/hooks.md");
  app.add_option("--hook-timeout", flags.hook_timeout_seconds,
                 "Seconds a hook may run before it is killed")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--unjoined-grace", flags.unjoined_grace_seconds,
                 "After a restart, seconds an endpoint created but not yet "
                 "joined before it waits for Docker's Join (likewise after "
                 "an answer past --call-timeout); then it counts as "
                 "abandoned and its NIC is freed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--call-timeout", flags.call_timeout_seconds,
                 "Seconds Docker waits for an answer: a managed plugin's "
                 "`docker plugin enable --timeout` (30 by default; the "
                 "plugin passes CALL_TIMEOUT); 0, a socket plugin: no limit. "
                 "NIC waits are cut to answer in time; an endpoint answered "
                 "later is freed unless joined within --unjoined-grace")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
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
