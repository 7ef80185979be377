// The hostnic executable (HOSTNIC_BINARY) run as a child process, as a
// service manager runs it, for the tests of the daemon as a whole.
#ifndef HOSTNIC_TESTS_INTEGRATION_DAEMON_PROCESS_H_
#define HOSTNIC_TESTS_INTEGRATION_DAEMON_PROCESS_H_

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "http/unix_http_client.h"
#include "integration/netns_env.h"

namespace hostnic::itest {

// Starts `args` (args[0] the executable's path), its stdout and stderr
// appended to `log`; the child's pid, or -1 when fork() failed.
inline pid_t SpawnProcess(std::vector<std::string> args,
                          const std::string& log) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Starts HOSTNIC_BINARY with `args`, as SpawnProcess.
inline pid_t SpawnDaemon(std::vector<std::string> args,
                         const std::string& log) {
  args.insert(args.begin(), HOSTNIC_BINARY);
  return SpawnProcess(std::move(args), log);
}

// True once the daemon on `socket` answers GET `path` with 200, within 30 s.
inline bool WaitForDaemon(const std::string& socket, const std::string& path) {
  return WaitUntil(
      [&] {
        auto reply = http::UnixHttpClient(socket).Get(path);
        return reply.ok() && reply->status == 200;
      },
      std::chrono::seconds(30));
}

}  // namespace hostnic::itest

#endif  // HOSTNIC_TESTS_INTEGRATION_DAEMON_PROCESS_H_
