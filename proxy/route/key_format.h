#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vcproxy::route {

// The documented form of a rewritten key:
//   ~vc:<namespace>:<cache>:<version>:<original key>
// e.g. "~vc:shop-v42:bans:Ab3dE9xZ:misago:bans:1", or with no namespace
// "~vc::bans:Ab3dE9xZ:misago:bans:1". Namespace and cache names never contain
// ':' (config validates), so the first three ':' after the marker end the fields.
inline constexpr std::string_view kReservedMarker = "~vc:";
inline constexpr char kKeyFieldSeparator = ':';

// "~vc:<ns>:<cache>:<version>:" — prepend to the client's key.
std::string makeKeyPrefix(std::string_view ns, std::string_view cache, std::string_view version);

// True if the key starts with kReservedMarker (such client keys are refused).
bool hasReservedMarker(std::string_view key);

// The memcached version store's own keys (documented in proxy/versions/version_store.h); the
// data path needs them too, to put versions back right after a flush_all it forwarded.
std::string versionStoreKey(std::string_view name_space, std::string_view cache);
std::string modeStoreKey(std::string_view name_space, std::string_view cache);
// The Redis version store's hashes (field = cache name).
std::string versionsHashKey(std::string_view name_space);
std::string modesHashKey(std::string_view name_space);

// A key nothing is ever written to: reads of a bypassed cache's keys go there, and miss.
std::string absentKey(std::string_view name_space, std::string_view key);

// Views into the stored key passed to parseVersionedKey.
struct VersionedKey {
  std::string_view ns;
  std::string_view cache;
  std::string_view version;
  std::string_view key;
};

// nullopt unless `stored` is the marker, then three ':'-terminated fields
// (namespace may be empty, cache may not) whose third is a valid version.
// The original key is everything after; it may itself contain ':'.
std::optional<VersionedKey> parseVersionedKey(std::string_view stored);

}  // namespace vcproxy::route
