// Request framing for UnixHttpServer: where the first HTTP/1.1 request in a
// connection's buffer ends, decided as cpp-httplib will read it, so that
// httplib is handed whole requests only and never waits for a byte that has
// not come. No I/O.
#ifndef HOSTNIC_HTTP_HTTP_REQUEST_SCAN_H_
#define HOSTNIC_HTTP_HTTP_REQUEST_SCAN_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace hostnic::http {

// The largest request body, counted as sent (Content-Length) or as the sum
// of its chunks; Docker's requests are a few KiB.
inline constexpr size_t kMaxRequestBody = 1 << 20;

// The interim answer to "Expect: 100-continue".
inline constexpr std::string_view kContinueAnswer =
    "HTTP/1.1 100 Continue\r\n\r\n";

struct RequestScan {
  enum Kind {
    kIncomplete,  // wait for more bytes
    kComplete,    // the request is the first `end` bytes
    kRefuse,      // answer `status` and close
  };
  Kind kind = kIncomplete;
  size_t end = 0;
  int status = 0;
  bool wants_continue = false;  // headers complete, Expect: 100-continue
};

// Scans `in`, the bytes received on a connection from the start of a
// request. A request line over httplib's limit is refused with 414, request
// line and headers over 64 KiB with 431, a body over kMaxRequestBody with
// 413. A body comes by Content-Length or by chunks; a request with neither
// has none (RFC 9112 6.3). Malformed framing counts as complete where it
// goes wrong, so that httplib answers it with 400.
RequestScan ScanRequest(std::string_view in);

// A whole answer with `status` (408, 413, 414, 431), no body, and
// "Connection: close".
std::string ClosingAnswer(int status);

}  // namespace hostnic::http

#endif  // HOSTNIC_HTTP_HTTP_REQUEST_SCAN_H_
