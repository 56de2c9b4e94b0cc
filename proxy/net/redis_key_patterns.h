// Arguments that name keys by pattern rather than by name, versioned as a whole:
// - SORT / SORT_RO `BY` and `GET` patterns (`w_*`, `data_*->field`): Redis replaces the first `*`
//   with each element to name a key. The pattern is versioned for the cache that every key it can
//   name belongs to (Matcher::matchExpansions over the part around the `*`); when those keys may
//   fall in different caches, or in a cache and in none, it is refused: no one prefix is right.
// - CLIENT TRACKING `PREFIX`es (broadcast mode): each client prefix is registered as it is and,
//   for the caches its keys may belong to, as those caches' key prefix of every version
//   (`~vc:<ns>:<cache>:`), so writes under a new version notify too; invalidation pushes are then
//   restored and filtered by the client's prefixes (restoreInvalidation).
// Pure functions over a snapshot, unit-tested without sockets.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/route/rewriter.h"

namespace vcproxy::net {

// One SORT BY/GET pattern (with a `*`) as it goes to the backend, in `out`. Returns the error
// reply for the client instead when it cannot be versioned safely (empty on success).
std::string rewriteSortPattern(std::string_view pattern, const route::Rewriter& snapshot, std::string& out);

// The prefixes to register for a client's broadcast tracking prefixes, in `out`. Returns the
// error reply for the client instead when one names vcproxy's reserved keys (empty on success).
std::string trackingPrefixes(std::span<const std::string_view> prefixes, const route::Rewriter& snapshot,
                             std::vector<std::string>& out);

}  // namespace vcproxy::net
