// Standard base64 (RFC 4648, with padding), as used by memcached's meta `b` flag.
#pragma once

#include <string>
#include <string_view>

namespace vcproxy::codec {

// Appends the decoded bytes to `out`; false (and `out` unspecified) if `in` is not valid base64.
bool base64Decode(std::string_view in, std::string& out);
void base64Encode(std::string_view in, std::string& out);

}  // namespace vcproxy::codec
