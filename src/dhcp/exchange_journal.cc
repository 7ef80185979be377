#include "dhcp/exchange_journal.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dhcp/transport_util.h"

namespace hostnic::dhcp {

namespace {

// The key of the note's disable_ipv6 line: that one is put back through
// LinkControl, the others are written under the sysctl root.
constexpr char kIpv6Off[] = "disable_ipv6";

// Reads a note: "NAME VALUE" lines. A note of one bare "0" or "1" (the
// DHCPv4 journal before DHCPv6 shared it) is the disable_ipv6 setting.
ExchangeJournal::Found ReadNote(const std::string& path) {
  ExchangeJournal::Found found;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, value;
    if (!(fields >> name)) continue;
    if (!(fields >> value)) {
      value = name;
      name = kIpv6Off;
    }
    if (name == kIpv6Off) {
      found.ipv6_off = value == "1";
    } else {
      found.settings.emplace_back(name, value);
    }
  }
  return found;
}

std::string Describe(const ExchangeJournal::Found& found) {
  std::string text;
  if (found.ipv6_off) text = *found.ipv6_off ? "IPv6 off" : "IPv6 on";
  for (const auto& [name, value] : found.settings) {
    text += (text.empty() ? "" : ", ") + name + " " + value;
  }
  return text;
}

}  // namespace

Result<std::string> ReadNicSetting(const std::string& root,
                                   const std::string& nic,
                                   const std::string& name) {
  const std::string path = root + "/" + nic + "/" + name;
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return Status::IoError("reading " + path + " failed");
  return value;
}

Status WriteNicSetting(const std::string& root, const std::string& nic,
                       const std::string& name, const std::string& value) {
  const std::string path = root + "/" + nic + "/" + name;
  std::ofstream out(path);
  out << value << '\n';
  out.close();
  if (!out) {
    return Status::IoError("writing " + value + " to " + path + " failed");
  }
  return Status::Ok();
}

ExchangeJournal::ExchangeJournal(LinkControl* links, std::string dir,
                                 std::string sysctl_root)
    : links_(links),
      dir_(std::move(dir)),
      sysctl_root_(std::move(sysctl_root)) {
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::create_directories(dir_, ignored);
}

std::string ExchangeJournal::PathOf(const Mac& mac) const {
  return dir_ + "/" + mac.ToString();
}

void ExchangeJournal::Note(const Mac& mac, const Found& found) {
  if (dir_.empty()) return;
  const std::string path = PathOf(mac);
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary);
    if (found.ipv6_off) {
      out << kIpv6Off << ' ' << (*found.ipv6_off ? "1" : "0") << '\n';
    }
    for (const auto& [name, value] : found.settings) {
      out << name << ' ' << value << '\n';
    }
    out.close();
    std::error_code error;
    if (out) std::filesystem::rename(temporary, path, error);
    if (!out || error) {
      spdlog::warn(
          "cannot note NIC {}'s settings in {}: a hostnic killed during its "
          "exchange would leave them changed",
          mac.ToString(), path);
    }
  }
}

void ExchangeJournal::Forget(const Mac& mac) {
  if (dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(PathOf(mac), ignored);
}

std::vector<std::string> ExchangeJournal::RestoreInterrupted(
    const std::function<std::optional<Link>(const Mac&)>& find) {
  std::vector<std::string> lines;
  if (dir_.empty()) return lines;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const std::string path = entry.path().string();
    const std::optional<Mac> mac = Mac::Parse(entry.path().filename().string());
    const Found found = ReadNote(path);
    std::optional<Link> link = mac ? find(*mac) : std::nullopt;
    if (link) {
      std::vector<Status> restores = {links_->SetUp(*link, false)};
      if (found.ipv6_off) {
        restores.push_back(
            links_->SetIpv6Disabled(*link, *found.ipv6_off).status());
      }
      for (auto it = found.settings.rbegin(); it != found.settings.rend();
           ++it) {
        restores.push_back(
            WriteNicSetting(sysctl_root_, link->name, it->first, it->second));
      }
      std::string failed;
      for (const Status& restore : restores) {
        if (!restore.ok())
          failed += (failed.empty() ? "" : "; ") + restore.message();
      }
      const std::string what =
          "NIC " + NicLabel(*link) +
          " was left up with IPv6 settings changed by a DHCP exchange that an "
          "earlier hostnic did not finish";
      lines.push_back(failed.empty()
                          ? what + "; put back down with " + Describe(found) +
                                ", as it was"
                          : what + "; putting it back failed: " + failed);
    }
    std::filesystem::remove(path, error);
  }
  return lines;
}

Result<Link> DownHostNic(LinkControl* links, const Link& requested,
                         const char* protocol) {
  Result<Link> link = links->Refresh(requested);
  if (link.ok() && link->up) {
    return Status::FailedPrecondition("NIC " + NicLabel(*link) +
                                      " is up on the host; hostnic asks " +
                                      protocol + " only on a NIC that is down");
  }
  return link;
}

Status EndHostExchange(Status result, const std::vector<Status>& restores,
                       const Link& link, const char* protocol,
                       ExchangeJournal* journal) {
  bool back = true;
  for (const Status& restore : restores) {
    if (restore.ok()) continue;
    back = false;
    const Status failed = restore.Annotate("putting NIC " + NicLabel(link) +
                                           " back after " + protocol);
    if (result.ok()) {
      result = failed;
    } else {
      spdlog::warn("{}", failed.message());
    }
  }
  if (journal != nullptr && back) journal->Forget(link.mac);
  return result;
}

}  // namespace hostnic::dhcp
