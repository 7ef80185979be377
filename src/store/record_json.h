// The JSON of the records the file store keeps (one file each), and the
// file each is named by. Decoding is strict: every field is required and
// must have its exact type, except the fields added after records were
// first written, which keep their default when absent.
#ifndef HOSTNIC_STORE_RECORD_JSON_H_
#define HOSTNIC_STORE_RECORD_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "hostnic/address.h"
#include "hostnic/mac.h"
#include "hostnic/records.h"
#include "hostnic/status.h"

namespace hostnic::record_json {

nlohmann::json Encode(const NetworkRecord& n);
nlohmann::json Encode(const EndpointRecord& e);
nlohmann::json Encode(const Lease& l);
nlohmann::json Encode(const OrphanRecord& o);

// Fills the record from `j`; the error says which field is wrong and how.
Status Decode(const nlohmann::json& j, NetworkRecord* n);
Status Decode(const nlohmann::json& j, EndpointRecord* e);
Status Decode(const nlohmann::json& j, Lease* l);
Status Decode(const nlohmann::json& j, OrphanRecord* o);

// The record's file name without ".json": its ID, or its NIC's MAC
// (MacName) for orphans and leases.
std::string FileName(const NetworkRecord& n);
std::string FileName(const EndpointRecord& e);
std::string FileName(const OrphanRecord& o);
std::string FileName(const Lease& l);
// A MAC as a file name: 02-00-00-00-00-01.
std::string MacName(const Mac& mac);

}  // namespace hostnic::record_json

#endif  // HOSTNIC_STORE_RECORD_JSON_H_
