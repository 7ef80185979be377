// ExchangeJournal (src/dhcp/exchange_journal.h) puts back what a killed
// hostnic's exchange left changed, and Dhcp6Source keeps it noted while its
// exchange runs: the link through FakeLinkControl, the per-NIC IPv6
// settings in a scratch directory standing in for /proc/sys/net/ipv6/conf.
// A kill is played by copying the journal at the moment the NIC comes up
// and restoring from that copy, with the settings as the exchange had them.
#include "dhcp/exchange_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dhcp6/dhcp6_source.h"
#include "driver/inventory.h"
#include "fakes/fake_link_control.h"
#include "fakes/links.h"

namespace hostnic::dhcp {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// No such device in the kernel: Dhcp6Source's socket cannot bind to it.
constexpr char kName[] = "hn6nosuch1";
const Mac kMac = *Mac::Parse("52:54:0e:66:99:02");
// The NIC's settings, as Settings() reads them: as found (values no kernel
// default has), and as the exchange has them while the NIC is up.
constexpr char kFound[] =
    "accept_ra 2\nautoconf 1\nrouter_solicitations -1\naccept_dad 1\n";
constexpr char kQuiet[] =
    "accept_ra 0\nautoconf 0\nrouter_solicitations 0\naccept_dad 0\n";

// FakeLinkControl that, when the NIC is brought up, keeps a copy of the
// journal: what a kill at that moment leaves.
class SnapshotOnUp : public FakeLinkControl {
 public:
  using FakeLinkControl::FakeLinkControl;
  void CopyOnUp(fs::path journal, fs::path snapshot) {
    journal_ = std::move(journal);
    snapshot_ = std::move(snapshot);
  }
  Status SetUp(const Link& link, bool up) override {
    if (up && !journal_.empty()) {
      fs::remove_all(snapshot_);
      fs::copy(journal_, snapshot_);
    }
    return FakeLinkControl::SetUp(link, up);
  }

 private:
  fs::path journal_;
  fs::path snapshot_;
};

class ExchangeJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hostnic-exchange-journal-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(Root() / kName);
    Set(kFound);
    links_.CopyOnUp(Journal(), Snapshot());
    link_ = MakeLink(9, kName, kMac.ToString());
    inventory_.Reset({link_}, {});
    ASSERT_TRUE(links_.SetIpv6Disabled(link_, true).ok());
    links_.ClearCalls();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Root() const { return dir_ / "conf"; }
  fs::path Journal() const { return dir_ / "journal"; }
  fs::path Snapshot() const { return dir_ / "snapshot"; }

  // `text` as Settings() gives it.
  void Set(const std::string& text) {
    std::istringstream lines(text);
    std::string name, value;
    while (lines >> name >> value) {
      ASSERT_TRUE(WriteNicSetting(Root().string(), kName, name, value).ok());
    }
  }
  std::string Settings() const {
    std::string text;
    for (const char* name :
         {"accept_ra", "autoconf", "router_solicitations", "accept_dad"}) {
      Result<std::string> value = ReadNicSetting(Root().string(), kName, name);
      text += std::string(name) + " " + (value.ok() ? *value : "?") + "\n";
    }
    return text;
  }
  std::optional<Link> Find(const Mac& mac) { return inventory_.FindByMac(mac); }
  std::vector<std::string> Restore(const fs::path& dir) {
    ExchangeJournal journal(&links_, dir.string(), Root().string());
    return journal.RestoreInterrupted(
        [this](const Mac& mac) { return Find(mac); });
  }

  fs::path dir_;
  Inventory inventory_;
  SnapshotOnUp links_{&inventory_};
  Link link_;
};

TEST_F(ExchangeJournalTest, Dhcp6ExchangeKilledWhileUpIsPutBackByTheNext) {
  ExchangeJournal journal(&links_, Journal().string(), Root().string());
  dhcp6::Dhcp6Source source(&links_, SystemClock(), &journal, Root().string());
  ASSERT_FALSE(source.Acquire(link_, seconds(1)).ok());  // No such socket.
  // The exchange that ran to its end forgot its note.
  EXPECT_TRUE(fs::is_empty(Journal()));
  EXPECT_EQ(Settings(), kFound);

  // Killed while the NIC was up: up, IPv6 on, quiet settings.
  ASSERT_TRUE(fs::exists(Snapshot() / kMac.ToString()));
  links_.CopyOnUp({}, {});
  Set(kQuiet);
  ASSERT_TRUE(links_.SetUp(link_, true).ok());
  ASSERT_TRUE(links_.SetIpv6Disabled(link_, false).ok());
  links_.ClearCalls();

  const std::vector<std::string> lines = Restore(Snapshot());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(kName));
  EXPECT_THAT(lines[0], HasSubstr("IPv6 off, accept_ra 2"));
  EXPECT_EQ(Settings(), kFound);
  const std::string mac = kMac.ToString();
  EXPECT_THAT(links_.calls(), ElementsAre(mac + " down", mac + " ipv6 off"));
  EXPECT_FALSE(inventory_.FindByMac(kMac)->up);
  EXPECT_TRUE(fs::is_empty(Snapshot()));
}

TEST_F(ExchangeJournalTest, SettingsAreNotedBeforeIpv6IsTurnedOn) {
  ExchangeJournal journal(&links_, Journal().string(), Root().string());
  dhcp6::Dhcp6Source source(&links_, SystemClock(), &journal, Root().string());
  // Turning IPv6 on fails: the settings were noted (and are back).
  links_.FailNext(Status::IoError("no"));
  ASSERT_FALSE(source.Acquire(link_, seconds(1)).ok());
  EXPECT_EQ(Settings(), kFound);
  EXPECT_TRUE(fs::is_empty(Journal()));

  // A kill right after the settings were quieted: no disable_ipv6 noted,
  // so only the settings and the link's state are put back.
  journal.Note(kMac, {std::nullopt,
                      {{"accept_ra", "2"},
                       {"autoconf", "1"},
                       {"router_solicitations", "-1"},
                       {"accept_dad", "1"}}});
  Set(kQuiet);
  EXPECT_EQ(Restore(Journal()).size(), 1u);
  EXPECT_EQ(Settings(), kFound);
  EXPECT_THAT(links_.calls(), ElementsAre(kMac.ToString() + " down"));
}

TEST_F(ExchangeJournalTest, Dhcp4NoteOfIpv6AloneAndItsOldFormat) {
  ExchangeJournal journal(&links_, Journal().string(), Root().string());
  journal.Note(kMac, {false, {}});
  EXPECT_EQ(Restore(Journal()).size(), 1u);
  EXPECT_THAT(links_.calls(), ElementsAre(kMac.ToString() + " down",
                                          kMac.ToString() + " ipv6 on"));
  links_.ClearCalls();
  // The one-character note of the DHCPv4 journal before it was shared.
  std::ofstream(Journal() / kMac.ToString()) << "1\n";
  EXPECT_EQ(Restore(Journal()).size(), 1u);
  EXPECT_THAT(links_.calls(), ElementsAre(kMac.ToString() + " down",
                                          kMac.ToString() + " ipv6 off"));
  EXPECT_EQ(Settings(), kFound);
}

TEST_F(ExchangeJournalTest, ForgottenOrGoneNicsAreNotTouched) {
  ExchangeJournal journal(&links_, Journal().string(), Root().string());
  journal.Note(kMac, {true, {}});
  journal.Forget(kMac);
  journal.Note(*Mac::Parse("52:54:0e:66:99:03"), {true, {}});  // Not here.
  std::ofstream(Journal() / "not-a-mac.new") << "junk\n";
  EXPECT_THAT(Restore(Journal()), IsEmpty());
  EXPECT_THAT(links_.calls(), IsEmpty());
  EXPECT_TRUE(fs::is_empty(Journal()));
}

TEST_F(ExchangeJournalTest, AFailedPutBackIsReported) {
  ExchangeJournal journal(&links_, Journal().string(), Root().string());
  journal.Note(kMac, {true, {{"accept_ra", "2"}}});
  fs::remove_all(Root() / kName);
  const std::vector<std::string> lines = Restore(Journal());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("putting it back failed"));
  EXPECT_THAT(lines[0], HasSubstr("accept_ra"));
}

TEST_F(ExchangeJournalTest, NoDirectoryNotesNothing) {
  ExchangeJournal journal(&links_, "", Root().string());
  journal.Note(kMac, {true, {}});
  EXPECT_THAT(
      journal.RestoreInterrupted([this](const Mac& mac) { return Find(mac); }),
      IsEmpty());
  EXPECT_FALSE(fs::exists(Journal()));
}

}  // namespace
}  // namespace hostnic::dhcp
