#include "hooks/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <system_error>
#include <thread>

#include "common/errno_status.h"

namespace hostnic {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxLineBytes = 8192;
constexpr char kPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr char kBlanks[] = " \t\r\n\v\f";
// Indexes of the child's two output streams.
constexpr int kStdout = 0;
constexpr int kStderr = 1;

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// What a child printed, taken line by line as it arrives: each line is
// logged at once, and only what the spec asks for is kept.
class Output {
 public:
  explicit Output(const ChildSpec& spec) : spec_(spec) {}

  // Returns false when stdout went over the spec's limit.
  bool Append(int stream, const char* data, size_t size) {
    if (stream == kStdout && spec_.stdout_limit) {
      if (kept_.size() + size > *spec_.stdout_limit) return false;
      kept_.append(data, size);
    }
    std::string& partial = partial_[stream];
    partial.append(data, size);
    size_t start = 0;
    for (size_t end; (end = partial.find('\n', start)) != std::string::npos;
         start = end + 1) {
      Line(stream, std::string_view(partial).substr(start, end - start));
    }
    partial.erase(0, start);
    // Bounds memory against a child that never prints a newline.
    while (partial.size() >= kMaxLineBytes) {
      Line(stream, std::string_view(partial).substr(0, kMaxLineBytes));
      partial.erase(0, kMaxLineBytes);
    }
    return true;
  }

  // The stream reached EOF: its unterminated last line is a line too.
  void Close(int stream) {
    if (!partial_[stream].empty()) Line(stream, partial_[stream]);
    partial_[stream].clear();
  }

  // Lines on the two pipes cannot be put back in the order they were
  // written, so the last one is taken from stderr, where errors go, and from
  // stdout only when stderr had none.
  const std::string& last_line() const {
    return last_line_[kStderr].empty() ? last_line_[kStdout]
                                       : last_line_[kStderr];
  }
  std::string& kept() { return kept_; }

 private:
  void Line(int stream, std::string_view line) {
    const size_t end = line.find_last_not_of(kBlanks);
    if (end == std::string_view::npos) return;
    line = line.substr(0, end + 1);
    spdlog::info("{} {}: {}", spec_.log_prefix,
                 stream == kStdout ? "stdout" : "stderr", line);
    last_line_[stream].assign(line.substr(line.find_first_not_of(kBlanks)));
    if (stream == kStdout && spec_.on_stdout_line) spec_.on_stdout_line(line);
  }

  const ChildSpec& spec_;
  std::string partial_[kStderr + 1];
  std::string last_line_[kStderr + 1];
  std::string kept_;
};

// posix_spawn attributes and file actions, destroyed with the scope.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }

  // Configures the child: its own process group, no blocked or ignored
  // signals, stdin `stdin_fd` (or /dev/null when negative), stdout/stderr to
  // the given pipe ends and no other descriptor. Returns an errno value, 0 on
  // success.
  int Configure(int stdin_fd, int stdout_fd, int stderr_fd) {
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    int err = posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETPGROUP |
                                                   POSIX_SPAWN_SETSIGMASK |
                                                   POSIX_SPAWN_SETSIGDEF);
    if (err == 0) err = posix_spawnattr_setpgroup(&attr_, 0);
    if (err == 0) err = posix_spawnattr_setsigmask(&attr_, &none);
    if (err == 0) err = posix_spawnattr_setsigdefault(&attr_, &all);
    if (err == 0 && stdin_fd >= 0) {
      err = posix_spawn_file_actions_adddup2(&actions_, stdin_fd, STDIN_FILENO);
    } else if (err == 0) {
      err = posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO,
                                             "/dev/null", O_RDONLY, 0);
    }
    if (err == 0) {
      err =
          posix_spawn_file_actions_adddup2(&actions_, stdout_fd, STDOUT_FILENO);
    }
    if (err == 0) {
      err =
          posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO);
    }
    // The pipes are O_CLOEXEC, but descriptors opened elsewhere in the
    // daemon without it must not leak into a child either.
    if (err == 0) {
      err = posix_spawn_file_actions_addclosefrom_np(&actions_,
                                                     STDERR_FILENO + 1);
    }
    return err;
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

Status OpenPipe(UniqueFd& read_end, UniqueFd& write_end,
                const std::string& what) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Status::IoError(what + ": creating a pipe: " + ErrnoText(errno));
  }
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return Status::Ok();
}

enum class Drained { kClosed, kDeadline, kOverflow };

// Reads both pipes into `output` until both are closed, `deadline` comes or
// stdout goes over its limit.
Result<Drained> Drain(UniqueFd (&pipes)[kStderr + 1], Output& output,
                      Clock::time_point deadline, const std::string& what) {
  char buffer[4096];
  while (pipes[kStdout].get() >= 0 || pipes[kStderr].get() >= 0) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Drained::kDeadline;
    pollfd fds[kStderr + 1];
    for (int i : {kStdout, kStderr}) fds[i] = {pipes[i].get(), POLLIN, 0};
    const int ready =
        poll(fds, kStderr + 1,
             static_cast<int>(std::min<int64_t>(left.count(), INT_MAX)));
    if (ready < 0 && errno != EINTR) {
      return Status::IoError(what + ": poll: " + ErrnoText(errno));
    }
    for (int i : {kStdout, kStderr}) {
      if (ready <= 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(pipes[i].get(), buffer, sizeof(buffer));
      if (n > 0) {
        if (!output.Append(i, buffer, static_cast<size_t>(n))) {
          return Drained::kOverflow;
        }
      } else if (n == 0) {
        output.Close(i);
        pipes[i].Reset();
      } else if (errno != EINTR) {
        return Status::IoError(what +
                               ": reading its output: " + ErrnoText(errno));
      }
    }
  }
  return Drained::kClosed;
}

// Reaps `pid`, waiting for it until `deadline`. Returns its wait status, or
// nullopt when the deadline came first (then it is still unreaped).
Result<std::optional<int>> WaitUntil(pid_t pid, Clock::time_point deadline,
                                     const std::string& what) {
  // The pipes are closed, so there is nothing to poll; a child normally
  // exits right after closing them, so start with short naps.
  milliseconds nap(1);
  while (true) {
    int wstatus = 0;
    const pid_t r = waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) return std::optional<int>(wstatus);
    if (r < 0 && errno != EINTR) {
      return Status::IoError(what + ": waitpid: " + ErrnoText(errno));
    }
    const auto now = Clock::now();
    if (now >= deadline) return std::optional<int>();
    std::this_thread::sleep_for(std::min<Clock::duration>(nap, deadline - now));
    nap = std::min(nap * 2, milliseconds(16));
  }
}

// Whether `pid` has exited, without reaping it: an unreaped child keeps its
// pid, and so its process group ID, from being reused before
// KillGroupAndReap.
bool HasExited(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info,
                WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

void KillGroupAndReap(pid_t pid) {
  kill(-pid, SIGKILL);
  int wstatus;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
}

std::string WithLastLine(const std::string& message, const Output& output) {
  if (output.last_line().empty()) return message + " and printed nothing";
  return message + "; its last output line: " + output.last_line();
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : std::to_string(signal);
}

}  // namespace

std::string SecondsText(milliseconds d) {
  return fmt::format("{:g}", static_cast<double>(d.count()) / 1000);
}

Status CheckExecutable(const std::string& role, const std::string& path) {
  const std::string what = role + " \"" + path + "\"";
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument(what + " is not an absolute path");
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return Status::InvalidArgument(what + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(what + " is not a regular file");
  }
  if (access(path.c_str(), X_OK) != 0) {
    return Status::InvalidArgument(what +
                                   " is not executable: " + ErrnoText(errno));
  }
  return Status::Ok();
}

Result<std::string> RunChild(const ChildSpec& spec) {
  const std::string& what = spec.what;
  if (spec.argv.empty()) return Status::Internal(what + ": no argv");
  const auto start = Clock::now();
  const auto deadline = start + spec.timeout;

  UniqueFd pipes[kStderr + 1];
  UniqueFd out_w;
  UniqueFd err_w;
  HOSTNIC_RETURN_IF_ERROR(OpenPipe(pipes[kStdout], out_w, what));
  HOSTNIC_RETURN_IF_ERROR(OpenPipe(pipes[kStderr], err_w, what));

  // posix_spawn wants mutable strings; these copies live through the call.
  std::vector<std::string> strings = spec.argv;
  strings.insert(strings.end(), spec.env.begin(), spec.env.end());
  strings.emplace_back(kPath);
  std::vector<char*> argv;
  std::vector<char*> env;
  for (size_t i = 0; i < strings.size(); ++i) {
    (i < spec.argv.size() ? argv : env).push_back(strings[i].data());
  }
  argv.push_back(nullptr);
  env.push_back(nullptr);

  // The input is small: a memory file holds it whole, so feeding it can
  // never block on a child that does not read.
  UniqueFd input;
  if (spec.stdin_data) {
    input.Reset(memfd_create("hostnic-stdin", MFD_CLOEXEC));
    const std::string& data = *spec.stdin_data;
    if (input.get() < 0 ||
        write(input.get(), data.data(), data.size()) !=
            static_cast<ssize_t>(data.size()) ||
        lseek(input.get(), 0, SEEK_SET) != 0) {
      return Status::IoError(what +
                             ": preparing its input: " + ErrnoText(errno));
    }
  }

  SpawnSetup setup;
  int error = setup.Configure(input.get(), out_w.get(), err_w.get());
  if (error != 0) {
    return Status::IoError(what +
                           ": preparing to start it: " + ErrnoText(error));
  }
  pid_t pid;
  error = posix_spawn(&pid, argv[0], setup.actions(), setup.attr(), argv.data(),
                      env.data());
  if (error != 0) {
    std::string message = what + " cannot be started: " + ErrnoText(error);
    if (error == ENOEXEC) message += " (a script needs a #! line)";
    return Status::FailedPrecondition(message);
  }
  spdlog::debug("{} started as pid {}", spec.log_prefix, pid);
  // Only the child may hold the write ends, or EOF would never come.
  out_w.Reset();
  err_w.Reset();

  Output output(spec);
  const Result<Drained> drained = Drain(pipes, output, deadline, what);
  if (!drained.ok()) {
    KillGroupAndReap(pid);
    return drained.status();
  }
  if (*drained == Drained::kOverflow) {
    KillGroupAndReap(pid);
    return Status::FailedPrecondition(what + " printed more than " +
                                      std::to_string(*spec.stdout_limit) +
                                      " bytes on stdout and was killed");
  }
  std::optional<int> wstatus;
  if (*drained == Drained::kClosed) {
    Result<std::optional<int>> waited = WaitUntil(pid, deadline, what);
    // waitpid failing means the child is no longer ours to kill.
    if (!waited.ok()) return waited.status();
    wstatus = *waited;
  }
  if (!wstatus) {
    const bool exited = HasExited(pid);
    KillGroupAndReap(pid);
    // Whatever it printed without a newline yet is worth logging too.
    output.Close(kStdout);
    output.Close(kStderr);
    std::string message = what + " timed out after " +
                          SecondsText(spec.timeout) + " s and was killed";
    if (exited) {
      message +=
          " (it had exited, but a process it started still held its output "
          "open)";
    }
    return Status::Timeout(WithLastLine(message, output));
  }

  if (WIFSIGNALED(*wstatus)) {
    return Status::FailedPrecondition(WithLastLine(
        what + " was killed by " + SignalName(WTERMSIG(*wstatus)), output));
  }
  if (spec.exit_code != nullptr) {
    *spec.exit_code = WEXITSTATUS(*wstatus);
  } else if (WEXITSTATUS(*wstatus) != 0) {
    return Status::FailedPrecondition(WithLastLine(
        what + " exited with code " + std::to_string(WEXITSTATUS(*wstatus)),
        output));
  }
  spdlog::debug(
      "{} succeeded in {} ms", spec.log_prefix,
      std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
  return std::move(output.kept());
}

}  // namespace hostnic
