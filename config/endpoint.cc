#include "config/endpoint.h"

#include <algorithm>
#include <charconv>

namespace vcproxy::config {
namespace {

constexpr std::string_view kUnixPrefix = "unix:";
constexpr size_t kMaxUnixPath = 107;  // sockaddr_un::sun_path is 108 bytes with the NUL
constexpr size_t kMaxHostname = 253;
constexpr size_t kMaxLabel = 63;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool allOf(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }

// Dotted quad; leading zeros are refused because some resolvers read them as octal.
bool isIpv4(std::string_view s) {
  int parts = 0;
  while (true) {
    size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    if (part.empty() || part.size() > 3 || !allOf(part, isDigit)) return false;
    if (part.size() > 1 && part[0] == '0') return false;
    int value = 0;
    std::from_chars(part.data(), part.data() + part.size(), value);
    if (value > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool isZoneChar(char c) { return isAlnum(c) || c == '_' || c == '.' || c == '-'; }

// RFC 4291 text form, optionally with a trailing dotted quad and a "%zone" suffix.
bool isIpv6(std::string_view s) {
  if (size_t pct = s.find('%'); pct != std::string_view::npos) {
    std::string_view zone = s.substr(pct + 1);
    if (zone.empty() || !allOf(zone, isZoneChar)) return false;
    s = s.substr(0, pct);
  }
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.starts_with("::")) {
    compressed = true;
    i = 2;
  } else if (s.starts_with(":")) {
    return false;
  }
  while (i < s.size()) {
    size_t end = s.find(':', i);
    std::string_view part = s.substr(i, end == std::string_view::npos ? end : end - i);
    if (end == std::string_view::npos && part.find('.') != std::string_view::npos) {
      if (!isIpv4(part)) return false;
      groups += 2;
      break;
    }
    if (part.empty() || part.size() > 4 || !allOf(part, isHex)) return false;
    ++groups;
    if (end == std::string_view::npos) break;
    i = end + 1;
    if (i == s.size()) return false;  // a single trailing ':'
    if (s[i] == ':') {
      if (compressed) return false;  // "::" at most once
      compressed = true;
      ++i;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

bool isLabelChar(char c) { return isAlnum(c) || c == '-' || c == '_'; }

// Letters, digits, '-' and '_' (compose/k8s service names use '_'), labels split by '.'.
bool isHostname(std::string_view s) {
  if (s.empty() || s.size() > kMaxHostname) return false;
  while (true) {
    size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabel || !allOf(label, isLabelChar)) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

bool isDigitOrDot(char c) { return isDigit(c) || c == '.'; }

bool fail(std::string* why, std::string_view reason) {
  if (why != nullptr) *why = reason;
  return false;
}

bool parsePort(std::string_view text, uint16_t& port, std::string* why) {
  if (text.empty()) return fail(why, "missing port");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!allOf(text, isDigit) || ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > 65535) {
    return fail(why, "port must be an integer 1..65535");
  }
  port = static_cast<uint16_t>(value);
  return true;
}

bool parseUnix(std::string_view path, Endpoint& out, std::string* why) {
  if (!path.starts_with('/')) return fail(why, "unix socket path must be absolute (unix:/path)");
  if (path.size() > kMaxUnixPath) return fail(why, "unix socket path longer than 107 bytes");
  out.is_unix = true;
  out.path = path;
  return true;
}

bool parseInet(std::string_view text, Endpoint& out, std::string* why) {
  if (text.find(' ') != std::string_view::npos) return fail(why, "contains a space");
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail(why, "missing ']' after IPv6 address");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return fail(why, "missing port");
    if (rest[0] != ':') return fail(why, "expected ':' and a port after ']'");
    port = rest.substr(1);
    if (!isIpv6(host)) return fail(why, "invalid IPv6 address");
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(why, "missing port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(why, "IPv6 addresses need brackets, e.g. [::1]:6379");
    }
    if (host.empty()) return fail(why, "missing host");
    if (allOf(host, isDigitOrDot)) {
      if (!isIpv4(host)) return fail(why, "invalid IPv4 address");
    } else if (!isHostname(host)) {
      return fail(why, "invalid host name");
    }
  }
  if (!parsePort(port, out.port, why)) return false;
  out.host = host;
  return true;
}

}  // namespace

std::optional<Endpoint> parseEndpoint(std::string_view text) {
  return parseEndpoint(text, nullptr);
}

std::optional<Endpoint> parseEndpoint(std::string_view text, std::string* why) {
  if (text.empty()) {
    fail(why, "empty");
    return std::nullopt;
  }
  if (std::any_of(text.begin(), text.end(), isControl)) {
    fail(why, "contains control characters");
    return std::nullopt;
  }
  Endpoint endpoint;
  endpoint.text = text;
  bool ok = text.starts_with(kUnixPrefix)
                ? parseUnix(text.substr(kUnixPrefix.size()), endpoint, why)
                : parseInet(text, endpoint, why);
  if (!ok) return std::nullopt;
  return endpoint;
}

bool sameAddress(const Endpoint& a, const Endpoint& b) {
  if (a.is_unix != b.is_unix) return false;
  if (a.is_unix) return a.path == b.path;
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  bool same_host = a.host.size() == b.host.size() &&
                   std::equal(a.host.begin(), a.host.end(), b.host.begin(),
                              [&](char x, char y) { return lower(x) == lower(y); });
  return same_host && a.port == b.port;
}

}  // namespace vcproxy::config
