// DEL answered before the NIC is home (docs/cni.md, "DEL"): the plugin hands
// the return to the daemon, which holds the namespace, answers, and brings
// the NIC home after; an ADD that needs the NIC meanwhile waits for it.
// These tests assert what a runtime sees (exit codes, the NIC on the host
// shortly after), never how long it took.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "integration/cni_contract_fixture.h"

namespace hostnic::itest {
namespace {

TEST_F(CniContractTest, DelExitsAndTheNicIsHomeShortlyAfter) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  Outcome del = Cni(Env("DEL", "c1", Netns(ns1_)), conf);
  EXPECT_EQ(del.rc, 0) << del.out;
  EXPECT_EQ(del.out, "");
  ExpectHome("hnc1", kMac1);
  EXPECT_EQ(ShOutput("ip -n " + ns1_ + " -o link show eth0 2>/dev/null"), "");
  // ... and released: the daemon's status no longer shows it held.
  EXPECT_TRUE(WaitUntil([&] { return !Has(Status(), "cni-contract"); }))
      << Status();
}

// podman rm; podman run: DEL, then at once an ADD that wants the same NIC,
// named and as the only NIC of the pool.
TEST_F(CniContractTest, DelThenAddAtOnceGetsTheSameNic) {
  for (const std::string extra :
       {"\"device\":\"hnc1\",", "\"nics\":[\"hnc1\"],"}) {
    SCOPED_TRACE(extra);
    const std::string conf = Conf("1.1.0", extra);
    Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
    ASSERT_EQ(add.rc, 0) << add.out << Log();
    EXPECT_EQ(Cni(Env("DEL", "c1", Netns(ns1_)), conf).rc, 0);
    Outcome again = Cni(Env("ADD", "c2", Netns(ns2_)), conf);
    ASSERT_EQ(again.rc, 0) << again.out << Log();
    EXPECT_EQ(again.doc["interfaces"][0]["mac"], kMac1) << again.out;
    EXPECT_TRUE(Has(ShOutput("ip -n " + ns2_ + " -o link show eth0"), kMac1));
    EXPECT_EQ(Cni(Env("DEL", "c2", Netns(ns2_)), conf).rc, 0);
    ExpectHome("hnc1", kMac1);
  }
}

// The kernel moves a NIC home under its container name (eth0) and renames
// it after; the daemon sees the two as two link events. Once the return is
// done, and the status shows the NIC free, the daemon must know it by its
// host name: an ADD asking for it by that name, at once or after someone
// else moved it in and out (the bench's `ip`), finds it. Many rounds, as
// the window is short.
TEST_F(CniContractTest, AfterTheReturnTheNicIsKnownByItsHostName) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  for (int round = 0; round < 25; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
    ASSERT_EQ(add.rc, 0) << add.out << Log();
    ASSERT_EQ(Cni(Env("DEL", "c1", Netns(ns1_)), conf).rc, 0);
    Outcome again = Cni(Env("ADD", "c2", Netns(ns2_)), conf);
    ASSERT_EQ(again.rc, 0) << again.out << Log();
    ASSERT_EQ(Cni(Env("DEL", "c2", Netns(ns2_)), conf).rc, 0);
    ASSERT_TRUE(WaitUntil([&] {
      return Has(ShOutput("ip -o link show hnc1 2>/dev/null"), kMac1) &&
             Has(ShOutput(std::string(HOSTNIC_BINARY) + " status --socket " +
                          Socket() + " | grep '^hnc1 '"),
                 " free");
    })) << Status();
    // Home is this process's namespace (NetnsTest's own).
    ASSERT_EQ(Sh("ip link set hnc1 netns " + ns1_ + " && ip -n " + ns1_ +
                 " link set hnc1 netns " + std::to_string(::getpid())),
              0);
    Outcome after_ip = Cni(Env("ADD", "c3", Netns(ns1_)), conf);
    ASSERT_EQ(after_ip.rc, 0) << after_ip.out << Log();
    ASSERT_EQ(Cni(Env("DEL", "c3", Netns(ns1_)), conf).rc, 0);
  }
  ExpectHome("hnc1", kMac1);
}

// The runtime deletes the namespace as soon as DEL returns: the daemon holds
// it open, so the NIC in it still comes home. A veth shows this much: were
// the namespace destroyed with it inside, the veth (and its peer hnc1p on
// the host) would die. What a veth cannot show is a real NIC's own way home
// when its namespace dies (the kernel moves it to the host, under its name
// or another): the daemon's recovery and DelAfterTheNetnsDiedFindsTheNicByMac
// cover that, moving the NIC out as the kernel would. The move may also be
// done before `ip netns del` runs; the outcome is the same.
TEST_F(CniContractTest, NetnsDeletedRightAfterDelStillGetsTheNicHome) {
  const std::string conf = Conf("1.1.0", "\"device\":\"hnc1\",");
  Outcome add = Cni(Env("ADD", "c1", Netns(ns1_)), conf);
  ASSERT_EQ(add.rc, 0) << add.out << Log();
  EXPECT_EQ(Cni(Env("DEL", "c1", Netns(ns1_)), conf).rc, 0);
  ASSERT_EQ(Sh("ip netns del " + ns1_), 0);
  ExpectHome("hnc1", kMac1);
  EXPECT_TRUE(Has(ShOutput("ip -o link show hnc1p"), "hnc1p"));
  // Free for the next pod.
  Outcome again = Cni(Env("ADD", "c2", Netns(ns2_)), conf);
  EXPECT_EQ(again.rc, 0) << again.out << Log();
  EXPECT_EQ(Cni(Env("DEL", "c2", Netns(ns2_)), conf).rc, 0);
}

}  // namespace
}  // namespace hostnic::itest
