// An admin API answer and its bytes on the wire.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vcproxy::admin {

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";

struct HttpResponse {
  int status = 200;
  std::string content_type{kJsonContentType};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the standard ones
};

// How a handler answers, once, now or later (on the loop thread).
using Respond = std::function<void(HttpResponse)>;

// {"error": message} with `status`.
HttpResponse errorResponse(int status, std::string_view message);

// A JSON document already serialised.
HttpResponse jsonResponse(int status, std::string body);

// "OK", "Not Found"...; "Unknown" for codes we never send.
const char* reasonPhrase(int status);

// Status line, headers (Content-Length, Content-Type, Cache-Control, Connection) and body.
// `keep_alive` false adds "Connection: close"; an HTTP/1.0 client that keeps the connection
// alive is told "Connection: keep-alive". The answer to HEAD has no body (`head`).
std::string serializeResponse(const HttpResponse& response, bool keep_alive, bool http10, bool head = false);

}  // namespace vcproxy::admin
