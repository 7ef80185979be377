// The metadata guard: an XDP program on a container's NIC that drops every
// frame sent FROM a guarded address (the cloud's instance metadata service)
// before any socket of the container -- packet sockets included -- sees it,
// so a request may leave but its answer never arrives. DHCP replies (UDP
// 67->68, DHCPv6 547->546) pass: some clouds serve DHCP from a guarded
// address. IPv6 neighbour discovery from them passes too (it carries no
// data of the service's). Built with clang -target bpf and embedded in
// hostnic (src/guard/xdp_guard.cc loads it and fills the address maps).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// Guarded IPv4 addresses, network byte order.
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u8);
} guarded_v4 SEC(".maps");

// Guarded IPv6 addresses.
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, struct in6_addr);
  __type(value, __u8);
} guarded_v6 SEC(".maps");

// Frames dropped, per CPU (no atomics on the fast path).
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} drops SEC(".maps");

struct vlan_hdr {
  __be16 tci;
  __be16 proto;
};

static __always_inline int drop(void) {
  __u32 zero = 0;
  __u64* count = bpf_map_lookup_elem(&drops, &zero);
  if (count) *count += 1;
  return XDP_DROP;
}

static __always_inline int is_udp_from_to(void* l4, void* end, __u16 sport,
                                          __u16 dport) {
  struct udphdr* udp = l4;
  if ((void*)(udp + 1) > end) return 0;
  return udp->source == bpf_htons(sport) && udp->dest == bpf_htons(dport);
}

SEC("xdp")
int hostnic_guard(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return XDP_PASS;
  __be16 proto = eth->h_proto;
  void* next = eth + 1;
  // Up to two VLAN tags (802.1Q, 802.1ad): the frame is looked into either
  // way, so a tag cannot smuggle an answer past the guard.
#pragma unroll
  for (int i = 0; i < 2; i++) {
    if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD)) {
      break;
    }
    struct vlan_hdr* vlan = next;
    if ((void*)(vlan + 1) > end) return XDP_PASS;
    proto = vlan->proto;
    next = vlan + 1;
  }
  if (proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = next;
    if ((void*)(ip + 1) > end) return XDP_PASS;
    __u32 saddr = ip->saddr;
    if (!bpf_map_lookup_elem(&guarded_v4, &saddr)) return XDP_PASS;
    // Only a whole (unfragmented) DHCP reply passes.
    const __u32 ihl = ip->ihl * 4;
    if (ihl >= sizeof(*ip) && ip->protocol == IPPROTO_UDP &&
        (ip->frag_off & bpf_htons(0x3fff)) == 0 &&
        is_udp_from_to((char*)ip + ihl, end, 67, 68)) {
      return XDP_PASS;
    }
    return drop();
  }
  if (proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = next;
    if ((void*)(ip6 + 1) > end) return XDP_PASS;
    struct in6_addr saddr = ip6->saddr;
    if (!bpf_map_lookup_elem(&guarded_v6, &saddr)) return XDP_PASS;
    // No extension headers: a DHCPv6 reply is plain UDP.
    if (ip6->nexthdr == IPPROTO_UDP && is_udp_from_to(ip6 + 1, end, 547, 546)) {
      return XDP_PASS;
    }
    // Neighbour solicitations and advertisements carry no data of the
    // service's: without them a guarded address could not resolve the NIC
    // to send it a DHCPv6 reply (IPv4's ARP is not IP and passes anyway).
    if (ip6->nexthdr == IPPROTO_ICMPV6) {
      __u8* type = (__u8*)(ip6 + 1);
      if ((void*)(type + 1) > end) return drop();
      if (*type == 135 || *type == 136) return XDP_PASS;
    }
    return drop();
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
