#include "hooks/process_hooks.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "hooks/child_process.h"

namespace hostnic {

namespace {

constexpr char kBlanks[] = " \t\r\n\v\f";

// The first whitespace-separated word of `line` that is a non-zero MAC.
std::optional<Mac> FindMac(std::string_view line) {
  for (size_t start = line.find_first_not_of(kBlanks);
       start != std::string_view::npos;
       start = line.find_first_not_of(kBlanks, start)) {
    const size_t end =
        std::min(line.find_first_of(kBlanks, start), line.size());
    const std::optional<Mac> mac = Mac::Parse(line.substr(start, end - start));
    if (mac && !mac->IsZero()) return mac;
    start = end;
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<ProcessHooks>> ProcessHooks::Create(
    ProcessHooksOptions options) {
  if (!options.attach_command.empty()) {
    HOSTNIC_RETURN_IF_ERROR(
        CheckExecutable("attach hook", options.attach_command));
  }
  if (!options.detach_command.empty()) {
    HOSTNIC_RETURN_IF_ERROR(
        CheckExecutable("detach hook", options.detach_command));
  }
  if (options.timeout.count() <= 0) {
    return Status::InvalidArgument("the hook timeout must be positive, not " +
                                   SecondsText(options.timeout) + " s");
  }
  return std::unique_ptr<ProcessHooks>(new ProcessHooks(std::move(options)));
}

bool ProcessHooks::HasAttach() const {
  return !options_.attach_command.empty();
}

bool ProcessHooks::HasDetach() const {
  return !options_.detach_command.empty();
}

Result<std::optional<Mac>> ProcessHooks::Attach(const HookRequest& request) {
  if (!HasAttach()) {
    return Status::FailedPrecondition("no attach hook is configured");
  }
  return Run("attach", options_.attach_command, request);
}

Status ProcessHooks::Detach(const HookRequest& request) {
  if (!HasDetach()) {
    return Status::FailedPrecondition("no detach hook is configured");
  }
  return Run("detach", options_.detach_command, request).status();
}

Result<std::optional<Mac>> ProcessHooks::Run(const char* event,
                                             const std::string& command,
                                             const HookRequest& request) const {
  std::optional<Mac> found;
  ChildSpec spec;
  spec.what = std::string(event) + " hook " + command;
  spec.log_prefix = std::string(event) + " hook (endpoint " +
                    request.endpoint_id.substr(0, 12) + ")";
  spec.argv = {command, event};
  spec.env = {
      std::string("HOSTNIC_EVENT=") + event,
      "HOSTNIC_NETWORK_ID=" + request.network_id,
      "HOSTNIC_ENDPOINT_ID=" + request.endpoint_id,
      "HOSTNIC_MAC=" + (request.mac ? request.mac->ToString() : ""),
      "HOSTNIC_IP=" + request.address,
      "HOSTNIC_NIC=" + request.nic_name,
  };
  spec.timeout = options_.timeout;
  spec.on_stdout_line = [&found](std::string_view line) {
    if (!found) found = FindMac(line);
  };
  HOSTNIC_RETURN_IF_ERROR(RunChild(spec).status());
  return found;
}

}  // namespace hostnic
