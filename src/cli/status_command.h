// `hostnic status`: asks a running daemon over its socket which NICs it sees
// and who holds them, and prints a table (or the raw JSON document).
#ifndef HOSTNIC_CLI_STATUS_COMMAND_H_
#define HOSTNIC_CLI_STATUS_COMMAND_H_

#include <string>

namespace hostnic::cli {

// Prints to stdout; errors (daemon not running, ...) to stderr. Returns the
// process exit code: 0 on success, 1 when the daemon cannot be asked.
int RunStatus(const std::string& socket_path, bool json);

}  // namespace hostnic::cli

#endif  // HOSTNIC_CLI_STATUS_COMMAND_H_
