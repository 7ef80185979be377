#include "fuzz/handlers/protocol.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "fuzz/handlers/endpoints.h"

namespace hostnic::fuzz {
namespace {

using nlohmann::json;

const char* const kMethods[] = {
    "/Plugin.Activate",
    "/NetworkDriver.GetCapabilities",
    "/NetworkDriver.CreateNetwork",
    "/NetworkDriver.DeleteNetwork",
    "/NetworkDriver.AllocateNetwork",
    "/NetworkDriver.FreeNetwork",
    "/NetworkDriver.CreateEndpoint",
    "/NetworkDriver.EndpointOperInfo",
    "/NetworkDriver.DeleteEndpoint",
    "/NetworkDriver.Join",
    "/NetworkDriver.Leave",
    "/NetworkDriver.DiscoverNew",
    "/NetworkDriver.DiscoverDelete",
    "/NetworkDriver.ProgramExternalConnectivity",
    "/NetworkDriver.RevokeExternalConnectivity",
};

bool KnownMethod(const std::string& path) {
  for (const char* m : kMethods) {
    if (path == m) return true;
  }
  return false;
}

void CheckCreateEndpoint(const Driver& driver, const std::string& step,
                         const json& request, const std::string& endpoint_id,
                         const json& reply) {
  if (reply.empty()) return;
  const json* mac = nullptr;
  const json* address = nullptr;
  if (auto i = reply.find("Interface"); i != reply.end() && i->is_object()) {
    if (auto m = i->find("MacAddress"); m != i->end() && m->is_string())
      mac = &*m;
    // A DHCP network answers the NIC's own address.
    if (auto a = i->find("Address"); a != i->end() && a->is_string())
      address = &*a;
    if (i->size() != (mac ? 1u : 0u) + (address ? 1u : 0u)) {
      Fail(step, "CreateEndpoint reply with other fields", reply.dump());
    }
  }
  if (mac == nullptr && address != nullptr) return;  // Docker's MAC.
  if (mac == nullptr || !Mac::Parse(mac->get<std::string>())) {
    Fail(step, "CreateEndpoint reply without a MAC", reply.dump());
  }
  // Docker rejects a reply that changes a MAC it sent.
  if (request.is_object()) {
    auto i = request.find("Interface");
    if (i != request.end() && i->is_object()) {
      auto m = i->find("MacAddress");
      if (m != i->end() && m->is_string() && !m->get<std::string>().empty()) {
        Fail(step, "CreateEndpoint answered a MAC Docker had set",
             reply.dump());
      }
    }
  }
  const EndpointView view = FromReport(driver);
  auto e = view.find(endpoint_id);
  if (e == view.end() ||
      std::get<1>(e->second) != *Mac::Parse(mac->get<std::string>())) {
    Fail(step, "CreateEndpoint answered a MAC the endpoint does not hold",
         reply.dump() + " / " + Describe(view));
  }
}

void CheckJoin(const Driver& driver, const std::string& step,
               const std::string& endpoint_id, const json& reply) {
  const auto iface = reply.find("InterfaceName");
  if (iface == reply.end() || !iface->is_object() ||
      !iface->contains("SrcName") || !(*iface)["SrcName"].is_string() ||
      (*iface)["SrcName"].get<std::string>().empty() ||
      iface->value("DstPrefix", json()) != "eth") {
    Fail(step, "Join reply without InterfaceName", reply.dump());
  }
  const std::string src = (*iface)["SrcName"];
  for (const NicReport& row : driver.Report()) {
    if (row.present && row.link.name == src && row.endpoint_id == endpoint_id &&
        row.joined) {
      return;
    }
  }
  Fail(step, "Join answered " + src +
                 ", which is not the joined endpoint's NIC on the host");
}

void CheckSuccess(const Driver& driver, const std::string& step,
                  const std::string& path, const std::string& body,
                  const json& reply) {
  // A request that succeeded was valid JSON with string IDs.
  const json request = json::parse(body, nullptr, false);
  std::string endpoint_id;
  if (request.is_object()) {
    auto it = request.find("EndpointID");
    if (it != request.end() && it->is_string()) endpoint_id = *it;
  }
  if (path == "/NetworkDriver.CreateEndpoint") {
    CheckCreateEndpoint(driver, step, request, endpoint_id, reply);
  } else if (path == "/NetworkDriver.Join") {
    CheckJoin(driver, step, endpoint_id, reply);
  } else if (path == "/NetworkDriver.EndpointOperInfo") {
    if (!reply.contains("Value") || !reply["Value"].is_object()) {
      Fail(step, "EndpointOperInfo reply without Value", reply.dump());
    }
  } else if (path == "/Plugin.Activate") {
    if (reply != json::parse(R"({"Implements":["NetworkDriver"]})")) {
      Fail(step, "Activate reply", reply.dump());
    }
  } else if (path == "/NetworkDriver.GetCapabilities") {
    if (reply.value("Scope", json()) != "local") {
      Fail(step, "GetCapabilities reply", reply.dump());
    }
  } else if (!reply.empty()) {
    Fail(step, "success reply is not {}", reply.dump());
  }
}

}  // namespace

std::string Expand(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  for (const char* m : kMethods) {
    const std::string full = m;
    if (full == "/" + path || full == "/NetworkDriver." + path) return full;
  }
  return path;
}

void SendAndCheck(docker::Handlers* handlers, const Driver& driver,
                  const std::string& step, const std::string& path,
                  const std::string& body) {
  docker::Handlers::Reply reply;
  try {
    reply = handlers->Handle(path, body);
  } catch (const std::exception& e) {
    Fail(step, "Handle threw", e.what());
  } catch (...) {
    Fail(step, "Handle threw a non-std exception");
  }
  const bool known = KnownMethod(path);
  if (reply.http_status != (known ? 200 : 404)) {
    Fail(step, "HTTP status " + std::to_string(reply.http_status), path);
  }
  if (reply.body.empty()) Fail(step, "empty reply body");
  const json j = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    Fail(step, "reply is not a JSON object", reply.body);
  }
  if (auto err = j.find("Err"); err != j.end()) {
    if (!err->is_string() || err->get<std::string>().empty()) {
      Fail(step, "\"Err\" is not a non-empty string", reply.body);
    }
    if (j.size() != 1) Fail(step, "error reply with more fields", reply.body);
    return;
  }
  if (!known) Fail(step, "404 without Err", reply.body);
  CheckSuccess(driver, step, path, body, j);
}

}  // namespace hostnic::fuzz
