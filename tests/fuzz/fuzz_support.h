// Shared by the memcached codec fuzz targets: the test "rewriter" (adds a version prefix) and
// its inverse for replies. The invariant checks come from fuzz_check.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "proxy/codec/base64.h"
#include "proxy/codec/mc_request.h"

namespace vcproxy::fuzz {

inline constexpr std::string_view kPrefix = "v1:";

inline std::string_view stripPrefix(std::string_view stored_key) {
  return stored_key.starts_with(kPrefix) ? stored_key.substr(kPrefix.size()) : stored_key;
}

inline std::string_view identity(std::string_view stored_key) { return stored_key; }

// The key as the rewriter would send it: prefixed, and re-encoded when the request used `b`.
inline std::string versionedKey(std::string_view key, bool base64) {
  std::string plain(kPrefix);
  if (!base64) return plain.append(key);
  std::string decoded;
  require(codec::base64Decode(key, decoded), "a forwarded base64 key decodes");
  plain.append(decoded);
  std::string encoded;
  codec::base64Encode(plain, encoded);
  return encoded;
}

inline std::vector<std::string_view> keysOf(const codec::McRequest& request) {
  std::vector<std::string_view> keys;
  for (uint32_t i = 0; i < request.key_count; ++i) keys.push_back(request.key(i));
  return keys;
}

}  // namespace vcproxy::fuzz
