// How a set of keys written as a pattern — every key prefix·X·suffix, for any X — meets a cache's
// glob. Redis names keys by pattern in a few places (SORT BY/GET, CLIENT TRACKING PREFIX): the
// proxy may version such a pattern only when all of its keys belong to one cache.
#pragma once

#include <string_view>

namespace vcproxy::route {

enum class GlobOverlap {
  kNone,  // no key of the set matches the glob
  kSome,  // some may (or the proxy cannot prove that all or none do)
  kAll,   // every key of the set matches the glob
};

// Conservative: kAll and kNone are only answered when proven; `glob` uses the matcher's syntax
// (`*` any run, `?` one byte, no escapes), prefix and suffix are literal bytes.
GlobOverlap globOverlap(std::string_view glob, std::string_view prefix, std::string_view suffix);

}  // namespace vcproxy::route
