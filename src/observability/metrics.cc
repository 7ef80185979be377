#include "observability/metrics.h"

#include <map>
#include <sstream>
#include <utility>

namespace hostnic::observability {

void Metrics::Observe(const std::string& method, double seconds, bool ok) {
  MutexLock lock(&mu_);
  Series& s = series_[method];
  s.count++;
  if (!ok) s.errors++;
  s.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      s.buckets[i]++;
      break;
    }
  }
}

std::string Metrics::Render(const std::vector<NicReport>& nics,
                            const DriverCounters& counters) const {
  std::ostringstream out;
  {
    MutexLock lock(&mu_);
    out << "# HELP hostnic_requests_total Remote-driver requests answered.\n"
           "# TYPE hostnic_requests_total counter\n";
    for (const auto& [method, s] : series_) {
      out << "hostnic_requests_total{method=\"" << method << "\"} " << s.count
          << "\n";
    }
    out << "# HELP hostnic_request_errors_total Requests answered with Err.\n"
           "# TYPE hostnic_request_errors_total counter\n";
    for (const auto& [method, s] : series_) {
      out << "hostnic_request_errors_total{method=\"" << method << "\"} "
          << s.errors << "\n";
    }
    out << "# HELP hostnic_request_duration_seconds Time to answer a "
           "request.\n"
           "# TYPE hostnic_request_duration_seconds histogram\n";
    for (const auto& [method, s] : series_) {
      const std::string label = "method=\"" + method + "\"";
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += s.buckets[i];
        out << "hostnic_request_duration_seconds_bucket{" << label << ",le=\""
            << kBuckets[i] << "\"} " << cumulative << "\n";
      }
      out << "hostnic_request_duration_seconds_bucket{" << label
          << ",le=\"+Inf\"} " << s.count << "\n"
          << "hostnic_request_duration_seconds_sum{" << label << "} " << s.sum
          << "\n"
          << "hostnic_request_duration_seconds_count{" << label << "} "
          << s.count << "\n";
    }
  }

  // Metrics count a NIC in its container as away (held, off the host), as
  // they always have, so dashboards keep their meaning.
  using State = NicReport::State;
  std::map<std::string, int> states;
  for (State s : {State::kHeld, State::kAway, State::kFree, State::kRefused}) {
    states[NicStateName(s)] = 0;
  }
  for (const NicReport& nic : nics) {
    const State s = nic.state();
    states[NicStateName(s == State::kInContainer ? State::kAway : s)]++;
  }
  out << "# HELP hostnic_nics Host devices by state (held: by an endpoint, "
         "on the host; away: held and in a container or detached).\n"
         "# TYPE hostnic_nics gauge\n";
  for (const auto& [state, n] : states) {
    out << "hostnic_nics{state=\"" << state << "\"} " << n << "\n";
  }
  // The metadata guard (hostnic.block-metadata), per NIC it is on.
  out << "# HELP hostnic_guard_dropped_frames_total Frames from a guarded "
         "(metadata) address the NIC's guard dropped.\n"
         "# TYPE hostnic_guard_dropped_frames_total counter\n";
  for (const NicReport& nic : nics) {
    if (!nic.guard) continue;
    out << "hostnic_guard_dropped_frames_total{nic=\"" << nic.link.name
        << "\",mac=\"" << nic.link.mac.ToString() << "\",mode=\""
        << nic.guard->mode << "\"} " << nic.guard->dropped << "\n";
  }
  // The NICs' own-address leases, by family and state ("lost: why" counts
  // as lost).
  std::map<std::pair<std::string, std::string>, int> leases;
  for (const NicReport& nic : nics) {
    if (nic.lease) {
      leases[{"ipv4", nic.lease_state.substr(
                          0, nic.lease_state.find_first_of(": ("))}]++;
    }
    if (nic.lease6) {
      leases[{"ipv6", nic.lease6_state.substr(
                          0, nic.lease6_state.find_first_of(": ("))}]++;
    }
  }
  out << "# HELP hostnic_leases NICs' own-address leases hostnic keeps, by "
         "family and state.\n"
         "# TYPE hostnic_leases gauge\n";
  for (const auto& [key, n] : leases) {
    out << "hostnic_leases{family=\"" << key.first << "\",state=\""
        << key.second << "\"} " << n << "\n";
  }
  const std::pair<const char*, uint64_t> totals[] = {
      {"hook_runs_total", counters.hook_runs},
      {"hook_failures_total", counters.hook_failures},
      {"nic_waits_total", counters.waits},
      {"nic_wait_timeouts_total", counters.wait_timeouts},
      {"address_requests_total", counters.address_requests},
      {"address_failures_total", counters.address_failures},
      {"leases_reused_total", counters.leases_reused},
      {"lease_renewals_total", counters.lease_renewals},
      {"lease_renewal_failures_total", counters.lease_renewal_failures},
      {"leases_lost_total", counters.leases_lost},
      {"leases_reacquired_total", counters.leases_reacquired},
      {"leases_moved_total", counters.leases_moved},
      {"leases_released_total", counters.leases_released},
      {"endpoints_abandoned_total", counters.endpoints_abandoned}};
  for (const auto& [name, value] : totals) {
    out << "# TYPE hostnic_" << name << " counter\nhostnic_" << name << " "
        << value << "\n";
  }
  return out.str();
}

}  // namespace hostnic::observability
