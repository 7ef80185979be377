// Metrics: request counts, errors and latency histograms per remote-driver
// method, rendered with the driver's gauges and counters in the Prometheus
// text exposition format (GET /metrics).
#ifndef HOSTNIC_OBSERVABILITY_METRICS_H_
#define HOSTNIC_OBSERVABILITY_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "driver/driver.h"

namespace hostnic::observability {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1,     10};

  // Records one answered request of `method` ("NetworkDriver.Join").
  void Observe(const std::string& method, double seconds, bool ok);

  // The whole exposition: hostnic_requests_total, hostnic_request_errors_total,
  // hostnic_request_duration_seconds (histogram), hostnic_nics{state=...}
  // from `nics`, and hostnic_hook_runs_total, hostnic_hook_failures_total,
  // hostnic_nic_waits_total, hostnic_nic_wait_timeouts_total from `counters`.
  std::string Render(const std::vector<NicReport>& nics,
                     const DriverCounters& counters) const;

 private:
  struct Series {
    uint64_t count = 0;
    uint64_t errors = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};  // Cumulative at render.
  };
  mutable Mutex mu_;
  std::map<std::string, Series> series_ GUARDED_BY(mu_);
};

}  // namespace hostnic::observability

#endif  // HOSTNIC_OBSERVABILITY_METRICS_H_
