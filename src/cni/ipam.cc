#include "cni/ipam.h"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cni/json_util.h"
#include "cni/static_ipam.h"
#include "common/enum_names.h"
#include "hooks/child_process.h"

namespace hostnic::cni {

namespace {

using nlohmann::json;

constexpr std::chrono::minutes kIpamTimeout{5};
constexpr size_t kMaxOutput = 1 << 20;

const char* Verb(Command command) {
  static const char* const kVerbs[] = {"ADD", "DEL",    "CHECK",
                                       "GC",  "STATUS", "VERSION"};
  static_assert(std::size(kVerbs) == static_cast<size_t>(Command::kVersion) + 1,
                "a verb for every Command, in its order");
  return NameAt(kVerbs, static_cast<long>(command));
}

struct Ran {
  int exit_code = 0;
  std::string out;
};

Result<Ran> Exec(const std::string& plugin, const Request& request,
                 const char* verb, const std::string& input) {
  std::string path;
  for (const auto& dir : request.path) path += (path.empty() ? "" : ":") + dir;
  ChildSpec spec;
  spec.what = "IPAM plugin " + plugin + " (" + verb + ")";
  spec.log_prefix = spec.what;
  spec.argv = {plugin};
  spec.env = {std::string("CNI_COMMAND=") + verb,
              "CNI_CONTAINERID=" + request.container_id,
              "CNI_NETNS=" + request.netns,
              "CNI_IFNAME=" + request.ifname,
              "CNI_ARGS=" + request.args,
              "CNI_PATH=" + path};
  spec.timeout = kIpamTimeout;
  spec.stdout_limit = kMaxOutput;
  spec.stdin_data = input;
  Ran ran;
  spec.exit_code = &ran.exit_code;
  Result<std::string> out = RunChild(spec);
  if (!out.ok()) return out.status();
  ran.out = *out;
  return ran;
}

// The error document an IPAM plugin printed: its code and a sentence.
std::pair<int, std::string> ErrorOf(const Ran& ran) {
  json j = json::parse(ran.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return {0, "exited with code " + std::to_string(ran.exit_code) +
                   " without an error document"};
  }
  int code = j.value("code", 0);
  std::string text = "error " + std::to_string(code);
  if (j.contains("msg") && j["msg"].is_string()) {
    text += ": " + j["msg"].get<std::string>();
  }
  if (j.contains("details") && j["details"].is_string() &&
      !j["details"].get<std::string>().empty()) {
    text += " (" + j["details"].get<std::string>() + ")";
  }
  return {code, text};
}

Result<std::string> FindPlugin(const Request& request) {
  const std::string& type = request.conf.ipam_type;
  for (const std::string& dir : request.path) {
    const std::string candidate = dir + "/" + type;
    if (CheckExecutable("IPAM plugin", candidate).ok()) return candidate;
  }
  std::string dirs;
  for (const auto& dir : request.path) dirs += (dirs.empty() ? "" : ", ") + dir;
  return Status::NotFound("IPAM plugin " + type + " is not in CNI_PATH (" +
                          (dirs.empty() ? "empty" : dirs) + ")");
}

// The newest version both `plugin` and hostnic speak, not newer than
// `wanted`; empty when there is none.
Result<std::string> Negotiate(const std::string& plugin, const Request& request,
                              const std::string& wanted) {
  Result<Ran> ran =
      Exec(plugin, request, "VERSION", Dump({{"cniVersion", wanted}}));
  if (!ran.ok()) return ran.status();
  json j = json::parse(ran->out, nullptr, false);
  std::vector<std::string> theirs;
  if (!j.is_discarded() && j.is_object() && j.contains("supportedVersions") &&
      j["supportedVersions"].is_array()) {
    for (const json& v : j["supportedVersions"]) {
      if (v.is_string()) theirs.push_back(v.get<std::string>());
    }
  }
  std::string best;
  for (const std::string& v : SupportedVersions()) {
    if (OlderThan(wanted, v)) break;
    if (std::find(theirs.begin(), theirs.end(), v) != theirs.end()) best = v;
  }
  return best;
}

}  // namespace

Result<CniResult> RunIpam(const Request& request, Command command) {
  if (request.conf.ipam.empty()) return CniResult();
  if (auto applied = RunStaticIpam(request, command)) return *applied;
  Result<std::string> plugin = FindPlugin(request);
  if (!plugin.ok()) return plugin.status();
  const char* verb = Verb(command);
  const bool optional_verb =
      command == Command::kGc || command == Command::kStatus;

  if (optional_verb) {
    // Plugins before 1.1.0 do not know these verbs and may fail oddly.
    Result<std::string> version =
        Negotiate(*plugin, request, request.conf.cni_version);
    if (!version.ok()) return version.status();
    if (version->empty() || OlderThan(*version, "1.1.0")) return CniResult();
  }
  std::string input = request.stdin_text;
  Result<Ran> ran = Exec(*plugin, request, verb, input);
  if (!ran.ok()) return ran.status();
  if (ran->exit_code != 0 && ErrorOf(*ran).first == 1) {
    // Older than the configuration: speak its newest version.
    Result<std::string> version =
        Negotiate(*plugin, request, request.conf.cni_version);
    if (!version.ok()) return version.status();
    if (version->empty()) {
      return Status::FailedPrecondition(
          "IPAM plugin " + *plugin + " speaks no CNI version up to " +
          request.conf.cni_version + " that hostnic speaks");
    }
    json conf = json::parse(input);
    conf["cniVersion"] = *version;
    if (request.conf.prev_result) {
      conf["prevResult"] =
          json::parse(EncodeResult(*request.conf.prev_result, *version));
    }
    input = Dump(conf);
    ran = Exec(*plugin, request, verb, input);
    if (!ran.ok()) return ran.status();
  }
  if (ran->exit_code != 0) {
    auto [code, text] = ErrorOf(*ran);
    return Status::FailedPrecondition("IPAM plugin " + *plugin + " " + verb +
                                      ": " + text);
  }
  if (command != Command::kAdd) return CniResult();
  Result<CniResult> result = DecodeResult(ran->out);
  if (!result.ok()) {
    return result.status().Annotate("IPAM plugin " + *plugin +
                                    " printed a result hostnic cannot read");
  }
  return result;
}

}  // namespace hostnic::cni
