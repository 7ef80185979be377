#include "fuzz/handlers/endpoints.h"

#include <cstdio>
#include <cstdlib>

namespace hostnic::fuzz {

void Fail(const std::string& step, const std::string& what,
          const std::string& detail) {
  std::fprintf(stderr, "\nINVARIANT VIOLATED at step: %s\n  %s\n%s%s\n",
               step.c_str(), what.c_str(), detail.empty() ? "" : "  ",
               detail.c_str());
  std::abort();
}

EndpointView FromReport(const Driver& driver) {
  EndpointView view;
  for (const NicReport& row : driver.Report()) {
    if (row.endpoint_id.empty()) continue;
    view[row.endpoint_id] =
        std::make_tuple(row.network_id, row.link.mac, row.joined);
  }
  return view;
}

std::string Describe(const EndpointView& view) {
  std::string out;
  for (const auto& [id, e] : view) {
    out += id + "@" + std::get<0>(e) + "=" + std::get<1>(e).ToString() +
           (std::get<2>(e) ? "(joined) " : " ");
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace hostnic::fuzz
