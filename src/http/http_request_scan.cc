#include "http/http_request_scan.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "common/strings.h"

namespace hostnic::http {

namespace {

// httplib answers 414 beyond this request line; so does the scan, early.
constexpr size_t kMaxRequestLine = CPPHTTPLIB_REQUEST_URI_MAX_LENGTH;
constexpr size_t kMaxHeaders = 64 << 10;  // Request line and headers.
constexpr size_t kMaxChunkLine = 1024;    // A chunk-size line.

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

using Scan = RequestScan;

Scan Incomplete() { return Scan{}; }
Scan Complete(size_t end) { return Scan{Scan::kComplete, end}; }
Scan Refuse(int status) { return Scan{Scan::kRefuse, 0, status}; }

// A chunked body starting at `pos`. Malformed input is "complete" where it
// goes wrong: httplib then answers 400.
Scan ScanChunked(std::string_view in, size_t pos) {
  uint64_t total = 0;
  for (;;) {
    size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) {
      return in.size() - pos > kMaxChunkLine ? Complete(in.size())
                                             : Incomplete();
    }
    const std::string line(in.substr(pos, nl - pos));
    char* parsed = nullptr;
    const unsigned long length = std::strtoul(line.c_str(), &parsed, 16);
    pos = nl + 1;
    if (parsed == line.c_str() || length == ULONG_MAX) return Complete(pos);
    if (length == 0) break;
    total += length;
    if (total > kMaxRequestBody) return Refuse(413);
    if (in.size() - pos < length) return Incomplete();
    pos += length;
    nl = in.find('\n', pos);  // the CRLF after the data
    if (nl == std::string_view::npos) return Incomplete();
    pos = nl + 1;
  }
  const size_t nl = in.find('\n', pos);  // the CRLF after the last chunk
  if (nl == std::string_view::npos) return Incomplete();
  return Complete(nl + 1);
}

const char* Reason(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

}  // namespace

RequestScan ScanRequest(std::string_view in) {
  const size_t line_end = in.find('\n');
  if (line_end == std::string_view::npos) {
    return in.size() > kMaxRequestLine ? Refuse(414) : Incomplete();
  }
  if (line_end > kMaxRequestLine) return Refuse(414);
  const size_t blank = in.find("\n\r\n", line_end);
  if (blank == std::string_view::npos) {
    return in.size() > kMaxHeaders ? Refuse(431) : Incomplete();
  }
  const size_t body = blank + 3;
  if (body > kMaxHeaders) return Refuse(431);

  // The first value of each header, as httplib takes it; httplib skips a
  // line without CR.
  std::optional<std::string_view> length, encoding, expect;
  for (size_t pos = line_end + 1; pos <= blank;) {
    const size_t nl = in.find('\n', pos);
    std::string_view line = in.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line.back() != '\r') continue;
    line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (!length && IEquals(name, "Content-Length")) length = value;
    if (!encoding && IEquals(name, "Transfer-Encoding")) encoding = value;
    if (!expect && IEquals(name, "Expect")) expect = value;
  }

  // httplib reads a body for these methods only.
  const std::string_view method =
      in.substr(0, std::min(in.find(' '), line_end));
  if (method != "POST" && method != "PUT" && method != "PATCH" &&
      method != "DELETE" && method != "PRI") {
    return Complete(body);
  }
  Scan scan;
  if (encoding && IEquals(*encoding, "chunked")) {
    scan = ScanChunked(in, body);
  } else if (length) {
    const uint64_t n = std::strtoull(std::string(*length).c_str(), nullptr, 10);
    if (n > kMaxRequestBody) return Refuse(413);
    if (in.size() - body >= n) scan = Complete(body + n);
  } else {
    // Neither: no body (RFC 9112 6.3), where httplib would read to the
    // client's shutdown and so wait for a client that waits for it.
    scan = Complete(body);
  }
  scan.wants_continue = expect && *expect == "100-continue";
  return scan;
}

std::string ClosingAnswer(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
         "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

}  // namespace hostnic::http
