// The netavark plugin: what the plugin executable does when podman 5 or
// netavark runs it as `hostnic create|setup NETNS|teardown NETNS|info` (the
// protocol: netavark/codec.h; the network's options: netavark/network.h).
// Like the CNI plugin it asks the running daemon, the single owner of the
// host's NICs, for a NIC (cni/daemon_client.h) and does the datapath itself
// (netlink/netns_datapath.h), so a NIC is never given to a podman container
// and a Docker container or pod at once.
//
//   create    checks the network's options and fills ipam_options.driver
//             (no daemon needed).
//   setup     the daemon holds a NIC for (network ID, container ID,
//             interface_name): static_mac, else the network's mac/device,
//             else any of its pool; the NIC moves into NETNS named
//             interface_name, with the NIC's own address (DHCP or hook) or
//             podman's static_ips in its subnets, the routes and the MTU.
//             Prints the interface's MAC and addresses. Any failure puts the
//             NIC back on the host and releases it.
//   teardown  the NIC comes back to the host under its own name (found by
//             MAC; nothing to move when NETNS is gone) and is released.
//             Idempotent. With the daemon down, the NIC named by setup's
//             copy of the attachment (cni/attachment_cache.h, one file per
//             attachment under the network's state-dir) or by podman's
//             --mac-address comes home all the same, and the release is
//             owed to the daemon: the next setup or teardown that reaches
//             it pays it.
//   info      the plugin's version and API version.
#ifndef HOSTNIC_NETAVARK_PLUGIN_H_
#define HOSTNIC_NETAVARK_PLUGIN_H_

#include <string>
#include <vector>

namespace hostnic::netavark {

// Whether `argv` asks for a netavark verb (argv[1] is create, setup,
// teardown or info).
bool IsNetavarkCommand(int argc, char **argv);

// Runs one command: `args` are the arguments after the program name,
// `stdin_text` what podman or netavark wrote. Sets `*stdout_text` to the
// document to print; returns the exit code (0 on success, 1 with
// {"error": ...} otherwise).
int RunNetavark(const std::vector<std::string> &args,
                const std::string &stdin_text, std::string *stdout_text);

// RunNetavark on the process's arguments, stdin and stdout; logs go to
// stderr (netavark passes them on).
int RunNetavarkMain(int argc, char **argv);

}  // namespace hostnic::netavark

#endif  // HOSTNIC_NETAVARK_PLUGIN_H_
