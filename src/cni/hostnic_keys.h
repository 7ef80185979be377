// hostnic's own keys of a CNI network configuration (socket, stateDir,
// nics, mac, device, pciBusID, mtu, wait, address, dhcpTimeout,
// blockMetadata, metadataAddresses), read and checked into a NetConf.
// Internal to the request parser (cni/request.h, whose ParseRequest is the
// contract).
#ifndef HOSTNIC_CNI_HOSTNIC_KEYS_H_
#define HOSTNIC_CNI_HOSTNIC_KEYS_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "cni/request.h"

namespace hostnic::cni {

// Reads hostnic's keys of the configuration object `j` into `conf`: the
// socket and state directory (default kDefaultStateDir, absolute), the NIC
// asked for and the daemon's options. An error (kInvalidConfig) names the
// key and what is wrong with its value.
std::optional<Error> ParseHostnicKeys(const nlohmann::json& j, NetConf* conf);

// The optional string `key` of the configuration object `j` into `out`
// (left alone when absent); kInvalidConfig when it is not a string.
std::optional<Error> StringOf(const nlohmann::json& j, const char* key,
                              std::string* out);

}  // namespace hostnic::cni

#endif  // HOSTNIC_CNI_HOSTNIC_KEYS_H_
