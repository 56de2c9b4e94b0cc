// Socket address parsing, shared by the loader and the command line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace vcproxy::config {

// Parses "host:port" (host = hostname or dotted IPv4), "[v6addr]:port" or
// "unix:/absolute/path"; port 1..65535. nullopt on anything else.
std::optional<Endpoint> parseEndpoint(std::string_view text);

// Same, and on failure sets *why (when not null) to a short reason such as "missing port".
std::optional<Endpoint> parseEndpoint(std::string_view text, std::string* why);

// True when both name the same socket (the text as written is ignored).
bool sameAddress(const Endpoint& a, const Endpoint& b);

}  // namespace vcproxy::config
