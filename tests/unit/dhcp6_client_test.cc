// The DHCPv6 client's exchanges (src/dhcp6/client.h) against a scripted
// server over a fake transport in fake time, and the lease it derives from a
// REPLY.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "dhcp6/client.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_dhcp_transport.h"
#include "unit/dhcp6_replies.h"

// In the helpers' namespace: the hand-built messages need no qualifying.
namespace hostnic::dhcp6::replies6 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Bytes = std::vector<uint8_t>;
using Reply = FakeDhcpTransport::Reply;
using ::testing::ElementsAre;

constexpr char kNic[] = "eth1 (52:54:0e:66:00:11)";
const char* const kAddress = "2001:db8:66::11";

uint32_t Xid(const Bytes& b) {
  return uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}
std::map<uint16_t, Bytes> Options(const Bytes& b) {
  std::map<uint16_t, Bytes> options;
  for (size_t at = 4; at + 4 <= b.size();) {
    const uint16_t code = static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
    const size_t length = b[at + 2] << 8 | b[at + 3];
    options[code] = Bytes(b.begin() + at + 4, b.begin() + at + 4 + length);
    at += 4 + length;
  }
  return options;
}
// `m` (from FromServer) answering the client message `to`.
Bytes Answering(const Bytes& to, Bytes m) {
  m[1] = to[1], m[2] = to[2], m[3] = to[3];
  return m;
}
Bytes IaWithAddress(const char* address = kAddress) {
  return Option(3, Ia(Option(5, IaAddr(address, 300, 600))));
}
Bytes IaRefused() { return Option(3, Ia(Option(13, {0, 2, 'n', 'o'}))); }

class Dhcp6ClientTest : public ::testing::Test {
 protected:
  Client MakeClient() {
    return Client(
        &transport_, &clock_, [this] { return ++xid_; }, kMac, kNic);
  }
  // The server advertises an address (IaWithAddress) to a Solicit after
  // `advertise_after`, answers a Request after `reply_after` with a Reply
  // of `reply`.
  void AdvertiseThenReply(milliseconds advertise_after,
                          milliseconds reply_after, const Bytes& reply) {
    transport_.server = [=](const Bytes& m) -> std::vector<Reply> {
      if (m[0] == 1) {
        return {
            {advertise_after, Answering(m, FromServer(2, IaWithAddress()))}};
      }
      return {{reply_after, Answering(m, FromServer(7, reply))}};
    };
  }
  std::vector<uint8_t> SentTypes() const {
    std::vector<uint8_t> types;
    for (const auto& [when, bytes] : transport_.sent) types.push_back(bytes[0]);
    return types;
  }

  FakeClock clock_;
  FakeDhcpTransport transport_{&clock_};
  uint32_t xid_ = 0x10000;
};

TEST_F(Dhcp6ClientTest, SolicitsThenRequestsTheAdvertisedAddress) {
  AdvertiseThenReply(milliseconds(3), milliseconds(2), IaWithAddress());
  Client client = MakeClient();
  const Result<ServerMessage> reply = client.Acquire(seconds(10));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_THAT(SentTypes(), ElementsAre(1, 3));
  const auto solicit = Options(transport_.sent[0].second);
  EXPECT_EQ(solicit.at(1), DuidFromMac(kMac));
  EXPECT_TRUE(solicit.count(14));  // Rapid Commit asked for.
  EXPECT_FALSE(solicit.count(2));
  const auto request = Options(transport_.sent[1].second);
  EXPECT_EQ(request.at(2), kServerDuid);
  EXPECT_EQ(request.at(3), Cat({Be32(IaidFromMac(kMac)), Be32(0), Be32(0),
                                Option(5, IaAddr(kAddress, 0, 0))}));
  EXPECT_NE(Xid(transport_.sent[0].second), Xid(transport_.sent[1].second));
  EXPECT_EQ(Granted(*reply, kMac)->address, Ip(kAddress));
}

TEST_F(Dhcp6ClientTest, TakesARapidCommitReply) {
  transport_.server = [](const Bytes& m) -> std::vector<Reply> {
    return {
        {milliseconds(1),
         Answering(m, FromServer(7, Cat({Option(14, {}), IaWithAddress()})))}};
  };
  Client client = MakeClient();
  const Result<ServerMessage> reply = client.Acquire(seconds(10));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_THAT(SentTypes(), ElementsAre(1));
  EXPECT_TRUE(reply->rapid_commit);
}

TEST_F(Dhcp6ClientTest, IgnoresRepliesNotForThisExchange) {
  transport_.server = [](const Bytes& m) -> std::vector<Reply> {
    Bytes other_xid = Answering(m, FromServer(2, IaWithAddress()));
    other_xid[3] ^= 1;
    Bytes other_client = Answering(m, FromServer(2, IaWithAddress()));
    other_client[17] ^= 1;  // The client identifier's last MAC byte.
    Bytes no_rapid_commit = Answering(m, FromServer(7, IaWithAddress()));
    Bytes no_address = Answering(m, FromServer(2, IaRefused()));
    Bytes garbage = {2, m[1], m[2], m[3], 0};
    if (m[0] == 1) {
      return {{milliseconds(1), other_xid},
              {milliseconds(2), other_client},
              {milliseconds(3), no_rapid_commit},
              {milliseconds(4), no_address},
              {milliseconds(5), garbage},
              {milliseconds(6), Answering(m, FromServer(2, IaWithAddress()))}};
    }
    // A REPLY of another server, then the chosen one's.
    Bytes foreign = Answering(m, FromServer(7, IaWithAddress("2001:db8::99")));
    foreign[24] ^= 1;  // Inside the server identifier.
    return {{milliseconds(1), foreign},
            {milliseconds(2), Answering(m, FromServer(7, IaWithAddress()))}};
  };
  Client client = MakeClient();
  const Result<ServerMessage> reply = client.Acquire(seconds(10));
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_THAT(SentTypes(), ElementsAre(1, 3));
  EXPECT_EQ(reply->server_id, kServerDuid);
  EXPECT_EQ(Granted(*reply, kMac)->address, Ip(kAddress));
}

TEST_F(Dhcp6ClientTest, RetransmitsWithBackoffAndSaysWhatItSentOnTimeout) {
  transport_.server = [](const Bytes& m) -> std::vector<Reply> {
    return {{milliseconds(1), Answering(m, FromServer(2, IaRefused()))}};
  };
  Client client = MakeClient();
  const MonoTime start = clock_.Monotonic();
  const Result<ServerMessage> reply = client.Acquire(seconds(10));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), Code::kTimeout);
  EXPECT_EQ(reply.status().message(),
            "no DHCPv6 answer for NIC eth1 (52:54:0e:66:00:11) within 10000 ms "
            "(sent 8 SOLICIT and 0 other messages, ignored 8 replies)");
  std::vector<milliseconds> at;
  for (const auto& [when, bytes] : transport_.sent) {
    at.push_back(std::chrono::duration_cast<milliseconds>(when - start));
  }
  // The schedule DHCPv4 uses too (dhcp/retransmit.h).
  EXPECT_THAT(
      at, ElementsAre(milliseconds(0), milliseconds(10), milliseconds(40),
                      milliseconds(110), milliseconds(260), milliseconds(1260),
                      milliseconds(3260), milliseconds(7260)));
  // Elapsed time in hundredths of a second, the same transaction.
  EXPECT_EQ(Options(transport_.sent[5].second).at(8), Bytes({0, 126}));
  EXPECT_EQ(Xid(transport_.sent[0].second), Xid(transport_.sent[7].second));
}

TEST_F(Dhcp6ClientTest, SolicitsAgainWhenTheRequestIsRefused) {
  AdvertiseThenReply(milliseconds(1), milliseconds(1), IaRefused());
  Client client = MakeClient();
  const Result<ServerMessage> reply = client.Acquire(seconds(10));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(reply.status().message(),
            "DHCPv6 server 000100012c1ea30152540e660001 refused NIC "
            "eth1 (52:54:0e:66:00:11) the address it advertised "
            "(2001:db8:66::11) 4 times; last status: \"\"");
  EXPECT_THAT(SentTypes(), ElementsAre(1, 3, 1, 3, 1, 3, 1, 3));
}

TEST_F(Dhcp6ClientTest, RenewsWithTheServerAndRebindsWithAnyServer) {
  std::vector<uint8_t> seen_server_id;
  transport_.server = [&](const Bytes& m) -> std::vector<Reply> {
    Bytes foreign = Answering(m, FromServer(7, IaWithAddress()));
    foreign[24] ^= 1;
    return {{milliseconds(1), foreign},
            {milliseconds(2), Answering(m, FromServer(7, IaWithAddress()))}};
  };
  Client client = MakeClient();
  Result<ServerMessage> renewed =
      client.Renew(Ip(kAddress), kServerDuid, seconds(10));
  ASSERT_TRUE(renewed.ok()) << renewed.status().message();
  EXPECT_EQ(renewed->server_id, kServerDuid);  // The foreign one ignored.
  const auto renew = Options(transport_.sent[0].second);
  EXPECT_EQ(transport_.sent[0].second[0], 5);
  EXPECT_EQ(renew.at(2), kServerDuid);

  Result<ServerMessage> rebound = client.Renew(Ip(kAddress), {}, seconds(10));
  ASSERT_TRUE(rebound.ok()) << rebound.status().message();
  EXPECT_NE(rebound->server_id, kServerDuid);  // Any server's answer counts.
  EXPECT_EQ(transport_.sent[1].second[0], 6);
  EXPECT_FALSE(Options(transport_.sent[1].second).count(2));
}

TEST_F(Dhcp6ClientTest, RenewTimesOutNamingWhatItAsked) {
  Client client = MakeClient();
  const Result<ServerMessage> renewed =
      client.Renew(Ip(kAddress), kServerDuid, seconds(2));
  ASSERT_FALSE(renewed.ok());
  EXPECT_EQ(renewed.status().message(),
            "no DHCPv6 answer for NIC eth1 (52:54:0e:66:00:11) to a RENEW of "
            "2001:db8:66::11 within 2000 ms (sent 0 SOLICIT and 6 other "
            "messages, ignored 0 replies)");
}

TEST_F(Dhcp6ClientTest, ReleasesUntilTheServerReplies) {
  transport_.server = [](const Bytes& m) -> std::vector<Reply> {
    return {{milliseconds(5), Answering(m, FromServer(7, {}))}};
  };
  Client client = MakeClient();
  EXPECT_TRUE(client.Release(Ip(kAddress), kServerDuid).ok());
  EXPECT_THAT(SentTypes(), ElementsAre(8));

  transport_.server = nullptr;
  transport_.sent.clear();
  EXPECT_TRUE(client.Release(Ip(kAddress), kServerDuid).ok());
  EXPECT_THAT(SentTypes(),
              ElementsAre(8, 8, 8, 8, 8));  // Best effort, bounded.
}

TEST(Dhcp6LeaseTest, LeaseFromAReply) {
  const Result<ServerMessage> reply = DecodeVector(
      FromServer(7, Option(3, Ia(Option(5, IaAddr(kAddress, 300, 600))))));
  ASSERT_TRUE(reply.ok());
  const std::optional<Lease> lease = LeaseFromReply(*reply, kMac, 1000);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->source, "dhcp6");
  EXPECT_EQ(lease->mac, kMac);
  EXPECT_EQ(lease->address, "2001:db8:66::11/128");
  EXPECT_EQ(lease->gateway, "");
  EXPECT_EQ(lease->server, HexOf(kServerDuid));
  EXPECT_EQ(lease->acquired, 1000);
  EXPECT_EQ(lease->lease_seconds, 600u);
  // Ia() says T1 1000, T2 1600: both beyond the valid lifetime, so the
  // lease's own 1/2 and 4/5 of preferred apply.
  EXPECT_EQ(lease->t1_seconds, 150u);
  EXPECT_EQ(lease->t2_seconds, 240u);
}

TEST(Dhcp6LeaseTest, ServerTimesAndInfiniteLeases) {
  const Bytes ia_times = Cat({Be32(IaidFromMac(kMac)), Be32(100), Be32(160),
                              Option(5, IaAddr(kAddress, 300, 600))});
  Result<ServerMessage> reply =
      DecodeVector(FromServer(7, Option(3, ia_times)));
  ASSERT_TRUE(reply.ok());
  std::optional<Lease> lease = LeaseFromReply(*reply, kMac, 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->t1_seconds, 100u);
  EXPECT_EQ(lease->t2_seconds, 160u);

  reply = DecodeVector(FromServer(
      7, Option(3, Ia(Option(5, IaAddr(kAddress, 0xffffffff, 0xffffffff))))));
  ASSERT_TRUE(reply.ok());
  lease = LeaseFromReply(*reply, kMac, 0);
  ASSERT_TRUE(lease.has_value());
  EXPECT_FALSE(lease->Expires());

  reply = DecodeVector(FromServer(7, IaRefused()));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(LeaseFromReply(*reply, kMac, 0), std::nullopt);
}

}  // namespace
}  // namespace hostnic::dhcp6::replies6
