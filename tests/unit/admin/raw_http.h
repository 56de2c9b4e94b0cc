// A raw socket client for the admin server's tests: exact bytes out, answers parsed plainly
// (status line, headers, Content-Length body), so malformed and pipelined cases are possible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vcproxy::admin::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:port; every read gives up after 5 s (a safety net, not a check).
  explicit RawClient(uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // The next complete answer; nullopt when the connection closed or the read timed out first.
  std::optional<RawResponse> read();
  // True when the server closed the connection with no further bytes (EOF or reset).
  bool closedByServer();
  // Closes with SO_LINGER 0, so the server sees a reset at once.
  void reset();
  // Half-closes: the server sees EOF but may still answer.
  void shutdownWrite();
  void close();

 private:
  bool fill();  // one recv into buffer_; false on EOF, error or timeout

  int fd_ = -1;
  std::string buffer_;
};

// "GET /path HTTP/1.1" with Host and, when given, a bearer token and a JSON body.
std::string rawRequest(std::string_view method, std::string_view target, std::string_view body = "",
                       std::string_view extra_headers = "");

}  // namespace vcproxy::admin::testing
