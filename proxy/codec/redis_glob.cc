#include "proxy/codec/redis_glob.h"

namespace vcproxy::codec {
namespace {

// Matches one `[...]` class at pattern[p] against c; returns the index past the class.
size_t matchClass(std::string_view pattern, size_t p, char c, bool& matched) {
  ++p;  // '['
  const bool negate = p < pattern.size() && pattern[p] == '^';
  if (negate) ++p;
  matched = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      matched |= pattern[++p] == c;
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-' && pattern[p + 2] != ']') {
      char lo = pattern[p], hi = pattern[p + 2];
      if (lo > hi) std::swap(lo, hi);
      matched |= c >= lo && c <= hi;
      p += 2;
    } else {
      matched |= pattern[p] == c;
    }
    ++p;
  }
  if (negate) matched = !matched;
  return p < pattern.size() ? p + 1 : p;  // an unclosed class ends the pattern, as in Redis
}

}  // namespace

// Iterative, with backtracking to the last `*` only: linear in practice, never exponential.
bool redisGlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    bool matched = false;
    size_t next = p + 1;
    if (p < pattern.size()) {
      if (pattern[p] == '?') {
        matched = true;
      } else if (pattern[p] == '[') {
        next = matchClass(pattern, p, text[t], matched);
      } else if (pattern[p] == '\\' && p + 1 < pattern.size()) {
        matched = pattern[p + 1] == text[t];
        next = p + 2;
      } else {
        matched = pattern[p] == text[t];
      }
    }
    if (matched) {
      p = next;
      ++t;
    } else if (star_p != std::string_view::npos) {
      p = star_p;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace vcproxy::codec
