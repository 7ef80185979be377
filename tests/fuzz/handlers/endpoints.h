// What the handlers fuzzer's checks compare: endpoints as the driver reports
// them or the store holds them; and how a broken invariant is reported.
#ifndef HOSTNIC_TESTS_FUZZ_HANDLERS_ENDPOINTS_H_
#define HOSTNIC_TESTS_FUZZ_HANDLERS_ENDPOINTS_H_

#include <map>
#include <string>
#include <tuple>

#include "driver/driver.h"
#include "hostnic/mac.h"

namespace hostnic::fuzz {

// Prints the step, what broke and DETAIL to stderr, then aborts: libFuzzer
// keeps the input as a crash.
[[noreturn]] void Fail(const std::string& step, const std::string& what,
                       const std::string& detail = "");

// endpoint ID -> (network ID, MAC, joined)
using EndpointView = std::map<std::string, std::tuple<std::string, Mac, bool>>;

// The endpoints DRIVER knows (Driver::Report).
EndpointView FromReport(const Driver& driver);

// "e1@n1=52:54:...(joined) e2@n1=..." or "(none)".
std::string Describe(const EndpointView& view);

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_HANDLERS_ENDPOINTS_H_
