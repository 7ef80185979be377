// FakeDhcpTransport: a dhcp::Transport (src/dhcp/transport.h) in fake time
// for the DHCP and DHCPv6 clients' tests. It delivers what `server` answers
// to each sent payload, after its delay; a Receive with nothing due by its
// deadline moves the clock to the deadline.
#ifndef HOSTNIC_TESTS_FAKES_FAKE_DHCP_TRANSPORT_H_
#define HOSTNIC_TESTS_FAKES_FAKE_DHCP_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "dhcp/transport.h"
#include "fakes/fake_clock.h"

namespace hostnic {

class FakeDhcpTransport : public dhcp::Transport {
 public:
  struct Reply {
    std::chrono::milliseconds delay;
    std::vector<uint8_t> bytes;
  };
  explicit FakeDhcpTransport(FakeClock* clock) : clock_(clock) {}

  Status Send(const std::vector<uint8_t>& payload) override {
    sent.push_back({clock_->Monotonic(), payload});
    if (server) {
      for (Reply& reply : server(payload)) {
        queue_.emplace(clock_->Monotonic() + reply.delay,
                       std::move(reply.bytes));
      }
    }
    return Status::Ok();
  }
  Result<std::optional<std::vector<uint8_t>>> Receive(
      MonoTime deadline) override {
    if (queue_.empty() || queue_.begin()->first > deadline) {
      clock_->AdvanceTo(deadline);
      return std::optional<std::vector<uint8_t>>();
    }
    clock_->AdvanceTo(queue_.begin()->first);
    std::vector<uint8_t> bytes = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    return std::optional<std::vector<uint8_t>>(std::move(bytes));
  }

  std::function<std::vector<Reply>(const std::vector<uint8_t>&)> server;
  std::vector<std::pair<MonoTime, std::vector<uint8_t>>> sent;

 private:
  FakeClock* clock_;
  std::multimap<MonoTime, std::vector<uint8_t>> queue_;
};

}  // namespace hostnic

#endif  // HOSTNIC_TESTS_FAKES_FAKE_DHCP_TRANSPORT_H_
