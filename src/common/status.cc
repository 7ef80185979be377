#include "hostnic/status.h"

namespace hostnic {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid argument";
    case Code::kNotFound:
      return "not found";
    case Code::kAlreadyExists:
      return "already exists";
    case Code::kBusy:
      return "busy";
    case Code::kFailedPrecondition:
      return "failed precondition";
    case Code::kTimeout:
      return "timeout";
    case Code::kIoError:
      return "i/o error";
    case Code::kInternal:
      return "internal error";
  }
  return "unknown";
}

Status Status::Annotate(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace hostnic
