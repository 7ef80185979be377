#include "hostnic/requests.h"

#include <iterator>

#include "common/enum_names.h"

namespace hostnic {

NicReport::State NicReport::state() const {
  if (!endpoint_id.empty()) {
    if (present) return State::kHeld;
    return joined ? State::kInContainer : State::kAway;
  }
  return refused.empty() ? State::kFree : State::kRefused;
}

const char* NicStateName(NicReport::State state) {
  static const char* const kNames[] = {"in-container", "held", "away", "free",
                                       "refused"};
  static_assert(
      std::size(kNames) == static_cast<size_t>(NicReport::State::kRefused) + 1,
      "a name for every State, in its order");
  return NameAt(kNames, static_cast<long>(state));
}

}  // namespace hostnic
