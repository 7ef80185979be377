// The CNI plugin: what the `hostnic` executable does when a container
// runtime runs it with CNI_COMMAND set. It asks the running daemon for a
// NIC (the daemon owns them all, see cni/service.h) and does the
// datapath itself (netlink/netns_datapath.h).
//
//   ADD     the daemon holds a NIC for the attachment and joins it; the NIC
//           moves into CNI_NETNS as CNI_IFNAME with its addresses and
//           routes. Any failure puts the NIC back and releases it.
//   DEL     the NIC comes back to the host (found by MAC; nothing to do when
//           the namespace is gone or CNI_NETNS is empty) and is released.
//           Idempotent.
//   CHECK   the NIC is in CNI_NETNS, up, with prevResult's MAC, addresses and
//           routes.
//   GC      releases every attachment of the network that is not in
//           cni.dev/valid-attachments.
//   STATUS  ready when the daemon answers and can serve (error 50 when not).
//   VERSION the versions supported.
// Errors are printed as the spec says, with its codes; 11 (try again later)
// when the daemon does not answer.
#ifndef HOSTNIC_CNI_PLUGIN_H_
#define HOSTNIC_CNI_PLUGIN_H_

#include <map>
#include <string>

namespace hostnic::cni {

// Runs one CNI command. `env` holds the CNI_* variables, `stdin_text` what
// the runtime wrote. Sets `*stdout_text` to the document to print; returns
// the exit code (0 on success).
int RunPlugin(const std::map<std::string, std::string>& env,
              const std::string& stdin_text, std::string* stdout_text);

// Runs the plugin on the process's environment, stdin and stdout (main's
// entry point when CNI_COMMAND is set).
int RunPluginMain();

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_PLUGIN_H_
