#include "proxy/route/glob.h"

namespace vcproxy::route {

bool globMatch(std::string_view pattern, std::string_view text) {
  constexpr size_t kNoStar = std::string_view::npos;
  size_t p = 0;
  size_t t = 0;
  size_t star = kNoStar;  // position of the last `*` seen in the pattern
  size_t resume = 0;      // text position that `*` currently extends to
  while (t < text.size()) {
    // `*` is tested first so it is never taken as a literal byte.
    if (p < pattern.size() && pattern[p] == kGlobAnyRun) {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == kGlobAnyByte || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != kNoStar) {
      // Only the last `*` needs to grow: an earlier one can never help more,
      // which is what keeps this polynomial instead of exponential.
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == kGlobAnyRun) {
    ++p;
  }
  return p == pattern.size();
}

bool hasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

std::string_view literalPrefix(std::string_view pattern) {
  return pattern.substr(0, pattern.find_first_of("*?"));
}

size_t minMatchLength(std::string_view pattern) {
  size_t n = 0;
  for (char c : pattern) {
    n += c != kGlobAnyRun;
  }
  return n;
}

}  // namespace vcproxy::route
