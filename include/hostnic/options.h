// The names of hostnic's options, as users write them (docker network
// create -o, a CNI configuration's keys translated by cni/request.cc,
// podman's --opt), as the driver reads them (driver/network_config.cc),
// and of what an endpoint reports back (Driver::EndpointInfo). One home, so
// a front end and the driver never disagree on a name.
#ifndef HOSTNIC_OPTIONS_H_
#define HOSTNIC_OPTIONS_H_

#include <string_view>

namespace hostnic {

// Network options (the README says what each means).
inline constexpr char kOptNics[] = "hostnic.nics";
inline constexpr char kOptRoutes[] = "hostnic.routes";
inline constexpr char kOptMtu[] = "hostnic.mtu";
inline constexpr char kOptWait[] = "hostnic.wait";
inline constexpr char kOptAddress[] = "hostnic.address";
inline constexpr char kOptAddress6[] = "hostnic.address6";
inline constexpr char kOptDhcpTimeout[] = "hostnic.dhcp-timeout";
inline constexpr char kOptBlockMetadata[] = "hostnic.block-metadata";
inline constexpr char kOptMetadataAddresses[] = "hostnic.metadata-addresses";
// Every option name starts so; the driver refuses one it does not know. Only
// ever compared with, so a view.
inline constexpr std::string_view kOptPrefix = "hostnic.";

// An endpoint option: the NIC to hand over. Also reported by EndpointInfo
// as the NIC's name on the host, beside kInfoMac.
inline constexpr char kOptNic[] = "hostnic.nic";
// EndpointInfo: the MAC of the NIC an endpoint holds.
inline constexpr char kInfoMac[] = "hostnic.mac";

}  // namespace hostnic

#endif  // HOSTNIC_OPTIONS_H_
