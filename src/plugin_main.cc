// hostnic-cni: the plugin executable container runtimes run (installed as
// lib/cni/hostnic). Kept thin -- no HTTP server, no TLS library, no driver
// -- because a runtime starts it for every attach and detach; the daemon
// (src/main.cc) stays the one owner of the host's NICs.
//
// The mode is chosen by how the runtime runs it: CNI sets CNI_COMMAND in
// the environment. A mode of another runtime protocol (say, one chosen by
// its subcommand on the command line) is one more entry in kModes.
#include <cstdio>
#include <cstdlib>

#include "cni/plugin.h"
#include "netavark/plugin.h"

namespace {

struct Mode {
  const char* name;
  // Whether the runtime ran this executable for this mode.
  bool (*chosen)(int argc, char** argv);
  int (*run)(int argc, char** argv);
};

const Mode kModes[] = {
    {"CNI (CNI_COMMAND set)",
     [](int, char**) { return std::getenv("CNI_COMMAND") != nullptr; },
     [](int, char**) { return hostnic::cni::RunPluginMain(); }},
    {"netavark (create, setup NETNS, teardown NETNS or info as the first "
     "argument: podman 5, docs/podman.md)",
     hostnic::netavark::IsNetavarkCommand, hostnic::netavark::RunNetavarkMain},
};

}  // namespace

int main(int argc, char** argv) {
  for (const Mode& mode : kModes) {
    if (mode.chosen(argc, argv)) return mode.run(argc, argv);
  }
  std::fprintf(stderr,
               "hostnic-cni is hostnic's plugin for container runtimes; a "
               "runtime runs it, in one of these modes:\n");
  for (const Mode& mode : kModes) std::fprintf(stderr, "  %s\n", mode.name);
  std::fprintf(stderr,
               "The daemon that owns the NICs is `hostnic` (see hostnic "
               "--help and docs/cni.md).\n");
  return 2;
}
