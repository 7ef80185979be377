// FailsWith: a gmock matcher for a Status, or a Result<T>, that failed with
// a given Code and a message a string matcher accepts:
//   EXPECT_THAT(driver_->CreateEndpoint(r),
//               FailsWith(Code::kBusy, HasSubstr("already held")));
#ifndef HOSTNIC_TESTS_FAKES_STATUS_MATCHERS_H_
#define HOSTNIC_TESTS_FAKES_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "hostnic/status.h"

namespace hostnic {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

MATCHER_P2(FailsWith, code, message_matcher,
           std::string("fails with ") + CodeName(code)) {
  const Status& status = StatusOf(arg);
  *result_listener << "which is " << CodeName(status.code()) << ": \""
                   << status.message() << "\"";
  return status.code() == code &&
         ::testing::Matches(message_matcher)(status.message());
}

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_STATUS_MATCHERS_H_
