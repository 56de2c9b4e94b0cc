// A small blocking HTTP/1.1 client of the admin API, for the `vcproxy` CLI (plain sockets,
// no libuv): one request per connection, with one deadline for all of it.
#pragma once

#include <string>
#include <string_view>

namespace vcproxy::admin {

struct HttpResult {
  // Transport failure, e.g. "cannot connect to 127.0.0.1:9100: Connection refused"; empty when
  // the server answered (whatever its status).
  std::string error;
  int status = 0;
  std::string content_type;
  std::string body;

  bool ok() const { return error.empty(); }
};

// Sends `method path` to the admin server at `url` and waits for the whole answer.
//   url:        "http://host:port", "host:port", "http://[::1]:9100" or "unix:/path/to.sock"
//               (a trailing "/" is ignored; without a port, 80)
//   path:       already percent-encoded, with its query (see percentEncode)
//   body:       sent as application/json when not empty
//   token:      "Authorization: Bearer <token>" when not empty
//   timeout_ms: for connecting, sending and receiving together
HttpResult request(const std::string& url, const std::string& method, const std::string& path,
                   const std::string& body = "", const std::string& token = "", int timeout_ms = 5000);

// Percent-encodes every byte except the unreserved ones (A-Z a-z 0-9 - . _ ~), so that any
// key is safe as one path segment or one query value.
std::string percentEncode(std::string_view text);

}  // namespace vcproxy::admin
