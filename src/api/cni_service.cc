#include "api/cni_service.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

namespace hostnic::api {

namespace {

using nlohmann::json;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Sha256Hex(const std::string& data, size_t digits) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len && out.size() < digits; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out.substr(0, digits);
}

Result<json> ParseBody(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("request body is not a JSON object");
  }
  return j;
}

Status ReadString(const json& j, const char* key, bool required,
                  std::string* out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    if (!it->is_string()) {
      return Status::InvalidArgument(std::string("field \"") + key +
                                     "\" must be a string");
    }
    *out = it->get<std::string>();
  }
  if (required && out->empty()) {
    return Status::InvalidArgument(std::string("field \"") + key +
                                   "\" is missing");
  }
  return Status::Ok();
}

struct AttachmentRef {
  std::string network;  // CNI network name.
  std::string container_id;
  std::string ifname;
  std::string network_id;
  std::string endpoint_id;
};

Result<AttachmentRef> ReadRef(const json& j) {
  AttachmentRef ref;
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "network", true, &ref.network));
  HOSTNIC_RETURN_IF_ERROR(
      ReadString(j, "containerId", true, &ref.container_id));
  HOSTNIC_RETURN_IF_ERROR(ReadString(j, "ifname", true, &ref.ifname));
  ref.network_id = CniService::NetworkId(ref.network);
  ref.endpoint_id =
      CniService::EndpointId(ref.network, ref.container_id, ref.ifname);
  return ref;
}

// The attachment document of an endpoint the driver holds, or nullopt.
std::optional<json> Describe(const Driver& driver,
                             const std::string& network_id,
                             const std::string& endpoint_id) {
  auto info = driver.EndpointInfo(network_id, endpoint_id);
  if (!info.ok()) return std::nullopt;
  json j = {{"network", network_id},
            {"endpoint", endpoint_id},
            {"mac", info->at("hostnic.mac")},
            {"original", info->at("hostnic.nic")},
            {"netns", ""},
            {"joined", false}};
  for (const NicReport& row : driver.Report()) {
    if (row.endpoint_id == endpoint_id) {
      j["netns"] = row.sandbox_key;
      j["joined"] = row.joined;
    }
  }
  return j;
}

}  // namespace

CniService::CniService(Driver* driver) : driver_(driver) {}

bool CniService::Owns(const std::string& path) {
  return path.compare(0, 5, "/Cni.") == 0;
}

std::string CniService::NetworkId(const std::string& name) {
  const std::string readable = "cni-" + name;
  if (IsValidId(readable)) return readable;
  return "cni-" + Sha256Hex(name, 32);
}

std::string CniService::EndpointId(const std::string& network,
                                   const std::string& container_id,
                                   const std::string& ifname) {
  std::string key = network;
  key += '\0';
  key += container_id;
  key += '\0';
  key += ifname;
  return "cni" + Sha256Hex(key, 40);
}

Handlers::Reply CniService::Handle(const std::string& path,
                                   const std::string& body) {
  using Method =
      Result<std::string> (CniService::*)(const std::string&, std::string*);
  Method method = nullptr;
  if (path == "/Cni.Attach") method = &CniService::Attach;
  if (path == "/Cni.Get") method = &CniService::Get;
  if (path == "/Cni.Release") method = &CniService::Release;
  if (path == "/Cni.Stale") method = &CniService::Stale;
  if (method == nullptr) {
    return {404, Dump({{"Err", "hostnic has no method " + path}}),
            "application/json"};
  }
  std::string ids;
  Status error;
  try {
    Result<std::string> reply = (this->*method)(body, &ids);
    if (reply.ok()) {
      spdlog::debug("{} {}", path, ids);
      return {200, std::move(reply).value(), "application/json"};
    }
    error = reply.status();
  } catch (const std::exception& e) {
    error = Status::Internal(std::string("internal error: ") + e.what());
  }
  // "Not found" is how DEL and CHECK learn that an attachment is gone.
  if (error.code() == Code::kNotFound) {
    spdlog::debug("{} {}: {}", path, ids, error.message());
  } else {
    spdlog::warn("{} {}failed: {}", path, ids.empty() ? "" : ids + " ",
                 error.message());
  }
  return {200,
          Dump({{"Err", error.message()}, {"Code", CodeName(error.code())}}),
          "application/json"};
}

Status CniService::EnsureNetwork(
    const std::string& network_id,
    const std::map<std::string, std::string>& options) {
  CreateNetworkRequest request;
  request.network_id = network_id;
  request.options = options;
  auto source = options.find("hostnic.address");
  if (source == options.end() || source->second != "docker") {
    // As Docker's null IPAM: the address is the NIC's own.
    request.ipv4.push_back({"0.0.0.0/0", "", "null"});
  }
  std::lock_guard<std::mutex> lock(networks_mu_);
  Status created = driver_->CreateNetwork(request);
  if (created.code() != Code::kAlreadyExists) return created;
  // The configuration changed. Its rules may change only while no
  // attachment holds a NIC under the old ones.
  std::vector<std::string> holders;
  for (const NicReport& row : driver_->Report()) {
    if (row.network_id == network_id) {
      holders.push_back(row.link.name + " (" + row.link.mac.ToString() + ")");
    }
  }
  if (!holders.empty()) {
    std::string list;
    for (const auto& h : holders) list += (list.empty() ? "" : ", ") + h;
    return Status::FailedPrecondition(
        "the network configuration changed while its attachments hold NICs "
        "(" +
        list +
        "); remove those containers first, or give the new "
        "configuration another name");
  }
  spdlog::info("network {}: configuration changed, re-creating it", network_id);
  HOSTNIC_RETURN_IF_ERROR(driver_->DeleteNetwork(network_id));
  return driver_->CreateNetwork(request);
}

Result<std::string> CniService::Attach(const std::string& body,
                                       std::string* ids) {
  Result<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  Result<AttachmentRef> ref = ReadRef(*j);
  if (!ref.ok()) return ref.status();
  *ids = "network " + ref->network_id + " endpoint " + ref->endpoint_id;
  std::string netns, nic;
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "netns", true, &netns));
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "nic", false, &nic));
  std::map<std::string, std::string> options;
  if (auto it = j->find("options"); it != j->end() && !it->is_null()) {
    if (!it->is_object()) {
      return Status::InvalidArgument("field \"options\" must be an object");
    }
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        return Status::InvalidArgument("option \"" + key +
                                       "\" must be a string");
      }
      options[key] = value.get<std::string>();
    }
  }
  HOSTNIC_RETURN_IF_ERROR(EnsureNetwork(ref->network_id, options)
                              .Annotate("CNI network " + ref->network));

  CreateEndpointRequest request;
  request.network_id = ref->network_id;
  request.endpoint_id = ref->endpoint_id;
  if (Mac::Parse(nic)) {
    request.mac = nic;
  } else if (!nic.empty()) {
    request.options["hostnic.nic"] = nic;
  }
  Result<CreateEndpointReply> created = driver_->CreateEndpoint(request);
  if (!created.ok()) return created.status();
  Result<JoinReply> joined =
      driver_->Join(ref->network_id, ref->endpoint_id, netns);
  if (!joined.ok()) {
    Status undo = driver_->DeleteEndpoint(ref->network_id, ref->endpoint_id);
    if (!undo.ok()) spdlog::error("{}", undo.message());
    return joined.status();
  }
  std::optional<json> out =
      Describe(*driver_, ref->network_id, ref->endpoint_id);
  if (!out) return Status::Internal("the new endpoint vanished");
  (*out)["name"] = joined->src_name;
  (*out)["address"] = created->address;
  (*out)["gateway"] = joined->gateway;
  (*out)["gateway6"] = joined->gateway6;
  json routes = json::array();
  for (const Route& route : joined->static_routes) {
    routes.push_back({{"dst", route.destination}, {"gw", route.next_hop}});
  }
  (*out)["routes"] = routes;
  return Dump(*out);
}

Result<std::string> CniService::Get(const std::string& body, std::string* ids) {
  Result<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  Result<AttachmentRef> ref = ReadRef(*j);
  if (!ref.ok()) return ref.status();
  *ids = "network " + ref->network_id + " endpoint " + ref->endpoint_id;
  std::optional<json> out =
      Describe(*driver_, ref->network_id, ref->endpoint_id);
  if (!out || (*out)["network"] != ref->network_id) {
    return Status::NotFound("hostnic holds no NIC for container " +
                            ref->container_id + " " + ref->ifname +
                            " on network " + ref->network);
  }
  return Dump(*out);
}

Result<std::string> CniService::Release(const std::string& body,
                                        std::string* ids) {
  Result<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  std::string network_id, endpoint_id;
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "network", true, &network_id));
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "endpoint", true, &endpoint_id));
  *ids = "network " + network_id + " endpoint " + endpoint_id;
  HOSTNIC_RETURN_IF_ERROR(driver_->Leave(network_id, endpoint_id));
  HOSTNIC_RETURN_IF_ERROR(driver_->DeleteEndpoint(network_id, endpoint_id));
  return std::string("{}");
}

Result<std::string> CniService::Stale(const std::string& body,
                                      std::string* ids) {
  Result<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  std::string network;
  HOSTNIC_RETURN_IF_ERROR(ReadString(*j, "network", true, &network));
  const std::string network_id = NetworkId(network);
  *ids = "network " + network_id;
  std::set<std::string> valid;
  if (auto it = j->find("valid"); it != j->end() && !it->is_null()) {
    if (!it->is_array()) {
      return Status::InvalidArgument("field \"valid\" must be a list");
    }
    for (const json& item : *it) {
      if (!item.is_object()) {
        return Status::InvalidArgument("each of \"valid\" must be an object");
      }
      std::string container_id, ifname;
      HOSTNIC_RETURN_IF_ERROR(
          ReadString(item, "containerId", true, &container_id));
      HOSTNIC_RETURN_IF_ERROR(ReadString(item, "ifname", false, &ifname));
      valid.insert(EndpointId(network, container_id, ifname));
    }
  }
  json stale = json::array();
  for (const NicReport& row : driver_->Report()) {
    if (row.network_id != network_id || valid.count(row.endpoint_id)) {
      continue;
    }
    if (auto out = Describe(*driver_, network_id, row.endpoint_id)) {
      stale.push_back(*out);
    }
  }
  return Dump({{"attachments", stale}});
}

}  // namespace hostnic::api
