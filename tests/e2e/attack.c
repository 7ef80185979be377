/* hostnic-attack: what a container with Docker's default capabilities
 * (CAP_NET_RAW among them) can do to reach the cloud's metadata service, and
 * the stand-in service it attacks. A static executable (busybox has no packet
 * socket sender), bind-mounted into the e2e test containers.
 *
 *   attack raw IFACE DST_IP GATEWAY_MAC PORT [bypass]
 *       An AF_PACKET socket on IFACE writes Ethernet frames (IPv4, UDP to
 *       DST_IP:PORT, addressed to GATEWAY_MAC) -- with PACKET_QDISC_BYPASS
 *       when "bypass" is given -- and reads raw frames for the answer. No
 *       route or socket layer of the kernel is consulted on either way.
 *   attack udp DST_IP PORT      an ordinary UDP socket.
 *   attack tcp DST_IP PORT      an ordinary TCP connection.
 *   attack serve PORT           the stand-in: answers "METADATA-SECRET from
 *                               ADDR" on UDP and TCP PORT (any address).
 *
 * A client prints "ANSWER: <text>" and exits 0 when it got an answer within
 * 3 seconds, else "NO ANSWER (<why>)" and exits 1. Usage errors exit 2. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 3000
#define RESEND_MS 500

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int no_answer(const char* why) {
  printf("NO ANSWER (%s)\n", why);
  return 1;
}

static int answer(const char* text, size_t n) {
  printf("ANSWER: %.*s\n", (int)n, text);
  return 0;
}

static uint16_t checksum(const void* data, size_t n) {
  const uint8_t* p = data;
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

static int parse_mac(const char* text, uint8_t mac[6]) {
  unsigned b[6];
  if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
             &b[5]) != 6) {
    return -1;
  }
  for (int i = 0; i < 6; i++) mac[i] = (uint8_t)b[i];
  return 0;
}

static int attack_raw(const char* ifname, const char* dst_text,
                      const char* gw_mac_text, int port, int bypass) {
  struct in_addr dst;
  uint8_t gw_mac[6];
  if (inet_pton(AF_INET, dst_text, &dst) != 1 ||
      parse_mac(gw_mac_text, gw_mac) != 0) {
    fprintf(stderr, "bad address or MAC\n");
    return 2;
  }
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  if (fd < 0) {
    perror("socket(AF_PACKET)");
    return 2;
  }
  if (bypass) {
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
      perror("PACKET_QDISC_BYPASS");
      return 2;
    }
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    perror("SIOCGIFINDEX");
    return 2;
  }
  const int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
    perror("SIOCGIFHWADDR");
    return 2;
  }
  uint8_t my_mac[6];
  memcpy(my_mac, ifr.ifr_hwaddr.sa_data, 6);
  int inet = socket(AF_INET, SOCK_DGRAM, 0);
  ifr.ifr_addr.sa_family = AF_INET;
  if (inet < 0 || ioctl(inet, SIOCGIFADDR, &ifr) < 0) {
    perror("SIOCGIFADDR");
    return 2;
  }
  const struct in_addr me = ((struct sockaddr_in*)&ifr.ifr_addr)->sin_addr;
  close(inet);
  struct sockaddr_ll to = {.sll_family = AF_PACKET,
                           .sll_protocol = htons(ETH_P_IP),
                           .sll_ifindex = ifindex,
                           .sll_halen = 6};
  memcpy(to.sll_addr, gw_mac, 6);
  if (bind(fd, (struct sockaddr*)&to, sizeof(to)) < 0) {
    perror("bind(AF_PACKET)");
    return 2;
  }

  const uint16_t sport = (uint16_t)(40000 + getpid() % 20000);
  static const char kRequest[] = "GET /latest/meta-data/iam/";
  uint8_t frame[128];
  memset(frame, 0, sizeof(frame));
  struct ether_header* eth = (struct ether_header*)frame;
  memcpy(eth->ether_dhost, gw_mac, 6);
  memcpy(eth->ether_shost, my_mac, 6);
  eth->ether_type = htons(ETH_P_IP);
  struct iphdr* ip = (struct iphdr*)(eth + 1);
  struct udphdr* udp = (struct udphdr*)(ip + 1);
  const size_t payload = sizeof(kRequest) - 1;
  memcpy(udp + 1, kRequest, payload);
  ip->version = 4;
  ip->ihl = 5;
  ip->ttl = 64;
  ip->protocol = IPPROTO_UDP;
  ip->saddr = me.s_addr;
  ip->daddr = dst.s_addr;
  ip->tot_len = htons((uint16_t)(sizeof(*ip) + sizeof(*udp) + payload));
  ip->check = checksum(ip, sizeof(*ip));
  udp->source = htons(sport);
  udp->dest = htons((uint16_t)port);
  udp->len = htons((uint16_t)(sizeof(*udp) + payload));
  const size_t length = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + payload;

  const long deadline = now_ms() + WAIT_MS;
  long resend = 0;
  while (now_ms() < deadline) {
    if (now_ms() >= resend) {
      if (send(fd, frame, length, 0) < 0) {
        perror("send(AF_PACKET)");
        return 2;
      }
      resend = now_ms() + RESEND_MS;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, RESEND_MS / 5) <= 0) continue;
    uint8_t in[2048];
    const ssize_t n = recv(fd, in, sizeof(in), 0);
    if (n < (ssize_t)(sizeof(struct ether_header) + sizeof(struct iphdr))) {
      continue;
    }
    const struct iphdr* rip = (const struct iphdr*)(in + sizeof(*eth));
    if (rip->protocol != IPPROTO_UDP || rip->saddr != dst.s_addr) continue;
    const size_t ihl = rip->ihl * 4u;
    const uint8_t* l4 = (const uint8_t*)rip + ihl;
    if (l4 + sizeof(struct udphdr) > in + n) continue;
    const struct udphdr* rudp = (const struct udphdr*)l4;
    if (rudp->source != htons((uint16_t)port) || rudp->dest != htons(sport)) {
      continue;
    }
    const uint8_t* text = l4 + sizeof(*rudp);
    return answer((const char*)text, (size_t)(in + n - text));
  }
  return no_answer("no frame from the service");
}

static int attack_inet(const char* proto, const char* dst_text, int port) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, dst_text, &to.sin_addr) != 1) return 2;
  const int tcp = strcmp(proto, "tcp") == 0;
  int fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK, 0);
  if (fd < 0) return 2;
  if (connect(fd, (struct sockaddr*)&to, sizeof(to)) < 0 &&
      errno != EINPROGRESS) {
    return no_answer(strerror(errno));
  }
  const long deadline = now_ms() + WAIT_MS;
  long resend = 0;
  while (now_ms() < deadline) {
    if (!tcp && now_ms() >= resend) {
      if (send(fd, "GET", 3, 0) < 0) return no_answer(strerror(errno));
      resend = now_ms() + RESEND_MS;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, RESEND_MS / 5) <= 0) continue;
    char in[512];
    const ssize_t n = recv(fd, in, sizeof(in), 0);
    if (n > 0) return answer(in, (size_t)n);
    if (n < 0 && errno != EAGAIN) return no_answer(strerror(errno));
    if (n == 0) return no_answer("connection closed");
  }
  return no_answer("timed out");
}

static int serve(int port) {
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(port)};
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // Answers from the address that was asked (169.254.169.254, ...).
  setsockopt(udp, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  if (bind(udp, (struct sockaddr*)&any, sizeof(any)) < 0 ||
      bind(tcp, (struct sockaddr*)&any, sizeof(any)) < 0 || listen(tcp, 16)) {
    perror("bind");
    return 2;
  }
  printf("serving on port %d\n", port);
  fflush(stdout);
  for (;;) {
    struct pollfd p[2] = {{.fd = udp, .events = POLLIN},
                          {.fd = tcp, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) continue;
    char text[128];
    if (p[0].revents & POLLIN) {
      char in[512], control[256];
      struct sockaddr_in from;
      struct iovec iov = {.iov_base = in, .iov_len = sizeof(in)};
      struct msghdr m = {.msg_name = &from,
                         .msg_namelen = sizeof(from),
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = sizeof(control)};
      if (recvmsg(udp, &m, 0) >= 0) {
        struct in_addr local = {0};
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
          if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            local = ((struct in_pktinfo*)CMSG_DATA(c))->ipi_addr;
          }
        }
        const int n = snprintf(text, sizeof(text), "METADATA-SECRET from %s",
                               inet_ntoa(local));
        iov.iov_base = text;
        iov.iov_len = (size_t)n;
        m.msg_flags = 0;
        sendmsg(udp, &m, 0);
      }
    }
    if (p[1].revents & POLLIN) {
      struct sockaddr_in local;
      socklen_t len = sizeof(local);
      int c = accept(tcp, NULL, NULL);
      if (c >= 0) {
        getsockname(c, (struct sockaddr*)&local, &len);
        const int n = snprintf(text, sizeof(text), "METADATA-SECRET from %s",
                               inet_ntoa(local.sin_addr));
        if (write(c, text, (size_t)n) < 0) perror("write");
        close(c);
      }
    }
  }
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(atoi(argv[2]));
  if ((argc == 6 || argc == 7) && strcmp(argv[1], "raw") == 0) {
    return attack_raw(argv[2], argv[3], argv[4], atoi(argv[5]),
                      argc == 7 && strcmp(argv[6], "bypass") == 0);
  }
  if (argc == 4 &&
      (strcmp(argv[1], "udp") == 0 || strcmp(argv[1], "tcp") == 0)) {
    return attack_inet(argv[1], argv[2], atoi(argv[3]));
  }
  fprintf(stderr,
          "usage: attack raw IFACE DST_IP GATEWAY_MAC PORT [bypass] | "
          "udp|tcp DST_IP PORT | serve PORT\n");
  return 2;
}
