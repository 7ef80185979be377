#include "hostnic/requests.h"

namespace hostnic {

NicReport::State NicReport::state() const {
  if (!endpoint_id.empty()) {
    if (present) return State::kHeld;
    return joined ? State::kInContainer : State::kAway;
  }
  return refused.empty() ? State::kFree : State::kRefused;
}

const char* NicStateName(NicReport::State state) {
  switch (state) {
    case NicReport::State::kInContainer:
      return "in-container";
    case NicReport::State::kHeld:
      return "held";
    case NicReport::State::kAway:
      return "away";
    case NicReport::State::kFree:
      return "free";
    case NicReport::State::kRefused:
      return "refused";
  }
  return "unknown";
}

}  // namespace hostnic
