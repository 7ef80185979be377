#include "cni/service.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <optional>
#include <set>

#include "cni/wire.h"
#include "hostnic/link.h"
#include "hostnic/options.h"

namespace hostnic::cni {

namespace {

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

// The attachment of an endpoint the driver holds, or nullopt.
std::optional<wire::Attachment> Describe(const Driver& driver,
                                         const std::string& network_id,
                                         const std::string& endpoint_id) {
  auto info = driver.EndpointInfo(network_id, endpoint_id);
  if (!info.ok()) return std::nullopt;
  wire::Attachment out;
  out.network_id = network_id;
  out.endpoint_id = endpoint_id;
  out.mac = info->at(kInfoMac);
  out.original = info->at(kOptNic);
  for (const NicReport& row : driver.Report()) {
    if (row.endpoint_id == endpoint_id) {
      out.netns = row.sandbox_key;
      out.joined = row.joined;
    }
  }
  return out;
}

// The driver IDs of an attachment.
struct Ids {
  std::string network_id;
  std::string endpoint_id;
};

Ids IdsOf(const wire::AttachmentKey& key) {
  if (key.runtime == wire::kRuntimeNetavark) {
    return {CniService::PodmanNetworkId(key.network),
            CniService::PodmanEndpointId(key.network, key.container_id,
                                         key.ifname)};
  }
  return {CniService::NetworkId(key.network, key.identity),
          CniService::EndpointId(key.network, key.identity, key.container_id,
                                 key.ifname)};
}

}  // namespace

CniService::CniService(Driver* driver, NetnsReturns* returns)
    : driver_(driver), returns_(returns) {}

bool CniService::Owns(const std::string& path) {
  return path.compare(0, 5, "/Cni.") == 0;
}

std::string CniService::NetworkId(const std::string& name,
                                  const std::string& identity) {
  std::string key = name;
  std::string readable = "cni-" + name;
  if (!identity.empty()) {
    key += '\0';
    key += identity;
    readable += "-" + Sha256Hex(key, 8);
  }
  if (IsValidId(readable)) return readable;
  return "cni-" + Sha256Hex(key, 32);
}

std::string CniService::EndpointId(const std::string& network,
                                   const std::string& identity,
                                   const std::string& container_id,
                                   const std::string& ifname) {
  std::string key = network;
  key += '\0';
  key += container_id;
  key += '\0';
  key += ifname;
  if (!identity.empty()) {
    key += '\0';
    key += identity;
  }
  return "cni" + Sha256Hex(key, 40);
}

std::string CniService::PodmanNetworkId(const std::string& network) {
  return "podman-" + network;
}

std::string CniService::PodmanEndpointId(const std::string& network,
                                         const std::string& container_id,
                                         const std::string& ifname) {
  std::string key = PodmanNetworkId(network);
  key += '\0';
  key += container_id;
  key += '\0';
  key += ifname;
  return "podman" + Sha256Hex(key, 40);
}

http::Reply CniService::Handle(const std::string& path,
                               const std::string& body) {
  using Method =
      Result<std::string> (CniService::*)(const std::string&, std::string*);
  Method method = nullptr;
  if (path == "/Cni.Attach") method = &CniService::Attach;
  if (path == "/Cni.Get") method = &CniService::Get;
  if (path == "/Cni.Release") method = &CniService::Release;
  if (path == "/Cni.Stale") method = &CniService::Stale;
  if (method == nullptr) {
    return {
        404,
        wire::EncodeError(Status::NotFound("hostnic has no method " + path)),
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
  return {200, wire::EncodeError(error), "application/json"};
}

Status CniService::EnsureNetwork(
    const std::string& network_id,
    const std::map<std::string, std::string>& options) {
  CreateNetworkRequest request;
  request.network_id = network_id;
  request.options = options;
  auto source = options.find(kOptAddress);
  if (source == options.end() || source->second != "docker") {
    // As Docker's null IPAM: the address is the NIC's own.
    request.ipv4.push_back({"0.0.0.0/0", "", "null"});
  }
  MutexLock lock(&networks_mu_);
  Status created = driver_->CreateNetwork(request);
  if (created.code() != Code::kAlreadyExists) return created;
  // The configuration changed. Its rules may change only while no
  // attachment holds a NIC under the old ones.
  std::vector<std::string> holders;
  for (const NicReport& row : driver_->Report()) {
    if (row.network_id == network_id) {
      holders.push_back(NicLabel(row.link));
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
  Result<wire::AttachRequest> in = wire::DecodeAttachRequest(body);
  if (!in.ok()) return in.status();
  const Ids ref = IdsOf(in->key);
  *ids = "network " + ref.network_id + " endpoint " + ref.endpoint_id;
  HOSTNIC_RETURN_IF_ERROR(EnsureNetwork(ref.network_id, in->options)
                              .Annotate("CNI network " + in->key.network));

  CreateEndpointRequest request;
  request.network_id = ref.network_id;
  request.endpoint_id = ref.endpoint_id;
  if (Mac::Parse(in->nic)) {
    request.mac = in->nic;
  } else if (!in->nic.empty()) {
    request.options[kOptNic] = in->nic;
  }
  Result<CreateEndpointReply> created = returns_ != nullptr
                                            ? returns_->CreateEndpoint(request)
                                            : driver_->CreateEndpoint(request);
  if (!created.ok()) return created.status();
  Result<JoinReply> joined =
      driver_->Join(ref.network_id, ref.endpoint_id, in->netns);
  if (!joined.ok()) {
    Status undo = driver_->DeleteEndpoint(ref.network_id, ref.endpoint_id);
    if (!undo.ok()) spdlog::error("{}", undo.message());
    return joined.status();
  }
  std::optional<wire::Attachment> out =
      Describe(*driver_, ref.network_id, ref.endpoint_id);
  if (!out) return Status::Internal("the new endpoint vanished");
  out->name = joined->src_name;
  out->address = created->address;
  out->address6 = created->address6;
  out->gateway = joined->gateway;
  out->gateway6 = joined->gateway6;
  out->routes = joined->static_routes;
  out->dns = joined->dns;
  return wire::Encode(*out);
}

Result<std::string> CniService::Get(const std::string& body, std::string* ids) {
  Result<wire::AttachmentKey> key = wire::DecodeAttachmentKey(body);
  if (!key.ok()) return key.status();
  const Ids ref = IdsOf(*key);
  *ids = "network " + ref.network_id + " endpoint " + ref.endpoint_id;
  std::optional<wire::Attachment> out =
      Describe(*driver_, ref.network_id, ref.endpoint_id);
  if (!out || out->network_id != ref.network_id || Returning(ref.endpoint_id)) {
    return Status::NotFound("hostnic holds no NIC for container " +
                            key->container_id + " " + key->ifname +
                            " on network " + key->network);
  }
  return wire::Encode(*out);
}

Result<std::string> CniService::Release(const std::string& body,
                                        std::string* ids) {
  Result<wire::ReleaseRequest> in = wire::DecodeReleaseRequest(body);
  if (!in.ok()) return in.status();
  *ids = "network " + in->network_id + " endpoint " + in->endpoint_id;
  if (!in->netns.empty()) {
    if (returns_ == nullptr) {
      return Status::FailedPrecondition(
          "this hostnic does not bring NICs home after it answers");
    }
    HOSTNIC_RETURN_IF_ERROR(
        returns_->Begin(in->network_id, in->endpoint_id, in->netns));
    return wire::Encode(wire::ReleaseReply{true});
  }
  HOSTNIC_RETURN_IF_ERROR(driver_->Leave(in->network_id, in->endpoint_id));
  HOSTNIC_RETURN_IF_ERROR(
      driver_->DeleteEndpoint(in->network_id, in->endpoint_id));
  return wire::Encode(wire::ReleaseReply{});
}

Result<std::string> CniService::Stale(const std::string& body,
                                      std::string* ids) {
  Result<wire::StaleRequest> in = wire::DecodeStaleRequest(body);
  if (!in.ok()) return in.status();
  const std::string network_id = NetworkId(in->network, in->identity);
  *ids = "network " + network_id;
  std::set<std::string> valid;
  for (const wire::AttachmentKey& a : in->valid) {
    valid.insert(
        EndpointId(in->network, in->identity, a.container_id, a.ifname));
  }
  std::vector<wire::Attachment> stale;
  for (const NicReport& row : driver_->Report()) {
    if (row.network_id != network_id || valid.count(row.endpoint_id) ||
        Returning(row.endpoint_id)) {
      continue;
    }
    if (auto out = Describe(*driver_, network_id, row.endpoint_id)) {
      stale.push_back(*out);
    }
  }
  return wire::EncodeStaleReply(stale);
}

}  // namespace hostnic::cni
