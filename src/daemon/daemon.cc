#include "daemon/daemon.h"

#include <grp.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <utility>

#include "cni/service.h"
#include "common/errno_status.h"
#include "dhcp/dhcp_source.h"
#include "dhcp/exchange_journal.h"
#include "dhcp6/dhcp6_source.h"
#include "docker/handlers.h"
#include "driver/housekeeper.h"
#include "driver/netns_returns.h"
#include "guard/xdp_guard.h"
#include "hooks/address_hook.h"
#include "hooks/process_hooks.h"
#include "host/network_managers.h"
#include "http/tcp_metrics_server.h"
#include "http/unix_http_server.h"
#include "netlink/link_control.h"
#include "netlink/link_monitor.h"
#include "netlink/netns_home.h"
#include "netlink/sandbox_control.h"
#include "observability/metrics.h"
#include "observability/status_json.h"
#include "store/file_store.h"

namespace hostnic {

using docker::Handlers;

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {}

Daemon::~Daemon() { Stop(); }

Status Daemon::Start() {
  auto store = FileStore::Open(options_.state_dir);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);

  if (!options_.socket_group.empty()) {
    const struct group* g = getgrnam(options_.socket_group.c_str());
    if (g == nullptr) {
      return Status::InvalidArgument("--socket-group: no group named '" +
                                     options_.socket_group + "' on this host");
    }
    socket_group_ = g->gr_gid;
  }

  auto hooks = ProcessHooks::Create(
      {options_.attach_hook, options_.detach_hook, options_.hook_timeout});
  if (!hooks.ok()) return hooks.status();
  hooks_ = std::move(*hooks);
  if (!options_.address_hook.empty()) {
    auto created = AddressHook::Create(options_.address_hook);
    if (!created.ok()) return created.status();
    address_hook_ = std::move(*created);
  }

  links_ = std::make_unique<NetlinkLinkControl>();
  exchanges_ = std::make_unique<dhcp::ExchangeJournal>(
      links_.get(), options_.state_dir + "/dhcp-exchanges");
  dhcp_ = std::make_unique<dhcp::DhcpSource>(links_.get(), SystemClock(),
                                             exchanges_.get());
  dhcp6_ = std::make_unique<dhcp6::Dhcp6Source>(links_.get(), SystemClock(),
                                                exchanges_.get());
  slaac_ = std::make_unique<dhcp6::SlaacSource>(dhcp6_.get());
  sandboxes_ = std::make_unique<NetlinkSandboxControl>();
  guard_ = std::make_unique<XdpGuard>();
  AddressPorts ports;
  ports.dhcp = dhcp_.get();
  ports.renewer = dhcp_.get();
  ports.hook = address_hook_.get();
  ports.dhcp6 = dhcp6_.get();
  ports.renewer6 = dhcp6_.get();
  ports.slaac = slaac_.get();
  ports.sandbox = sandboxes_.get();
  ports.clock = SystemClock();
  ports.guard = guard_.get();
  driver_ = std::make_unique<Driver>(options_.driver, &inventory_, links_.get(),
                                     store_.get(), hooks_.get(), ports);
  Driver* driver = driver_.get();
  inventory_.SetListener(
      [driver](const Link& link) { driver->OnLinkChanged(link); });
  inventory_.SetRemovalListener(
      [driver](const Link& link) { driver->OnLinkRemoved(link); });

  monitor_ = std::make_unique<LinkMonitor>();
  HOSTNIC_RETURN_IF_ERROR(monitor_->Start(&inventory_));
  // Before the driver looks at the NICs: a NIC a killed hostnic left up
  // for DHCP or DHCPv6 is down again, with its own IPv6 settings.
  for (const std::string& line : exchanges_->RestoreInterrupted(
           [this](const Mac& mac) { return inventory_.FindByMac(mac); })) {
    spdlog::warn("{}", line);
  }
  auto recovered = driver_->Recover();
  if (!recovered.ok()) return recovered.status();
  netns_home_ = std::make_unique<NetlinkNetnsHome>();
  returns_ =
      std::make_unique<NetnsReturns>(driver, &inventory_, netns_home_.get());
  // What a daemon killed between a DEL's answer and its NIC's return owes.
  returns_->Recover();
  housekeeper_ = std::make_unique<Housekeeper>(driver, SystemClock());

  if (options_.socket.empty() && options_.metrics_address.empty()) {
    return Status::Ok();
  }
  managers_ = std::make_unique<NetworkManagers>();
  metrics_ = std::make_unique<observability::Metrics>();
  handlers_ = std::make_unique<Handlers>(driver, metrics_.get());
  cni_ = std::make_unique<cni::CniService>(driver, returns_.get());
  auto status_page = [this] {
    return Handlers::Reply{
        200,
        observability::StatusToJson(
            driver_->Report(), HOSTNIC_VERSION,
            [this](const Link& link) { return managers_->ManagerOf(link); }),
        "application/json"};
  };
  auto metrics_page = [this] {
    return Handlers::Reply{
        200, metrics_->Render(driver_->Report(), driver_->counters()),
        "text/plain; version=0.0.4"};
  };
  auto health_page = [this] {
    const bool healthy = inventory_.Ready();
    return Handlers::Reply{
        healthy ? 200 : 503,
        healthy ? R"({"status":"ok"})"
                : R"({"status":"starting","reason":"no NIC inventory yet"})",
        "application/json"};
  };
  if (!options_.socket.empty()) {
    server_ = std::make_unique<http::UnixHttpServer>(
        [this](const std::string& path, const std::string& body,
               docker::Handlers::Respond respond) {
          if (cni::CniService::Owns(path)) {
            respond(cni_->Handle(path, body));
          } else {
            handlers_->Handle(path, body, std::move(respond));
          }
        });
    HOSTNIC_RETURN_IF_ERROR(Listen());
    server_->Get("/status", status_page);
    server_->Get("/metrics", metrics_page);
    server_->Get("/health", health_page);
  }
  if (!options_.metrics_address.empty()) {
    tcp_metrics_ = std::make_unique<http::TcpMetricsServer>();
    HOSTNIC_RETURN_IF_ERROR(tcp_metrics_->Start(options_.metrics_address,
                                                metrics_page, health_page));
  }
  return Status::Ok();
}

// Serves the socket systemd passed (socket activation: hostnic.socket), else
// binds options_.socket itself.
Status Daemon::Listen() {
  const int passed = sd_listen_fds(/*unset_environment=*/1);
  if (passed < 0) {
    return Status::FailedPrecondition(
        std::string("reading the sockets systemd passed (LISTEN_FDS): ") +
        ErrnoText(passed));
  }
  if (passed == 0) {
    return server_->Bind(options_.socket, socket_group_ ? 0660 : 0600,
                         socket_group_);
  }
  if (passed > 1) {
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + passed;
         ++fd) {
      ::close(fd);
    }
    return Status::FailedPrecondition(
        "systemd passed " + std::to_string(passed) +
        " sockets; hostnic serves one (one ListenStream= in hostnic.socket)");
  }
  HOSTNIC_RETURN_IF_ERROR(server_->Adopt(SD_LISTEN_FDS_START));
  if (options_.socket_given && server_->path() != options_.socket) {
    return Status::FailedPrecondition(
        "--socket " + options_.socket + " but systemd passed the socket " +
        server_->path() + "; drop --socket or change ListenStream= to match");
  }
  if (socket_group_) {
    spdlog::warn(
        "--socket-group is ignored for the socket systemd passed; set "
        "SocketGroup= and SocketMode= in hostnic.socket instead");
  }
  return Status::Ok();
}

void Daemon::Run() {
  if (server_) server_->Run();
}

void Daemon::Shutdown() {
  if (returns_) returns_->Drain();
  if (driver_) driver_->Shutdown();
  if (server_) server_->Stop();
}

void Daemon::Stop() {
  housekeeper_.reset();
  if (tcp_metrics_) tcp_metrics_->Stop();
  if (monitor_) monitor_->Stop();
}

std::string Daemon::socket_path() const {
  return server_ ? server_->path() : std::string();
}

}  // namespace hostnic
