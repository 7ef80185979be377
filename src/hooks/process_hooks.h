// ProcessHooks: the Hooks contract (hostnic/hooks.h, docs/hooks.md) carried
// out by running operator commands as child processes.
//
// A run is `COMMAND attach|detach` started by RunChild
// (hooks/child_process.h: no shell, an environment from scratch, stdin
// /dev/null, no other descriptor, own process group, every output line
// logged, killed at `timeout`) with the HOSTNIC_* variables of the contract,
// each always set, empty when it does not apply. Output lines are logged as
// "attach hook (endpoint <first 12 digits>) stdout: ...". Of the output
// only the last non-blank line of each stream and, for attach, the first MAC
// are kept.
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
