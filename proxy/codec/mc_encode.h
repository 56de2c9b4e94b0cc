// Encoding of a decoded memcached request for the upstream connection.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "proxy/codec/mc_request.h"

namespace vcproxy::codec {

// Appends `request` to `out` with its keys replaced by `keys` (one per key, in order; base64
// already applied for meta `b`; an empty key is left out). `noreply` and meta `q` are dropped: on a shared upstream
// connection every request must get exactly one reply, and the proxy applies them itself.
// `with_data` false: the data block is left for the caller to send from where it is.
void encodeMcRequest(const McRequest& request, std::span<const std::string_view> keys, std::string& out,
                     bool with_data = true);

}  // namespace vcproxy::codec
