// Redis' glob, as KEYS and SCAN MATCH apply it: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`.
#pragma once

#include <string_view>

namespace vcproxy::codec {

bool redisGlobMatch(std::string_view pattern, std::string_view text);

}  // namespace vcproxy::codec
