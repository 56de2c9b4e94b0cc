#include "proxy/net/mc_client.h"

#include "proxy/codec/base64.h"
#include "proxy/codec/mc_encode.h"
#include "proxy/codec/mc_reply.h"
#include "proxy/net/listener.h"
#include "proxy/net/mc_modes.h"
#include "proxy/net/worker.h"
#include "proxy/route/key_format.h"

namespace vcproxy::net {
McClientConn::McClientConn(Listener& listener, bool is_unix)
    : ClientConn(listener.worker(), listener.counters(), is_unix), listener_(listener) {}

void McClientConn::processInput() {
  IoBuffer& in = io_.input();
  while (!closed() && !in.empty()) {
    if (skip_ > 0) {
      const size_t n = std::min(skip_, in.size());
      in.consume(n);
      skip_ -= n;
      continue;
    }
    if (pauseIfOverloaded()) break;
    const auto result = listener_.decoder().decode(in.readable(), request_);
    if (result.status == codec::McDecodeStatus::kNeedMore) {
      if (result.needed > 0) in.ensureCapacity(result.needed);
      break;
    }
    if (result.status == codec::McDecodeStatus::kAnswer) {
      answer(result.reply, result.close);
      skip_ = result.skip;
      in.consume(result.consumed);
      if (result.close) break;
      continue;
    }
    handleRequest(request_);
    in.consume(result.consumed);
  }
}

void McClientConn::handleRequest(const codec::McRequest& request) {
  bool rewritten = false;
  if (!rewriteKeys(request, rewritten)) {
    answer(request.noreply && !codec::isMeta(request.verb) ? std::string_view{} : error_);
    return;
  }
  if (rewritten && !applyModes(request)) return;
  Upstream* upstream = listener_.pickUpstream();
  if (!upstream->available()) {
    upstream->counters().errors.add();
    error_ = "SERVER_ERROR " + upstream->lastError() + "\r\n";
    answer(request.noreply && !codec::isMeta(request.verb) ? std::string_view{} : error_);
    return;
  }
  codec::encodeMcRequest(request, wire_keys_, upstream->output());
  auto pending = std::make_shared<Pending>();
  const bool flush_now = request.verb == codec::McVerb::kFlushAll &&
                         (request.tokens.size() == 1 + (request.noreply ? 1 : 0) || request.tokens[1] == "0");
  pending->verb = request.verb;
  pending->noreply = request.noreply;
  pending->keys_rewritten = rewritten;
  pending->cache_id = first_cache_;
  pending->one_cache = one_cache_;
  pending->client = this;
  expectReply(pending);
  upstream->push(std::move(pending));
  if (flush_now && listener_.spec().backend_holds_versions) restoreVersionsAfterFlush(*upstream);
}

// Right behind the flush on the same connection, so no version fetch can see the store empty in
// between: `add` the versions in use (never overwriting: an invalidation made meanwhile by
// another sidecar wins). Caches in bypass (or not loaded yet) are left to the next fetch.
void McClientConn::restoreVersionsAfterFlush(Upstream& upstream) {
  const route::VersionTable& versions = worker_.rewriter().versions();
  const auto add = [&upstream](const std::string& key, std::string_view value) {
    upstream.output() += "add " + key + " 0 0 " + std::to_string(value.size()) + "\r\n";
    upstream.output().append(value).append("\r\n");
    auto pending = std::make_shared<Pending>();  // no client: its reply is dropped
    pending->verb = codec::McVerb::kAdd;
    upstream.push(std::move(pending));
  };
  for (const auto& cache : versions.caches()) {
    if (cache.mode == route::CacheMode::kBypass) continue;
    add(route::versionStoreKey(versions.namespaceName(), cache.name), cache.version);
    if (cache.mode != route::CacheMode::kNormal) {
      add(route::modeStoreKey(versions.namespaceName(), cache.name), route::modeName(cache.mode));
    }
  }
}

// Keys of caches in bypass or write-only mode read as misses (they are left out of what goes
// upstream); writes to a bypass cache are dropped. False when the proxy answered by itself.
bool McClientConn::applyModes(const codec::McRequest& request) {
  const bool read = isMcRead(request.verb);
  size_t kept = 0;
  for (uint32_t i = 0; i < request.key_count; ++i) {
    const route::CacheMode mode = key_modes_[i];
    const bool drop = read ? mode != route::CacheMode::kNormal : mode == route::CacheMode::kBypass;
    if (drop) wire_keys_[i] = {};
    kept += drop ? 0 : 1;
  }
  if (kept > 0) return true;
  error_ = missOrDroppedReply(request);
  answer(error_);
  return false;
}

// Fills wire_keys_ with the versioned form of every key; false (and error_ set) if one is refused.
bool McClientConn::rewriteKeys(const codec::McRequest& request, bool& rewritten) {
  const auto& rewriter = worker_.rewriter();
  key_storage_.resize(request.key_count);
  wire_keys_.resize(request.key_count);
  key_modes_.assign(request.key_count, route::CacheMode::kNormal);
  first_cache_ = route::Matcher::kNoCache;
  one_cache_ = true;
  std::string decoded;
  for (uint32_t i = 0; i < request.key_count; ++i) {
    std::string_view key = request.key(i);
    if (request.base64_keys) {
      decoded.clear();
      codec::base64Decode(key, decoded);  // validated by the decoder
      key = decoded;
    }
    std::string& out = key_storage_[i];
    uint32_t cache = route::Matcher::kNoCache;
    const auto status = rewriter.rewrite(key, codec::kMaxKeyLength, out, &cache);
    if (status == route::RewriteStatus::kReserved) {
      error_ = "CLIENT_ERROR key starts with the reserved prefix " + std::string(route::kReservedMarker) + "\r\n";
      return false;
    }
    if (status == route::RewriteStatus::kTooLong) {
      error_ = "CLIENT_ERROR key too long: over " + std::to_string(codec::kMaxKeyLength) +
               " bytes once versioned\r\n";
      return false;
    }
    if (status == route::RewriteStatus::kRewritten) {
      rewritten = true;
      const route::CacheVersion& version = rewriter.versions().at(cache);
      key_modes_[i] = version.mode;
      if (first_cache_ == UINT32_MAX) first_cache_ = version.stats_slot;
      one_cache_ = one_cache_ && first_cache_ == version.stats_slot;
      countRequest(request.verb, version.stats_slot);
      if (request.base64_keys) {
        decoded.swap(out);
        out.clear();
        codec::base64Encode(decoded, out);
      }
      wire_keys_[i] = out;
    } else {
      wire_keys_[i] = request.key(i);
    }
  }
  return true;
}

void McClientConn::countRequest(codec::McVerb verb, uint32_t stats_slot) {
  CacheCounters* counters = worker_.cacheCounters(stats_slot);
  if (counters == nullptr) return;
  if (codec::isRetrieval(verb) || verb == codec::McVerb::kMetaGet) counters->reads.add();
  if (codec::hasDataBlock(verb)) counters->writes.add();
}

// Hits per cache, from the reply before its keys are restored: each VALUE line names its
// versioned key, hence its cache; a meta get has one key, whose cache the request noted.
void McClientConn::countHits(const Pending& pending, std::string_view reply, size_t values) {
  if (pending.verb == codec::McVerb::kMetaGet) {
    CacheCounters* counters = worker_.cacheCounters(pending.cache_id);
    const bool hit = reply.starts_with("VA") || reply.starts_with("HD");
    if (counters != nullptr && hit) counters->hits.add();
    return;
  }
  if (!codec::isRetrieval(pending.verb)) return;
  if (pending.one_cache) {
    if (CacheCounters* counters = worker_.cacheCounters(pending.cache_id)) counters->hits.add(values);
    return;
  }
  // Keys of several caches: each VALUE line's versioned key says which.
  const auto& versions = worker_.rewriter().versions();
  codec::forEachValueKey(reply, [&](std::string_view key) {
    const auto parsed = route::parseVersionedKey(key);
    const auto cache = parsed ? versions.find(parsed->cache) : std::nullopt;
    if (CacheCounters* counters = cache ? worker_.cacheCounters(versions.at(*cache).stats_slot) : nullptr) {
      counters->hits.add();
    }
  });
}

}  // namespace vcproxy::net
