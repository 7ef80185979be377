#include "hostnic/status.h"

#include <iterator>

#include "common/enum_names.h"

namespace hostnic {

const char* CodeName(Code code) {
  static const char* const kNames[] = {"ok",
                                       "invalid argument",
                                       "not found",
                                       "already exists",
                                       "busy",
                                       "failed precondition",
                                       "timeout",
                                       "i/o error",
                                       "internal error"};
  static_assert(std::size(kNames) == static_cast<size_t>(Code::kInternal) + 1,
                "a name for every Code, in its order");
  return NameAt(kNames, static_cast<long>(code));
}

Status Status::Annotate(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace hostnic
