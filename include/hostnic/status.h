// Status and Result<T>: how every module boundary in hostnic reports failure.
//
// A Status is either OK or carries a Code and a human sentence that says what
// was being done and why it failed (with the IDs, MAC and interface name
// involved). Messages are written once, where an error enters hostnic (errno,
// libnl code, bad input), and logged once, where it leaves (the API reply).
#ifndef HOSTNIC_STATUS_H_
#define HOSTNIC_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace hostnic {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // The request itself is wrong; retrying cannot help.
  kNotFound,            // A named network, endpoint or NIC does not exist.
  kAlreadyExists,       // An ID is taken by another object.
  kBusy,                // A NIC is held by another endpoint.
  kFailedPrecondition,  // The system is not in a state that allows this.
  kTimeout,             // A wait ran out.
  kIoError,             // The state directory or the kernel said no.
  kInternal,            // A hostnic bug.
};

// Returns a stable lowercase name for `code`, e.g. "invalid argument".
const char* CodeName(Code code);

class Status;

// Makes a Status of error code `kCode` from its message; Status names one for
// each code below.
template <Code kCode>
struct ErrorOf {
  static_assert(kCode != Code::kOk, "an OK Status has no message");
  Status operator()(std::string message) const;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // One factory per error code: Status::NotFound("...") is
  // Status(Code::kNotFound, "...").
  static constexpr ErrorOf<Code::kInvalidArgument> InvalidArgument{};
  static constexpr ErrorOf<Code::kNotFound> NotFound{};
  static constexpr ErrorOf<Code::kAlreadyExists> AlreadyExists{};
  static constexpr ErrorOf<Code::kBusy> Busy{};
  static constexpr ErrorOf<Code::kFailedPrecondition> FailedPrecondition{};
  static constexpr ErrorOf<Code::kTimeout> Timeout{};
  static constexpr ErrorOf<Code::kIoError> IoError{};
  static constexpr ErrorOf<Code::kInternal> Internal{};

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The human sentence; empty when OK.
  const std::string& message() const { return message_; }
  // Returns a copy whose message is "`context`: <message>".
  Status Annotate(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <Code kCode>
Status ErrorOf<kCode>::operator()(std::string message) const {
  return Status(kCode, std::move(message));
}

// Either a T or a non-OK Status. Accessing value() of a failed Result is a
// programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design.
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "a Result built from a Status must be an error");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace hostnic

// Returns early from the calling function with the Status of `expr` when it
// is not OK.
#define HOSTNIC_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::hostnic::Status hostnic_status_ = (expr);        \
    if (!hostnic_status_.ok()) return hostnic_status_; \
  } while (0)

#endif  // HOSTNIC_STATUS_H_
