// hostnic_load's set-up and racing cycles (see load.h).
#include <fstream>
#include <random>
#include <string>

#include "load/load.h"

namespace hostnic_load {

bool MakeNics() {
  if (!ShOk("ip link set lo up")) return false;
  std::string batch;
  for (int i = 0; i < opt.nics; ++i) {
    Nic n;
    n.name = "hl" + std::to_string(i);
    n.mac = MacOf(i);
    n.mtu = 1500 + i;
    n.up = i % 4 == 0;
    batch += "link add " + n.name + " type veth peer name hlp" +
             std::to_string(i) + "\n";
    batch += "link set " + n.name + " address " + n.mac + " mtu " +
             std::to_string(n.mtu) + "\n";
    if (n.up) batch += "link set " + n.name + " up\n";
    nic_by_mac[n.mac] = i;
    nics.push_back(n);
  }
  const std::string file = work + "/nics.batch";
  std::ofstream(file) << batch;
  return ShOk("ip -batch " + file);
}

bool MakeNetworks() {
  struct Spec {
    std::string id;
    int from, to;
    bool by_mac;
    int mtu;
  };
  const int n = opt.nics;
  const std::vector<Spec> specs = {
      {"load-all", 0, n, false, 0},
      {"load-low", 0, n / 2, false, 0},
      {"load-mid", n / 4, 3 * n / 4, true, 0},
      {"load-high-mtu", n / 2, n, false, opt.mtu_network ? 1400 : 0},
      {"load-tiny", n - 4, n, false, 0},  // pool picks run out here
  };
  for (const Spec& s : specs) {
    Network net;
    net.id = s.id;
    net.mtu = s.mtu;
    json generic = json::object();
    std::string list;
    for (int i = s.from; i < s.to; ++i) {
      net.pool.push_back(i);
      list +=
          (list.empty() ? "" : ",") + (s.by_mac ? nics[i].mac : nics[i].name);
    }
    if (!(s.from == 0 && s.to == n)) generic["hostnic.nics"] = list;
    if (s.mtu) generic["hostnic.mtu"] = std::to_string(s.mtu);
    json body = {{"NetworkID", s.id},
                 {"Options",
                  {{"com.docker.network.enable_ipv6", false},
                   {"com.docker.network.generic", generic}}},
                 {"IPv4Data", json::array({{{"AddressSpace", "LocalDefault"},
                                            {"Pool", "10.77.0.0/16"},
                                            {"Gateway", "10.77.0.1/16"}}})},
                 {"IPv6Data", json::array()}};
    if (!ExpectOk("CreateNetwork", s.id,
                  Call("/NetworkDriver.CreateNetwork", body))) {
      return false;
    }
    networks.push_back(net);
  }
  return true;
}

void Worker(int t) {
  std::mt19937 rng(opt.seed * 7919 + t);
  int kept = 0;
  for (int c = 0; !stop_load; ++c) {
    if (cycles_started.fetch_add(1) >= opt.cycles) break;
    const Network& net = networks[rng() % networks.size()];
    const std::string ep =
        "load-t" + std::to_string(t) + "-c" + std::to_string(c);
    json create = Ids(net.id, ep);
    create["Interface"] = {{"Address", "10.77." + std::to_string(t) + "." +
                                           std::to_string(c % 250 + 2) +
                                           "/16"}};
    create["Options"] = json::object();
    const int mode = rng() % 10;
    std::string wanted_mac;
    const Nic& pick = nics[net.pool[rng() % net.pool.size()]];
    if (mode < 4) {  // --mac-address
      wanted_mac = pick.mac;
      create["Interface"]["MacAddress"] = pick.mac;
    } else if (mode < 6) {  // --driver-opt hostnic.nic=NAME
      create["Options"]["hostnic.nic"] = pick.name;
      wanted_mac = pick.mac;
    }  // else: pool pick
    Answer a = Call("/NetworkDriver.CreateEndpoint", create);
    if (a.outcome != Outcome::kOk) {
      if (a.outcome == Outcome::kErr &&
          a.err.find("is already held by endpoint") != std::string::npos &&
          !wanted_mac.empty()) {
        busy_refusals++;
      } else if (a.outcome == Outcome::kErr &&
                 a.err.find("no free NIC for network") != std::string::npos &&
                 wanted_mac.empty()) {
        pool_exhausted++;
      } else {
        Problem("CreateEndpoint " + ep + " (" + create.dump() +
                ") answered: " + (a.err.empty() ? a.raw : a.err));
      }
      cycles_done++;
      continue;
    }
    std::string mac = wanted_mac;
    if (a.body.contains("Interface")) {
      mac = a.body["Interface"].value("MacAddress", "");
      if (!wanted_mac.empty() && create["Interface"].contains("MacAddress")) {
        Problem("CreateEndpoint " + ep +
                " by --mac-address answered a MAC: " + a.raw);
      }
    }
    if (mac.empty() || !nic_by_mac.count(mac)) {
      Problem("CreateEndpoint " + ep + " answered " + a.raw +
              ": no MAC of a test NIC");
      cycles_done++;
      continue;
    }
    if (!wanted_mac.empty() && mac != wanted_mac) {
      Problem("CreateEndpoint " + ep + " wanted " + wanted_mac + " got " + mac);
    }
    {
      std::lock_guard<std::mutex> lock(belief_mu);
      belief[ep] = {net.id, mac, false};
    }
    creates_ok++;
    const Nic& nic = nics[nic_by_mac[mac]];

    json join = Ids(net.id, ep);
    // A path that exists: the sandbox stays up while the daemon restarts,
    // so a restart must keep the endpoint (see DriverOptions::sandbox_exists).
    join["SandboxKey"] = "/proc/self/ns/net";
    join["Options"] = json::object();
    a = Call("/NetworkDriver.Join", join);
    if (ExpectOk("Join", ep, a)) {
      joins_ok++;
      const json& iface = a.body.value("InterfaceName", json::object());
      if (iface.value("SrcName", "") != nic.name) {
        Problem("Join " + ep + " of NIC " + mac + " answered SrcName " +
                iface.value("SrcName", "?") + ", expected " + nic.name);
      }
      std::lock_guard<std::mutex> lock(belief_mu);
      belief[ep].joined = true;
    }
    if (kept < 2 && rng() % 40 == 0) {  // a container that keeps running
      kept++;
      cycles_done++;
      continue;
    }
    if (rng() % 10 != 0) {  // sometimes DeleteEndpoint without Leave
      if (ExpectOk("Leave", ep,
                   Call("/NetworkDriver.Leave", Ids(net.id, ep)))) {
        leaves_ok++;
        std::lock_guard<std::mutex> lock(belief_mu);
        belief[ep].joined = false;
      }
    }
    if (ExpectOk("DeleteEndpoint", ep,
                 Call("/NetworkDriver.DeleteEndpoint", Ids(net.id, ep)))) {
      deletes_ok++;
      std::lock_guard<std::mutex> lock(belief_mu);
      belief.erase(ep);
    }
    cycles_done++;
  }
}

}  // namespace hostnic_load
