#include "dhcp/dns_names.h"

#include <algorithm>

#include "dhcp/layout.h"

namespace hostnic::dhcp {

namespace {

// The longest domain name in text, without the final dot (RFC 1035 2.3.4:
// 255 octets on the wire).
constexpr size_t kMaxNameText = 253;
constexpr size_t kMaxLabel = 63;

bool LabelChar(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

char Lower(uint8_t c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

// One name of a search list that starts at value[start]; `*end` is set to
// the byte after it (after its first pointer, if any).
Result<std::string> DecodeSearchName(const uint8_t* value, size_t length,
                                     size_t start, Compression compression,
                                     const std::string& what, size_t offset,
                                     size_t* end) {
  const auto bad = [&](const std::string& why, size_t at) {
    return Status::InvalidArgument(what + " has " + why + AtByte(at, offset));
  };
  std::string name;
  size_t at = start;
  size_t floor = start;  // Pointers must point below this.
  bool jumped = false;
  while (true) {
    if (at >= length) return bad("a truncated name", start);
    const uint8_t head = value[at];
    if ((head & 0xc0) == 0xc0) {
      if (compression == Compression::kRefused) {
        return bad("a compression pointer, which it may not carry,", at);
      }
      if (length - at < 2) return bad("a truncated pointer", at);
      const size_t target = (size_t{head} & 0x3f) << 8 | value[at + 1];
      if (target >= floor) {
        return bad("a pointer to byte " + std::to_string(target) +
                       ", not to an earlier name,",
                   at);
      }
      if (!jumped) *end = at + 2;
      jumped = true;
      at = floor = target;
      continue;
    }
    if ((head & 0xc0) != 0) {
      return bad("a label of unknown type " + std::to_string(head >> 6), at);
    }
    if (head == 0) break;
    if (length - at - 1 < head) return bad("a truncated label", at);
    if (name.size() + head + 1 > kMaxNameText + 1) {
      return bad("a name over " + std::to_string(kMaxNameText) + " characters",
                 start);
    }
    for (size_t i = at + 1; i <= at + head; ++i) {
      if (!LabelChar(value[i])) {
        return bad("character " + std::to_string(value[i]) +
                       " in a name, not a letter, digit, '-' or '_',",
                   i);
      }
      name.push_back(Lower(value[i]));
    }
    name.push_back('.');
    at += 1 + head;
  }
  if (!jumped) *end = at + 1;
  if (!name.empty()) name.pop_back();  // The final dot.
  return name;
}

}  // namespace

Result<std::string> DecodeDomainName(const uint8_t* value, size_t length,
                                     const std::string& what, size_t offset) {
  while (length > 0 && value[length - 1] == 0) --length;
  if (length > 0 && value[length - 1] == '.') --length;
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(what + " " + why + At(offset));
  };
  if (length == 0) return bad("is empty");
  if (length > kMaxNameText) {
    return bad("is " + std::to_string(length) + " characters long, over " +
               std::to_string(kMaxNameText));
  }
  std::string name;
  size_t label = 0;
  for (size_t i = 0; i < length; ++i) {
    if (value[i] == '.') {
      if (label == 0) return bad("has an empty label" + AtByte(i, offset));
      label = 0;
      name.push_back('.');
      continue;
    }
    if (!LabelChar(value[i])) {
      return bad("has character " + std::to_string(value[i]) +
                 ", not a letter, digit, '-' or '_'," + AtByte(i, offset));
    }
    if (++label > kMaxLabel) {
      return bad("has a label over " + std::to_string(kMaxLabel) +
                 " characters" + AtByte(i, offset));
    }
    name.push_back(Lower(value[i]));
  }
  return name;
}

Result<std::vector<std::string>> DecodeSearchList(const uint8_t* value,
                                                  size_t length,
                                                  Compression compression,
                                                  const std::string& what,
                                                  size_t offset) {
  std::vector<std::string> names;
  size_t at = 0;
  while (at < length) {
    size_t end = at;
    Result<std::string> name =
        DecodeSearchName(value, length, at, compression, what, offset, &end);
    if (!name.ok()) return name.status();
    if (!name->empty() && names.size() < kMaxSearchDomains &&
        std::find(names.begin(), names.end(), *name) == names.end()) {
      names.push_back(std::move(name).value());
    }
    at = end;
  }
  return names;
}

}  // namespace hostnic::dhcp
