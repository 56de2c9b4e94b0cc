#include "proxy/net/mc_client.h"

#include <algorithm>

#include "proxy/codec/base64.h"
#include "proxy/codec/mc_encode.h"
#include "proxy/codec/mc_reply.h"
#include "proxy/net/listener.h"
#include "proxy/net/mc_fanout.h"
#include "proxy/net/mc_modes.h"
#include "proxy/net/worker.h"
#include "proxy/route/key_format.h"

namespace vcproxy::net {
McClientConn::McClientConn(Listener& listener, bool is_unix)
    : ClientConn(listener, is_unix) {}

std::string McClientConn::requestTimeoutReply(uint32_t timeout_ms) const {
  return "CLIENT_ERROR request not completed within " + std::to_string(timeout_ms) + " ms\r\n";
}

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
  if (request.key_count == 0) return forwardKeyless(request, rewritten);
  uint32_t server = pool::kNoServer;
  bool one_server = true;
  for (uint32_t i = 0; i < request.key_count; ++i) {
    if (wire_keys_[i].empty()) continue;  // left out by a cache mode
    if (server == pool::kNoServer) server = key_servers_[i];
    one_server = one_server && key_servers_[i] == server;
  }
  if (one_server) return forwardTo(server, request, rewritten);
  splitByServer(request, rewritten);
}

PendingPtr McClientConn::makePending(const codec::McRequest& request, bool rewritten) {
  auto pending = std::make_shared<Pending>();
  pending->verb = request.verb;
  pending->noreply = request.noreply;
  pending->keys_rewritten = rewritten;
  pending->cache_id = first_cache_;
  pending->one_cache = one_cache_;
  pending->client = this;
  pending->may_slice = true;  // parts of a fan-out are Pendings of their own, merged by copying
  return pending;
}

// A backend that cannot take the request now: the client gets its error at once.
void McClientConn::refuse(const codec::McRequest& request, const std::string& why) {
  error_ = "SERVER_ERROR " + why + "\r\n";
  answer(request.noreply && !codec::isMeta(request.verb) ? std::string_view{} : error_);
}

void McClientConn::forwardTo(uint32_t server, const codec::McRequest& request, bool rewritten) {
  std::string why;
  Upstream* upstream = listener_.upstreamFor(server, why);
  if (upstream == nullptr) return refuse(request, why);
  // A large value goes upstream from the client's buffer, when it is there (not in the worker's
  // scratch buffer, which the next read reuses).
  std::shared_ptr<const char[]> block;
  if (codec::hasDataBlock(request.verb) && request.value.size() >= kMinSliceBytes) block = io_.input().share();
  codec::encodeMcRequest(request, wire_keys_, upstream->output(), block == nullptr);
  if (block != nullptr) upstream->sendSlice({request.value.data(), request.value.size() + 2}, std::move(block));
  PendingPtr pending = makePending(request, rewritten);
  expectReply(pending);
  upstream->push(std::move(pending));
}

void McClientConn::forwardKeyless(const codec::McRequest& request, bool rewritten) {
  const bool everywhere = request.verb == codec::McVerb::kFlushAll || request.verb == codec::McVerb::kVerbosity;
  if (everywhere) return broadcast(request, rewritten);
  forwardTo(listener_.firstUpServer(), request, rewritten);
}

// flush_all and verbosity go to every backend in the pool (but those ejected); with one backend
// this is plain forwarding.
void McClientConn::broadcast(const codec::McRequest& request, bool rewritten) {
  const size_t count = listener_.serverCount();
  std::vector<Upstream*> by_server(count, nullptr);
  PendingPtr slot = makePending(request, rewritten);
  std::string why;
  if (count == 1) {
    by_server[0] = listener_.upstreamFor(0, why);
    if (by_server[0] == nullptr) return refuse(request, why);
    codec::encodeMcRequest(request, wire_keys_, by_server[0]->output());
    expectReply(slot);
    by_server[0]->push(slot);
  } else {
    auto fanout = std::make_shared<McFanout>(slot, McFanout::Merge::kAllOk);
    expectReply(slot);
    for (uint32_t server = 0; server < count; ++server) {
      if (listener_.ejected(server)) continue;
      Upstream* upstream = listener_.upstreamFor(server, why);
      if (upstream == nullptr) {
        fanout->addFailedPart("SERVER_ERROR " + why + "\r\n");
        continue;
      }
      codec::encodeMcRequest(request, wire_keys_, upstream->output());
      upstream->push(McFanout::addPart(fanout, *slot));
      by_server[server] = upstream;
    }
    fanout->start();
  }
  const bool flush_now = request.verb == codec::McVerb::kFlushAll &&
                         (request.tokens.size() == 1 + (request.noreply ? 1 : 0) || request.tokens[1] == "0");
  if (flush_now && listener_.spec().backend_holds_versions) restoreVersionsAfterFlush(by_server);
}

// A multi-key get over several backends: one part per backend with that backend's keys.
void McClientConn::splitByServer(const codec::McRequest& request, bool rewritten) {
  PendingPtr slot = makePending(request, rewritten);
  auto fanout = std::make_shared<McFanout>(slot, McFanout::Merge::kValues);
  std::vector<uint32_t> servers;  // the part's backend, by part number
  for (uint32_t i = 0; i < request.key_count; ++i) {
    uint32_t part = McFanout::kNoPart;
    if (!wire_keys_[i].empty()) {
      const auto found = std::find(servers.begin(), servers.end(), key_servers_[i]);
      part = static_cast<uint32_t>(found - servers.begin());
      if (found == servers.end()) servers.push_back(key_servers_[i]);
    }
    fanout->addKey(request.key(i), part);
  }
  expectReply(slot);
  std::string why;
  for (uint32_t part = 0; part < servers.size(); ++part) {
    Upstream* upstream = listener_.upstreamFor(servers[part], why);
    if (upstream == nullptr) {
      fanout->addFailedPart("SERVER_ERROR " + why + "\r\n");
      continue;
    }
    part_keys_.assign(wire_keys_.begin(), wire_keys_.end());
    for (uint32_t i = 0; i < request.key_count; ++i) {
      if (key_servers_[i] != servers[part]) part_keys_[i] = {};
    }
    codec::encodeMcRequest(request, part_keys_, upstream->output());
    upstream->push(McFanout::addPart(fanout, *slot));
  }
  fanout->start();
}

// Right behind the flush on the same connection, so no version fetch can see the store empty in
// between: `add` the versions in use (never overwriting: an invalidation made meanwhile by
// another sidecar wins), each on the backend where the store keeps it. Caches in bypass (or not
// loaded yet) are left to the next fetch.
void McClientConn::restoreVersionsAfterFlush(const std::vector<Upstream*>& by_server) {
  const route::VersionTable& versions = worker_.rewriter().versions();
  const auto add = [&](const std::string& key, std::string_view value) {
    Upstream* upstream = by_server[listener_.homeOf(key)];
    if (upstream == nullptr) return;  // that backend was not flushed
    upstream->output() += "add " + key + " 0 0 " + std::to_string(value.size()) + "\r\n";
    upstream->output().append(value).append("\r\n");
    auto pending = std::make_shared<Pending>();  // no client: its reply is dropped
    pending->verb = codec::McVerb::kAdd;
    upstream->push(std::move(pending));
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
  key_servers_.resize(request.key_count);
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
      key_servers_[i] = listener_.serverFor(out);  // the key memcached stores, before base64
      if (request.base64_keys) {
        decoded.swap(out);
        out.clear();
        codec::base64Encode(decoded, out);
      }
      wire_keys_[i] = out;
    } else {
      key_servers_[i] = listener_.serverFor(key);
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

}  // namespace vcproxy::net
