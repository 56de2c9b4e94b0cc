// MD5 (RFC 1321), only for placing keys on servers: ketama's continuum is defined with it.
// Not for anything that needs a secure hash.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace vcproxy::pool {

using Md5Digest = std::array<uint8_t, 16>;

Md5Digest md5(std::string_view data);

}  // namespace vcproxy::pool
