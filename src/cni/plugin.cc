#include "cni/plugin.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cni/plugin_commands.h"
#include "cni/plugin_io.h"
#include "cni/request.h"
#include "cni/result.h"

extern char** environ;

namespace hostnic::cni {

namespace {

// Runs the command of a request that parsed; sets `*stdout_text` to what it
// prints on success.
std::optional<Error> Run(const Request& request, const std::string& version,
                         std::string* stdout_text) {
  Plugin plugin(request);
  switch (request.command) {
    case Command::kAdd:
      return plugin.Add(stdout_text);
    case Command::kDel:
      return plugin.Del();
    case Command::kCheck:
      return plugin.Check();
    case Command::kGc:
      return plugin.Gc();
    case Command::kStatus:
      return plugin.Ready();
    case Command::kVersion:
      *stdout_text = EncodeVersion(version, SupportedVersions());
      break;
  }
  return std::nullopt;
}

}  // namespace

int RunPlugin(const std::map<std::string, std::string>& env,
              const std::string& stdin_text, std::string* stdout_text) {
  Request request;
  std::optional<Error> error = ParseRequest(env, stdin_text, &request);
  const auto& supported = SupportedVersions();
  const std::string& asked = request.conf.cni_version;
  const std::string version =
      std::find(supported.begin(), supported.end(), asked) != supported.end()
          ? asked
          : supported.back();
  if (!error) error = Run(request, version, stdout_text);
  if (!error) return 0;
  spdlog::error("{}: {}", error->msg, error->details);
  *stdout_text = EncodeError(error->code, error->msg, error->details, version);
  return 1;
}

int RunPluginMain() {
  LogToStderr("hostnic-cni");

  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.compare(0, 4, "CNI_") != 0) continue;
    const auto eq = entry.find('=');
    if (eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  std::string output;
  const int code = RunPlugin(env, ReadStdin(kMaxStdin), &output);
  PrintAnswer(output);
  return code;
}

}  // namespace hostnic::cni
