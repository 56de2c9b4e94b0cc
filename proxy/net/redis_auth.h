// A Redis listener's own password (listener `password_file` / `password_env`): vcproxy answers
// AUTH and HELLO ... AUTH itself, as a Redis with `requirepass` does, and lets nothing else
// through before it succeeded. Pure functions, unit-tested without sockets.
#pragma once

#include <span>
#include <string_view>

namespace vcproxy::net {

inline constexpr std::string_view kNoAuthReply = "-NOAUTH Authentication required.\r\n";
inline constexpr std::string_view kWrongPassReply = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
inline constexpr std::string_view kHelloNoAuthReply =
    "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> "
    "option can be used to authenticate the client and select the RESP protocol version at the same time\r\n";

// Compares in time that depends on the lengths only, not on where the bytes differ.
bool samePassword(std::string_view given, std::string_view expected);

// The reply to `AUTH [username] password` (args[0] is AUTH); `ok` tells whether it succeeded.
// The only user is "default", as on a Redis with requirepass.
std::string_view authReply(std::span<const std::string_view> args, std::string_view password, bool& ok);

// HELLO protover AUTH username password [SETNAME name]: the position of AUTH, or 0 if absent.
size_t helloAuthAt(std::span<const std::string_view> args);

}  // namespace vcproxy::net
