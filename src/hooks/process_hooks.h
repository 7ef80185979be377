// ProcessHooks: the Hooks contract (hostnic/hooks.h, docs/hooks.md) carried
// out by running operator commands as child processes.
//
// A run is `COMMAND attach|detach` started with posix_spawn (no shell) in a
// process group of its own, with:
//   * an environment built from scratch: the HOSTNIC_* variables of the
//     contract (each always set, empty when it does not apply) and
//     PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin;
//   * stdin /dev/null; stdout and stderr on pipes; no other descriptor of
//     the daemon;
//   * no blocked signals and every signal at its default action (the daemon
//     blocks SIGTERM/SIGINT; a hook must not inherit that);
//   * the daemon's working directory, umask and network namespace, none of
//     which a run changes.
// Every non-blank output line is logged at info with the event, the endpoint
// and the stream, as it arrives; lines longer than 8 KiB are logged in 8 KiB
// pieces.
// Nothing else is kept but the last non-blank line of each stream and, for
// attach, the first MAC, so memory stays bounded whatever a hook prints.
// As the order of lines across the two pipes is lost, an error quotes the
// last non-blank line of stderr, or of stdout when stderr had none.
//
// A run ends when the process has exited and both pipes are closed. When
// that has not happened `timeout` after the start, the process group gets
// SIGKILL, the process is reaped and the run fails with kTimeout -- also when
// the hook itself exited but something it started in the background still
// holds its stdout or stderr open. Processes that leave the group (setsid)
// are not killed.
//
// Errors (messages name the event and the command):
//   kFailedPrecondition  the command is not configured, cannot be started
//                        (missing, not executable), exited non-zero or died
//                        of a signal (each with the last output line, see
//                        above);
//   kTimeout             the run did not end in time;
//   kIoError             a pipe or poll failed.
//
// Thread-safe: runs share nothing, so several may go on at once.
#ifndef HOSTNIC_HOOKS_PROCESS_HOOKS_H_
#define HOSTNIC_HOOKS_PROCESS_HOOKS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "hostnic/hooks.h"

namespace hostnic {

struct ProcessHooksOptions {
  std::string attach_command;                // Empty: no attach hook.
  std::string detach_command;                // Empty: no detach hook.
  std::chrono::milliseconds timeout{60000};  // Per run, start to end.
};

class ProcessHooks : public Hooks {
 public:
  // Checks that each configured command is an absolute path to an
  // executable regular file and that the timeout is positive, so a daemon
  // started with a bad hook fails at once; kInvalidArgument otherwise.
  static Result<std::unique_ptr<ProcessHooks>> Create(
      ProcessHooksOptions options);

  bool HasAttach() const override;
  bool HasDetach() const override;

  // Returns the first whitespace-separated word on the hook's stdout that
  // Mac::Parse accepts and that is not 00:00:00:00:00:00; nullopt when it
  // printed none.
  Result<std::optional<Mac>> Attach(const HookRequest& request) override;
  Status Detach(const HookRequest& request) override;

 private:
  explicit ProcessHooks(ProcessHooksOptions options)
      : options_(std::move(options)) {}

  // Runs `command event` for `request`; returns the MAC found on stdout.
  Result<std::optional<Mac>> Run(const char* event, const std::string& command,
                                 const HookRequest& request) const;

  const ProcessHooksOptions options_;
};

}  // namespace hostnic

#endif  // HOSTNIC_HOOKS_PROCESS_HOOKS_H_
