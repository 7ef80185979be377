#include "dhcp/retransmit.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace hostnic::dhcp {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kFast[] = {milliseconds(10), milliseconds(30),
                                  milliseconds(70), milliseconds(150)};
constexpr int kFastSends = sizeof(kFast) / sizeof(kFast[0]);
constexpr milliseconds kFirstSlow{1000};
constexpr milliseconds kMaxSlow{8000};

}  // namespace

milliseconds Backoff(int sends_before, double jitter) {
  if (sends_before < kFastSends) return kFast[std::max(sends_before, 0)];
  const int doublings = std::min(sends_before - kFastSends, 3);
  const milliseconds delay =
      std::min<milliseconds>(kFirstSlow * (1 << doublings), kMaxSlow);
  const milliseconds spread =
      std::min<milliseconds>(delay / 2, std::chrono::seconds(1));
  return delay + std::chrono::duration_cast<milliseconds>(
                     spread * std::clamp(jitter, -1.0, 1.0));
}

Result<bool> SendUntilAnswer(Transport& transport, const Clock& clock,
                             const Retransmission& message, MonoTime deadline,
                             const std::function<double()>& jitter,
                             const std::string& protocol,
                             const std::string& nic, int* ignored) {
  for (int sends = 0; message.max_sends == 0 || sends < message.max_sends;
       ++sends) {
    const MonoTime now = clock.Monotonic();
    if (now >= deadline) return false;
    HOSTNIC_RETURN_IF_ERROR(transport.Send(message.encode(now)));
    const MonoTime wait_until =
        std::min(deadline, now + Backoff(sends, jitter ? jitter() : 0.0));
    while (true) {
      Result<std::optional<std::vector<uint8_t>>> payload =
          transport.Receive(wait_until);
      if (!payload.ok()) return payload.status();
      if (!payload->has_value()) break;
      const std::string why = message.check(**payload);
      if (why.empty()) return true;
      // Anyone on the link can send anything: say why, but boundedly.
      if (++*ignored <= kMaxLoggedIgnores) {
        spdlog::debug("{} on NIC {}: ignoring a {}-byte reply: {}{}", protocol,
                      nic, (*payload)->size(), why,
                      *ignored == kMaxLoggedIgnores
                          ? " (further ignored replies are not logged)"
                          : "");
      }
    }
  }
  return false;
}

}  // namespace hostnic::dhcp
