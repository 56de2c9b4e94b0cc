// Number and word rules shared by the RESP codec and the Redis command table. They copy Redis'
// own helpers (util.c string2ll, strcasecmp) because the proxy must accept and reject exactly
// what the server does: a number or keyword read differently would put keys in other places.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace vcproxy::codec {

// Redis' string2ll: optional '-', no '+', no leading zeros ("0" alone is fine, "-0" is not),
// no spaces, at most 20 characters, within int64_t.
inline bool parseRedisInteger(std::string_view text, int64_t& value) {
  constexpr size_t kLongStrSize = 21;  // Redis' LONG_STR_SIZE
  if (text.empty() || text.size() >= kLongStrSize) return false;
  if (text == "0") {
    value = 0;
    return true;
  }
  size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative) ++i;
  if (i == text.size() || text[i] < '1' || text[i] > '9') return false;
  uint64_t v = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (v > kMax + 1) return false;
    value = v == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  } else {
    if (v > kMax) return false;
    value = static_cast<int64_t>(v);
  }
  return true;
}

inline char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive equality over the whole of both strings (Redis' command dictionary).
inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

// Redis command parsers compare options with strcasecmp on a C string, so an argument matches
// a keyword up to its first NUL byte ("STORE\0junk" is STORE to the server). Key finding must
// read options the same way or it would miss the key the server really uses.
inline bool isOption(std::string_view arg, std::string_view keyword) {
  const size_t nul = arg.find('\0');
  return equalsIgnoreCase(nul == std::string_view::npos ? arg : arg.substr(0, nul), keyword);
}

}  // namespace vcproxy::codec
