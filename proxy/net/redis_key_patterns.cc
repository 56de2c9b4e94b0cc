#include "proxy/net/redis_key_patterns.h"

#include <algorithm>

#include "proxy/route/key_format.h"

namespace vcproxy::net {
namespace {

// Whether keys starting with `prefix` may start with the reserved marker too.
bool mayNameReserved(std::string_view prefix) {
  return prefix.starts_with(route::kReservedMarker) || route::kReservedMarker.starts_with(prefix);
}

}  // namespace

// As sort.c lookupKeyByPattern: the first `*` takes the element; a `->` after it followed by
// something splits off a hash field, which names no key.
std::string rewriteSortPattern(std::string_view pattern, const route::Rewriter& snapshot, std::string& out) {
  if (pattern.find('\0') != std::string_view::npos) {
    return "-ERR a SORT BY/GET pattern with a NUL byte cannot be versioned by vcproxy\r\n";
  }
  const size_t star = pattern.find('*');
  const std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  if (const size_t arrow = suffix.find("->"); arrow != std::string_view::npos && arrow + 2 < suffix.size()) {
    suffix = suffix.substr(0, arrow);
  }
  const uint32_t cache = snapshot.matcher().matchExpansions(prefix, suffix);
  if (cache == route::Matcher::kAmbiguous) {
    return "-ERR a SORT BY/GET pattern names keys of different caches (or of a cache and of none): vcproxy "
           "cannot version it; use a pattern whose keys all fall in one cache\r\n";
  }
  if (cache == route::Matcher::kNoCache) {
    if (mayNameReserved(prefix)) return "-ERR a SORT BY/GET pattern could name vcproxy's reserved keys\r\n";
    out.assign(pattern);
    return {};
  }
  const route::VersionTable& versions = snapshot.versions();
  // BY and GET only read: a cache that must not serve its keys gets keys that cannot exist.
  if (versions.at(cache).mode != route::CacheMode::kNormal) {
    out = route::absentKey(versions.namespaceName(), pattern);
  } else {
    out = versions.keyPrefix(cache) + std::string(pattern);
  }
  return {};
}

std::string trackingPrefixes(std::span<const std::string_view> prefixes, const route::Rewriter& snapshot,
                             std::vector<std::string>& out) {
  out.clear();
  const route::VersionTable& versions = snapshot.versions();
  const std::string all_caches = std::string(route::kReservedMarker) + versions.namespaceName() + ":";
  std::vector<std::string> caches;
  for (const std::string_view prefix : prefixes) {
    if (prefix.empty()) {  // every key: Redis itself refuses it next to any other prefix
      out.emplace_back();
      continue;
    }
    if (mayNameReserved(prefix)) return "-ERR a CLIENT TRACKING prefix may not name vcproxy's reserved keys\r\n";
    out.emplace_back(prefix);
    const uint32_t cache = snapshot.matcher().matchExpansions(prefix, "");
    if (cache == route::Matcher::kAmbiguous) caches.push_back(all_caches);
    else if (cache != route::Matcher::kNoCache) caches.push_back(all_caches + versions.at(cache).name + ":");
  }
  // Redis refuses overlapping prefixes: one for every cache covers the ones for a single cache.
  const bool every = std::find(caches.begin(), caches.end(), all_caches) != caches.end();
  std::sort(caches.begin(), caches.end());
  caches.erase(std::unique(caches.begin(), caches.end()), caches.end());
  for (auto& prefix : caches) {
    if (!every || prefix == all_caches) out.push_back(std::move(prefix));
  }
  return {};
}

}  // namespace vcproxy::net
