// The remote-driver protocol as the handlers fuzzer speaks and checks it:
// the methods a script names, and what Docker would make of each reply.
#ifndef HOSTNIC_TESTS_FUZZ_HANDLERS_PROTOCOL_H_
#define HOSTNIC_TESTS_FUZZ_HANDLERS_PROTOCOL_H_

#include <string>

#include "docker/handlers.h"
#include "driver/driver.h"

namespace hostnic::fuzz {

// A PATH without the leading '/' that names a method ("Join",
// "Plugin.Activate") as the method's path; anything else as is.
std::string Expand(const std::string& path);

// POSTs BODY to PATH through HANDLERS and fails (Fail, naming STEP) unless
// the reply is what Docker accepts: HTTP 200 for the protocol's methods and
// 404 otherwise, a JSON object body, an "Err" that is a non-empty string
// and alone, and a success of the documented shape, consistent with what
// DRIVER then reports (a CreateEndpoint's MAC is the endpoint's NIC; a Join
// names the joined endpoint's NIC on the host).
void SendAndCheck(docker::Handlers* handlers, const Driver& driver,
                  const std::string& step, const std::string& path,
                  const std::string& body);

}  // namespace hostnic::fuzz

#endif  // HOSTNIC_TESTS_FUZZ_HANDLERS_PROTOCOL_H_
