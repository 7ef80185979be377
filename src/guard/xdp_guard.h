// XdpGuard: the MetadataGuard of hostnic/guard.h, as an XDP program
// (src/guard/guard.bpf.c, embedded at build time) loaded with libbpf. Each
// guarded NIC gets an instance of its own, with its own address maps and
// drop counter; the daemon keeps the instances it attached so that Info can
// read their counters. The program is attached through netlink, not a
// bpf_link: it stays on the NIC when the daemon exits (kill -9 included),
// and a restarted daemon replaces it (Attach) or removes it (Detach).
#ifndef HOSTNIC_GUARD_XDP_GUARD_H_
#define HOSTNIC_GUARD_XDP_GUARD_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "hostnic/guard.h"

namespace hostnic {

class XdpGuard : public MetadataGuard {
 public:
  XdpGuard();
  ~XdpGuard() override;

  Status Attach(const std::string& netns_path, const Mac& mac,
                const std::vector<std::string>& addresses) override;
  Status Detach(const Mac& mac, int ifindex) override;
  std::optional<GuardInfo> Info(const Mac& mac) const override;

  // The name the program has in the kernel (bpftool prog, ip link).
  static constexpr char kProgramName[] = "hostnic_guard";

 private:
  struct Program;
  mutable Mutex mu_;
  // The instances this daemon attached, by NIC.
  std::map<Mac, std::shared_ptr<Program>> attached_ GUARDED_BY(mu_);
};

}  // namespace hostnic

#endif  // HOSTNIC_GUARD_XDP_GUARD_H_
