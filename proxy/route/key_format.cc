#include "proxy/route/key_format.h"

#include "proxy/route/version.h"

namespace vcproxy::route {
namespace {

// Splits off the field before the next separator; false if there is none.
bool takeField(std::string_view& rest, std::string_view& field) {
  size_t end = rest.find(kKeyFieldSeparator);
  if (end == std::string_view::npos) {
    return false;
  }
  field = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return true;
}

}  // namespace

std::string makeKeyPrefix(std::string_view ns, std::string_view cache, std::string_view version) {
  std::string prefix;
  prefix.reserve(kReservedMarker.size() + ns.size() + cache.size() + version.size() + 3);
  prefix.append(kReservedMarker);
  prefix.append(ns).push_back(kKeyFieldSeparator);
  prefix.append(cache).push_back(kKeyFieldSeparator);
  prefix.append(version).push_back(kKeyFieldSeparator);
  return prefix;
}

bool hasReservedMarker(std::string_view key) {
  return key.starts_with(kReservedMarker);
}

std::optional<VersionedKey> parseVersionedKey(std::string_view stored) {
  if (!hasReservedMarker(stored)) {
    return std::nullopt;
  }
  std::string_view rest = stored.substr(kReservedMarker.size());
  VersionedKey parsed;
  if (!takeField(rest, parsed.ns) || !takeField(rest, parsed.cache)) {
    return std::nullopt;
  }
  // The version has a fixed length: no search for its end.
  if (rest.size() <= kVersionLength || rest[kVersionLength] != kKeyFieldSeparator) {
    return std::nullopt;
  }
  parsed.version = rest.substr(0, kVersionLength);
  if (parsed.cache.empty() || !isValidVersion(parsed.version)) {
    return std::nullopt;
  }
  parsed.key = rest.substr(kVersionLength + 1);
  return parsed;
}

std::string versionStoreKey(std::string_view name_space, std::string_view cache) {
  return std::string(kReservedMarker) + std::string(name_space) + ":!version:" + std::string(cache);
}

std::string modeStoreKey(std::string_view name_space, std::string_view cache) {
  return std::string(kReservedMarker) + std::string(name_space) + ":!mode:" + std::string(cache);
}

std::string absentKey(std::string_view name_space, std::string_view key) {
  return std::string(kReservedMarker) + std::string(name_space) + ":!absent:" + std::string(key);
}

std::string versionsHashKey(std::string_view name_space) {
  return std::string(kReservedMarker) + std::string(name_space) + ":!versions";
}

std::string modesHashKey(std::string_view name_space) {
  return std::string(kReservedMarker) + std::string(name_space) + ":!modes";
}

}  // namespace vcproxy::route
