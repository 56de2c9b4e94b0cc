#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vcproxy::route {

// django-versionedcache debug modes, applied per cache by the data path.
enum class CacheMode : uint8_t { kNormal, kBypass, kWriteOnly };

// "normal", "bypass", "write-only": the names used in config and the admin API.
std::string_view modeName(CacheMode mode);
std::optional<CacheMode> parseMode(std::string_view name);

inline constexpr size_t kVersionLength = 8;
inline constexpr std::string_view kVersionAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// kVersionLength characters of kVersionAlphabet, each uniform and independent,
// from getrandom(2). Throws std::system_error only if the kernel CSPRNG is
// unavailable (a weak version could resurrect stale keys, so no fallback).
std::string newVersion();

// One lookup per byte.
inline constexpr std::array<bool, 256> kInVersionAlphabet = [] {
  std::array<bool, 256> table{};
  for (char c : kVersionAlphabet) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Exactly kVersionLength characters of kVersionAlphabet. Inline: every key restored in a reply
// checks its version.
inline bool isValidVersion(std::string_view version) {
  if (version.size() != kVersionLength) return false;
  for (char c : version) {
    if (!kInVersionAlphabet[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

}  // namespace vcproxy::route
