// Daemon: hostnic's daemon put together. It owns and wires every part: the
// state directory (store), the NIC inventory and the netlink monitor that
// keeps it, link and sandbox control, the metadata guard, the attach/detach
// hooks, the address sources (DHCP, --address-hook), the driver and its
// housekeeper, and the front ends -- libnetwork's remote-driver protocol, the
// CNI service, /status, /metrics and /health on the plugin socket (bound, or
// passed by systemd socket activation), and optionally /metrics and /health
// over TCP.
//
// main.cc turns the command line into DaemonOptions and runs one; the
// integration tests run one without a socket and call its driver.
#ifndef HOSTNIC_DAEMON_DAEMON_H_
#define HOSTNIC_DAEMON_DAEMON_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "driver/driver.h"
#include "driver/inventory.h"
#include "hostnic/status.h"

namespace hostnic {

class AddressHook;
class FileStore;
class Housekeeper;
class LinkMonitor;
class NetlinkLinkControl;
class NetlinkNetnsHome;
class NetnsReturns;
class NetlinkSandboxControl;
class NetworkManagers;
class ProcessHooks;
class XdpGuard;
namespace dhcp6 {
class Dhcp6Source;
class SlaacSource;
}  // namespace dhcp6
namespace dhcp {
class DhcpSource;
class ExchangeJournal;
}  // namespace dhcp
namespace cni {
class CniService;
}
namespace docker {
class Handlers;
}
namespace http {
class TcpMetricsServer;
class UnixHttpServer;
}  // namespace http
namespace observability {
class Metrics;
}

struct DaemonOptions {
  // The plugin socket to bind when systemd passes none (socket activation
  // passes hostnic.socket's). Empty: no socket is served at all, and
  // LISTEN_FDS is left alone (tests call the driver directly).
  std::string socket;
  // Whether the operator named `socket` (--socket): a socket systemd passes
  // must then be the one bound to it.
  bool socket_given = false;
  // Group that owns a bound socket, which is then 0660 (else 0600, root);
  // empty: none.
  std::string socket_group;
  // Where networks and endpoints are persisted (--state-dir).
  std::string state_dir;
  // The driver's options (the address hook's timeout among them).
  DriverOptions driver;
  // Commands run (no shell) by the hooks; empty: no such hook.
  std::string attach_hook;
  std::string detach_hook;
  std::string address_hook;
  // How long an attach or detach hook may run.
  std::chrono::milliseconds hook_timeout{60000};
  // "HOST:PORT" or ":PORT" (loopback) to also serve /metrics and /health
  // over TCP; empty: only on the socket.
  std::string metrics_address;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();  // Stops.

  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the state directory, loads the hooks, starts following the host's
  // devices, recovers persisted state (Driver::Recover), starts the
  // housekeeper, then binds or adopts the socket and starts the TCP metrics
  // server. Returns the first failure, with a message for the operator;
  // what was started is stopped by Stop or the destructor. Call once. Every
  // thread of the daemon starts here: a caller that waits for signals with
  // sigwait blocks them first.
  Status Start();
  // Serves the socket on the calling thread until Shutdown, or until the
  // listening socket fails. Returns at once without a socket.
  void Run();
  // Finishes the CNI DELs' returns of NICs under way (bounded:
  // NetnsReturns::Drain), cancels every wait for a NIC (Driver::Shutdown)
  // and makes Run return
  // once the requests under way are answered. Safe from any thread;
  // idempotent.
  void Shutdown();
  // Stops the housekeeper, the TCP metrics server and the netlink monitor,
  // after Run returned (or instead of Run). Idempotent. A daemon stopped
  // without Shutdown leaves its state as kill -9 would.
  void Stop();

  // Valid after a successful Start, until destruction.
  Driver& driver() { return *driver_; }
  Inventory& inventory() { return inventory_; }
  // Path of the socket served; empty without one (or before Start).
  std::string socket_path() const;

 private:
  Status Listen();

  const DaemonOptions options_;
  std::optional<gid_t> socket_group_;  // options_.socket_group's.
  // In the order Start makes them; each may use those above it.
  std::unique_ptr<FileStore> store_;
  std::unique_ptr<ProcessHooks> hooks_;
  std::unique_ptr<AddressHook> address_hook_;
  Inventory inventory_;
  std::unique_ptr<NetlinkLinkControl> links_;
  std::unique_ptr<dhcp::ExchangeJournal> exchanges_;
  std::unique_ptr<dhcp::DhcpSource> dhcp_;
  std::unique_ptr<dhcp6::Dhcp6Source> dhcp6_;
  std::unique_ptr<dhcp6::SlaacSource> slaac_;
  std::unique_ptr<NetlinkSandboxControl> sandboxes_;
  std::unique_ptr<XdpGuard> guard_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<NetlinkNetnsHome> netns_home_;
  std::unique_ptr<NetnsReturns> returns_;
  std::unique_ptr<LinkMonitor> monitor_;
  std::unique_ptr<Housekeeper> housekeeper_;
  std::unique_ptr<NetworkManagers> managers_;
  std::unique_ptr<observability::Metrics> metrics_;
  std::unique_ptr<docker::Handlers> handlers_;
  std::unique_ptr<cni::CniService> cni_;
  std::unique_ptr<http::UnixHttpServer> server_;
  std::unique_ptr<http::TcpMetricsServer> tcp_metrics_;
};

}  // namespace hostnic

#endif  // HOSTNIC_DAEMON_DAEMON_H_
