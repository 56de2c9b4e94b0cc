#include "admin/auth.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace vcproxy::admin {
namespace {

constexpr size_t kMaxTokenFileBytes = 4096;

HttpResponse unauthorized(std::string_view message) {
  HttpResponse response = errorResponse(401, message);
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool constantTimeEquals(std::string_view given, std::string_view expected) {
  // Every byte of `given` is compared (against `expected` repeated), with no early exit; the
  // length difference is folded in at the end.
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  if (expected.empty()) return given.empty();
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return diff == 0;
}

bool isAuthExempt(std::string_view path) { return path == "/healthz" || path == "/readyz"; }

std::optional<HttpResponse> authorize(const HttpRequest& request, std::string_view token) {
  if (token.empty() || isAuthExempt(request.path)) return std::nullopt;
  const std::string* header = request.header("authorization");
  if (!header || header->empty()) return unauthorized("missing bearer token (Authorization: Bearer <token>)");
  constexpr std::string_view kScheme = "bearer ";
  if (!startsWithIgnoreCase(*header, kScheme)) {
    return unauthorized("the Authorization header must be \"Bearer <token>\"");
  }
  std::string_view given = std::string_view(*header).substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  if (!constantTimeEquals(given, token)) return unauthorized("invalid bearer token");
  return std::nullopt;
}

bool isLoopback(const std::string& host) {
  std::string h = host;
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string lower;
  for (char c : h) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost" || lower == "localhost.") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

bool readTokenFile(const std::string& path, std::string& token, std::string& error) {
  const std::string what = "admin token file " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = what + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::string text;
  char chunk[1024];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0 && text.size() <= kMaxTokenFileBytes) {
    text.append(chunk, static_cast<size_t>(n));
  }
  const int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    error = what + ": cannot read: " + std::strerror(read_errno);
    return false;
  }
  if (text.size() > kMaxTokenFileBytes) {
    error = what + " is larger than " + std::to_string(kMaxTokenFileBytes) + " bytes";
    return false;
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty()) {
    error = what + " is empty";
    return false;
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || std::iscntrl(u)) {
      error = what + ": the token contains whitespace or control characters";
      return false;
    }
  }
  token = std::move(text);
  return true;
}

}  // namespace vcproxy::admin
