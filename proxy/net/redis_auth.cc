#include "proxy/net/redis_auth.h"

#include <algorithm>

#include "proxy/codec/resp_text.h"

namespace vcproxy::net {

bool samePassword(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  const size_t n = std::min(given.size(), expected.size());
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

std::string_view authReply(std::span<const std::string_view> args, std::string_view password, bool& ok) {
  ok = false;
  if (args.size() < 2) return "-ERR wrong number of arguments for 'auth' command\r\n";
  if (args.size() > 3) return "-ERR syntax error\r\n";
  const bool user_ok = args.size() == 2 || args[1] == "default";
  ok = samePassword(args.back(), password) && user_ok;
  return ok ? "+OK\r\n" : kWrongPassReply;
}

size_t helloAuthAt(std::span<const std::string_view> args) {
  for (size_t i = 2; i + 2 < args.size(); ++i) {
    if (codec::equalsIgnoreCase(args[i], "auth")) return i;
    if (codec::equalsIgnoreCase(args[i], "setname")) ++i;  // its name may read "AUTH"
  }
  return 0;
}

}  // namespace vcproxy::net
