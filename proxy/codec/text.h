// Small helpers for line-oriented protocols: tokenising and strict number parsing.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vcproxy::codec {

// Splits on spaces (runs of spaces count as one, as memcached's tokenizer does).
inline void tokenize(std::string_view line, std::vector<std::string_view>& tokens) {
  tokens.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) tokens.push_back(line.substr(start, i - start));
  }
}

// Whole-token integer parse, as memcached's strtol-based one: an optional leading '+', a '-'
// only for signed types, no trailing junk.
template <typename T>
bool parseNumber(std::string_view token, T& value) {
  if (token.size() > 1 && token[0] == '+' && token[1] != '-') token.remove_prefix(1);
  if (token.empty()) return false;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  return ec == std::errc() && end == token.data() + token.size();
}

// Finds the end of the line starting at `from`: returns the index of '\n' or npos.
inline size_t findLineEnd(std::string_view in, size_t from = 0) { return in.find('\n', from); }

// The line without its terminator ("\r\n" or a bare "\n", as memcached accepts both).
inline std::string_view lineBefore(std::string_view in, size_t newline) {
  size_t end = newline;
  if (end > 0 && in[end - 1] == '\r') --end;
  return in.substr(0, end);
}

}  // namespace vcproxy::codec
