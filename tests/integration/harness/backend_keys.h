#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::test {

// The keys a memcached actually stores, from `lru_crawler metadump all` (url-decoded).
struct KeyDump {
  std::vector<std::string> keys;
  std::string error;  // empty on success

  bool ok() const { return error.empty(); }
};

KeyDump dumpMemcachedKeys(uint16_t port);

// memcached url-encodes keys in metadump output ("%3A" for ':').
std::string urlDecode(std::string_view encoded);

// A key as vcproxy stores it: ~vc:<namespace>:<cache>:<version>:<original key>.
struct VersionedKey {
  std::string name_space;
  std::string cache;
  std::string version;  // 8 chars [A-Za-z0-9]
  std::string original;
};

// nullopt if `key` is not in the versioned form.
std::optional<VersionedKey> parseVersionedKey(std::string_view key);

}  // namespace vcproxy::test
