#include "cli/status_command.h"

#include <cstdio>

#include "observability/status_json.h"
#include "http/unix_http_client.h"

namespace hostnic::cli {

int RunStatus(const std::string& socket_path, bool json) {
  http::UnixHttpClient client(socket_path);
  auto reply = client.Get("/status");
  if (!reply.ok()) {
    std::fprintf(stderr,
                 "hostnic status: cannot ask the daemon on %s: %s\n"
                 "Is it running? (start it with scripts/run.sh, or pass "
                 "--socket)\n",
                 socket_path.c_str(), reply.status().message().c_str());
    return 1;
  }
  if (reply->status != 200) {
    std::fprintf(stderr, "hostnic status: the daemon answered HTTP %d: %s\n",
                 reply->status, reply->body.c_str());
    return 1;
  }
  if (json) {
    std::fputs(reply->body.c_str(), stdout);
    std::fputs("\n", stdout);
    return 0;
  }
  auto table = observability::StatusJsonToTable(reply->body);
  if (!table.ok()) {
    std::fprintf(stderr, "hostnic status: %s\n",
                 table.status().message().c_str());
    return 1;
  }
  std::fputs(table->c_str(), stdout);
  return 0;
}

}  // namespace hostnic::cli
