#pragma once

#include <string_view>

namespace vcproxy::route {

inline constexpr char kGlobAnyRun = '*';
inline constexpr char kGlobAnyByte = '?';

// True if `pattern` matches the whole of `text`. `*` matches any run of bytes
// (including none), `?` exactly one byte, every other byte itself: no escapes,
// no classes. Iterative, O(|pattern| * |text|) worst case, no recursion.
bool globMatch(std::string_view pattern, std::string_view text);

// True if `pattern` contains `*` or `?`.
bool hasWildcard(std::string_view pattern);

// Bytes before the first wildcard (the whole pattern if it has none).
std::string_view literalPrefix(std::string_view pattern);

// The shortest text the pattern can match (its non-`*` byte count).
size_t minMatchLength(std::string_view pattern);

}  // namespace vcproxy::route
