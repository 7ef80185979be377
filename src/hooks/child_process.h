// RunChild: how hostnic runs an operator's command (the attach, detach and
// address hooks) as a child process. One place for starting, feeding,
// logging, bounding and ending it, so every hook behaves alike.
//
// A run is `argv` started with posix_spawn (no shell) in a process group of
// its own, with:
//   * exactly the environment `env` plus
//     PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin;
//     nothing of the daemon's environment;
//   * stdin /dev/null (or `stdin_data`); stdout and stderr on pipes; no other
//   descriptor of
//     the daemon;
//   * no blocked signals and every signal at its default action (the daemon
//     blocks SIGTERM/SIGINT; a child must not inherit that);
//   * the daemon's working directory, umask and network namespace, none of
//     which a run changes.
// Every non-blank output line is logged at info as "<log_prefix> stdout: ..."
// (or stderr) as it arrives; lines longer than 8 KiB are logged in 8 KiB
// pieces. Besides what `on_stdout_line` and `stdout_limit` ask for, only the
// last non-blank line of each stream is kept, so memory stays bounded
// whatever a child prints. As the order of lines across the two pipes is
// lost, an error quotes the last non-blank line of stderr, or of stdout when
// stderr had none.
//
// A run ends when the process has exited and both pipes are closed. When
// that has not happened `timeout` after the start, the process group gets
// SIGKILL, the process is reaped and the run fails with kTimeout -- also when
// the child itself exited but something it started in the background still
// holds its stdout or stderr open. Processes that leave the group (setsid)
// are not killed.
//
// Thread-safe: runs share nothing, so several may go on at once.
#ifndef HOSTNIC_HOOKS_CHILD_PROCESS_H_
#define HOSTNIC_HOOKS_CHILD_PROCESS_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hostnic/status.h"

namespace hostnic {

struct ChildSpec {
  // Names the run in every error, e.g. "attach hook /etc/hostnic/attach".
  std::string what;
  // Starts every logged line, e.g. "attach hook (endpoint 0123456789ab)".
  std::string log_prefix;
  // argv[0] is the absolute path of the program, run as it is.
  std::vector<std::string> argv;
  // "NAME=value" entries; PATH is added.
  std::vector<std::string> env;
  std::chrono::milliseconds timeout{60000};  // Start to end.
  // Called with each non-blank stdout line (trailing blanks removed), on the
  // calling thread, as it arrives.
  std::function<void(std::string_view line)> on_stdout_line;
  // nullopt: stdout is only logged. N: stdout is also kept verbatim and
  // returned; a child that prints more than N bytes there is killed (as at
  // the timeout) and the run fails.
  std::optional<size_t> stdout_limit;
  // nullopt: stdin is /dev/null. Otherwise the child reads these bytes.
  std::optional<std::string> stdin_data;
  // Null: a non-zero exit is an error. Otherwise the exit code is stored
  // here and the kept stdout returned (a CNI plugin's error is a document
  // on stdout).
  int* exit_code = nullptr;
};

// Runs `spec` to its end. Returns what was kept of stdout (empty unless
// `stdout_limit`). Errors (messages start with `what`):
//   kFailedPrecondition  it cannot be started (missing, not executable),
//                        exited non-zero, died of a signal or printed more
//                        than `stdout_limit` (each with the last output line);
//   kTimeout             the run did not end in time;
//   kIoError             a pipe, poll or waitpid failed.
Result<std::string> RunChild(const ChildSpec& spec);

// Checks that `path` is an absolute path to an executable regular file;
// kInvalidArgument naming `role` (e.g. "attach hook") and the path
// otherwise, e.g. `attach hook "/x": No such file or directory`.
Status CheckExecutable(const std::string& role, const std::string& path);

// "0.3" for 300 ms, "60" for a minute: how durations appear in messages.
std::string SecondsText(std::chrono::milliseconds d);

}  // namespace hostnic

#endif  // HOSTNIC_HOOKS_CHILD_PROCESS_H_
