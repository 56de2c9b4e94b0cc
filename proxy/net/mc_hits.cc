#include "proxy/net/mc_hits.h"

#include "proxy/codec/mc_reply.h"
#include "proxy/net/worker.h"
#include "proxy/route/key_format.h"

namespace vcproxy::net {

// Each VALUE line names its versioned key, hence its cache; a meta get has one key, whose cache
// the request noted.
void countMcHits(Worker& worker, const Pending& pending, std::string_view reply, size_t values) {
  if (pending.verb == codec::McVerb::kMetaGet) {
    CacheCounters* counters = worker.cacheCounters(pending.cache_id);
    const bool hit = reply.starts_with("VA") || reply.starts_with("HD");
    if (counters != nullptr && hit) counters->hits.add();
    return;
  }
  if (!codec::isRetrieval(pending.verb)) return;
  if (pending.one_cache) {
    if (CacheCounters* counters = worker.cacheCounters(pending.cache_id)) counters->hits.add(values);
    return;
  }
  // Keys of several caches: each VALUE line's versioned key says which.
  const auto& versions = worker.rewriter().versions();
  codec::forEachValueKey(reply, [&](std::string_view key) {
    const auto parsed = route::parseVersionedKey(key);
    const auto cache = parsed ? versions.find(parsed->cache) : std::nullopt;
    if (CacheCounters* counters = cache ? worker.cacheCounters(versions.at(*cache).stats_slot) : nullptr) {
      counters->hits.add();
    }
  });
}

}  // namespace vcproxy::net
