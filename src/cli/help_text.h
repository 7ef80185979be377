#ifndef HOSTNIC_CLI_HELP_TEXT_H_
#define HOSTNIC_CLI_HELP_TEXT_H_

namespace hostnic::cli {

// The end of `hostnic --help`: the sections a man page has beyond the
// options. It is also the source of the man page hostnic(8): help2man makes
// Environment, Files and Examples sections of it and a subsection of every
// other "Title:" paragraph; a tag's text starts on the next line at column 31
// and an example is one line starting with "$ ".
inline constexpr char kHelpFooter[] = R"(Modes:
  hostnic [OPTIONS]
                              Run the daemon in the foreground, logging to
                              stdout. Docker finds the driver by its socket; the
                              CNI plugin asks it for NICs too.
  hostnic status [--json]
                              Show the NICs the running daemon sees and who
                              holds them (--socket PATH for another daemon).
  CNI_COMMAND=VERB hostnic
                              Act as the CNI plugin, as a container runtime runs
                              it: VERB is ADD, DEL, CHECK, GC, STATUS or
                              VERSION, the network config comes on stdin and the
                              result goes to stdout (docs/cni.md).

Exit status:
  0
                              Stopped by SIGTERM or SIGINT. NICs in containers
                              stay there; the next start takes them over.
  1
                              The daemon could not start; the log says why.
  other
                              A bad option or argument; the message names it.

See also:
  /usr/share/doc/hostnic
                              README.md and docs/: hooks, DHCP, CNI, Kubernetes,
                              engines, benchmarks.

Environment:
  CNI_COMMAND
                              Set by a container runtime, with CNI_CONTAINERID,
                              CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH:
                              hostnic acts as its CNI plugin.
  LISTEN_FDS, LISTEN_PID
                              Set by systemd socket activation (hostnic.socket):
                              the daemon serves the socket systemd passes
                              instead of binding --socket.

Files:
  /run/docker/plugins/hostnic.sock
                              The socket Docker and the CNI plugin talk to
                              (--socket).
  /var/lib/hostnic
                              Networks and endpoints, kept across restarts
                              (--state-dir).
  /etc/default/hostnic
                              HOSTNIC_OPTS, the options hostnic.service passes.
  /usr/lib/cni/hostnic
                              The CNI plugin: a link to this program.

Examples:
  $ hostnic --socket-group docker --allow-nic eth2 --allow-nic eth3
  $ docker network create -d hostnic --subnet 192.168.1.0/24 --gateway 192.168.1.1 hostnic
  $ docker run -it --network hostnic --mac-address 52:54:0e:e5:00:f7 busybox
  $ hostnic status)";

}  // namespace hostnic::cli

#endif  // HOSTNIC_CLI_HELP_TEXT_H_
