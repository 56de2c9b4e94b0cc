// Bearer-token authentication of the admin API, and the checks the composition root needs to
// refuse an exposed admin port without a token (ARCHITECTURE.md §5).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "admin/http_request.h"
#include "admin/http_response.h"

namespace vcproxy::admin {

// Equality whose running time depends only on `given`'s length, never on where the strings
// first differ nor on `expected`'s contents, so a token cannot be guessed byte by byte.
bool constantTimeEquals(std::string_view given, std::string_view expected);

// Probes that orchestrators call without credentials: /healthz and /readyz.
bool isAuthExempt(std::string_view path);

// nullopt when the request may proceed: no token configured, an exempt path, or
// "Authorization: Bearer <token>" with the right token. Otherwise the 401 answer to send, with
// "WWW-Authenticate: Bearer".
std::optional<HttpResponse> authorize(const HttpRequest& request, std::string_view token);

// 127.0.0.0/8, ::1 (also "[::1]" and IPv4-mapped 127.x), "localhost". False for anything else,
// including "" and wildcard addresses.
bool isLoopback(const std::string& host);

// Reads the admin token: the file's content without trailing whitespace (the newline editors
// add). Fails, with a message naming the file, when it cannot be read, is empty, or the token
// holds whitespace or control characters (it could never match a header).
bool readTokenFile(const std::string& path, std::string& token, std::string& error);

}  // namespace vcproxy::admin
