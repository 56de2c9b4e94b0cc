#include "proxy/net/redis_client.h"

#include <array>

#include "proxy/codec/redis_commands.h"
#include "proxy/codec/resp_encode.h"
#include "proxy/codec/resp_text.h"
#include "proxy/net/listener.h"
#include "proxy/net/redis_auth.h"
#include "proxy/net/redis_cluster.h"
#include "proxy/net/redis_key_patterns.h"
#include "proxy/net/redis_metrics.h"
#include "proxy/net/redis_reply_keys.h"
#include "proxy/net/redis_upstream.h"
#include "proxy/net/worker.h"
#include "proxy/route/key_format.h"

namespace vcproxy::net {
namespace {

using codec::equalsIgnoreCase;

// Commands that cannot be made safe through a key-versioning proxy, and why.
std::string_view refusal(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kRefused{{
      {"monitor", "MONITOR would show every client's commands with their versioned keys"},
      {"debug", "DEBUG can stall or crash the backend every client shares"},
      {"sync", "replication is not proxied"},
      {"psync", "replication is not proxied"},
      {"replconf", "replication is not proxied"},
  }};
  for (const auto& [command, why] : kRefused) {
    if (equalsIgnoreCase(name, command)) return why;
  }
  return {};
}

bool startsSubscription(std::string_view name) {
  return equalsIgnoreCase(name, "subscribe") || equalsIgnoreCase(name, "psubscribe") ||
         equalsIgnoreCase(name, "ssubscribe");
}

bool isSubscription(std::string_view name) {
  return startsSubscription(name) || equalsIgnoreCase(name, "unsubscribe") ||
         equalsIgnoreCase(name, "punsubscribe") || equalsIgnoreCase(name, "sunsubscribe");
}

// State that lives in the connection (a transaction, a blocking wait, a database, a protocol
// version, a subscription) must not leak to other clients: such a client gets its own.
bool needsOwnConnection(const codec::RedisCommand& command) {
  return command.isSpecial(codec::kSpecialConnectionState) || command.hasFlag(codec::kCmdBlocking);
}

}  // namespace

RedisClientConn::RedisClientConn(Listener& listener, bool is_unix)
    : ClientConn(listener, is_unix), authenticated_(listener.spec().client_password.empty()) {}

std::string RedisClientConn::requestTimeoutReply(uint32_t timeout_ms) const {
  return "-ERR request not completed within " + std::to_string(timeout_ms) + " ms\r\n";
}

void RedisClientConn::processInput() {
  decodeRequests();
  // The worker flushes only the shared connections: a pinned one sends what this read asked for
  // in one write.
  if (pinned_ != nullptr) pinned_->flush();
}

void RedisClientConn::decodeRequests() {
  IoBuffer& in = io_.input();
  while (!closed() && !in.empty()) {
    if (pauseIfOverloaded()) break;
    const auto result = decoder_.decode(in.readable(), request_);
    switch (result.status) {
      case codec::RespDecodeStatus::kNeedMore:
        return;
      case codec::RespDecodeStatus::kError:  // Redis answers, then closes the connection
        answer(result.reply, true);
        io_.stopReading();
        in.consume(in.size());
        return;
      case codec::RespDecodeStatus::kEmpty:
        in.consume(result.consumed);
        break;
      case codec::RespDecodeStatus::kRequest:
        if (const codec::RespRequest* admitted = admit(request_)) handleRequest(*admitted);
        in.consume(result.consumed);
        break;
    }
  }
}

const codec::RespRequest* RedisClientConn::admit(const codec::RespRequest& request) {
  const std::string& password = listener_.spec().client_password;
  if (password.empty()) return &request;
  const std::string_view name = request.args[0];
  if (equalsIgnoreCase(name, "auth")) {  // the backend knows nothing of this password
    bool ok = false;
    answer(authReply(request.args, password, ok));
    authenticated_ = authenticated_ || ok;
    return nullptr;
  }
  if (equalsIgnoreCase(name, "hello")) return admitHello(request, password);
  if (authenticated_ || equalsIgnoreCase(name, "quit")) return &request;
  answer(kNoAuthReply);
  return nullptr;
}

// HELLO ... AUTH user pass: checked here, forwarded without its AUTH part (the backend has its
// own credentials, if any: backend_auth).
const codec::RespRequest* RedisClientConn::admitHello(const codec::RespRequest& request, std::string_view password) {
  const size_t at = helloAuthAt(request.args);
  if (at == 0) {
    if (authenticated_) return &request;
    answer(kHelloNoAuthReply);
    return nullptr;
  }
  const std::string_view auth[] = {"AUTH", request.args[at + 1], request.args[at + 2]};
  bool ok = false;
  const std::string_view reply = authReply(auth, password, ok);
  if (!ok) {
    answer(reply);
    return nullptr;
  }
  authenticated_ = true;
  const auto args = request.args.begin();
  hello_.args.assign(args, args + static_cast<std::ptrdiff_t>(at));
  hello_.args.insert(hello_.args.end(), args + static_cast<std::ptrdiff_t>(at + 3), request.args.end());
  return &hello_;
}

void RedisClientConn::handleRequest(const codec::RespRequest& request) {
  const std::string_view name = request.args[0];
  if (equalsIgnoreCase(name, "quit")) return answer("+OK\r\n", true);
  if (const auto why = refusal(name); !why.empty()) {
    return refuse("-ERR " + std::string(name) + " is not supported through vcproxy: " + std::string(why) + "\r\n");
  }
  const codec::RedisCommand* command =
      codec::findRedisCommand(name, request.args.size() > 1 ? request.args[1] : std::string_view{});
  std::string pattern = "*";
  args_.assign(request.args.begin(), request.args.end());
  if (command != nullptr && !rewriteArgs(request, *command, pattern)) return;
  if (RedisCluster* cluster = listener_.cluster()) return sendToCluster(*cluster, request, command, std::move(pattern));
  RedisUpstream* upstream = upstreamFor(command, request);
  if (!upstream->available()) return refuse(upstream->errorReply(upstream->lastError()));
  const bool exec = in_multi_ && equalsIgnoreCase(name, "exec");
  if (exec && multi_dirty_) return abortExec(*upstream);
  codec::appendRespCommand(args_, upstream->output());
  auto pending = std::make_shared<Pending>();
  pending->command = command;
  pending->pattern = std::move(pattern);
  pending->client = this;
  noteCounting(*pending);
  noteConnectionState(name, request, *pending);
  const bool flush = equalsIgnoreCase(name, "flushall") || equalsIgnoreCase(name, "flushdb");
  // RESP2 subscribed: what comes back is relayed as messages. RESP3: (un)subscribing is
  // answered by pushes only, which are relayed in order as they come.
  if (subscribed_ || (resp3_ && isSubscription(name))) return;  // pinned: flushed after this read
  expectReply(pending);
  upstream->push(std::move(pending));
  if (listener_.spec().backend_holds_versions) {
    if (flush && in_multi_) flush_in_multi_ = true;
    else if (flush || (exec && flush_in_multi_)) restoreVersionsAfterFlush(*upstream);
    if (exec) flush_in_multi_ = false;
  }
}

void RedisClientConn::refuse(std::string_view reply) {
  if (in_multi_) multi_dirty_ = true;
  if (cluster_multi_) cluster_multi_->dirty = true;
  answer(reply);
}

void RedisClientConn::abortExec(RedisUpstream& upstream) {
  const std::string_view discard[] = {"DISCARD"};
  codec::appendRespCommand(discard, upstream.output());
  upstream.push(std::make_shared<Pending>());  // no client: its reply is dropped
  upstream.flush();
  in_multi_ = multi_dirty_ = flush_in_multi_ = false;
  queued_.clear();
  answer("-EXECABORT Transaction discarded because of previous errors.\r\n");
}

void RedisClientConn::noteConnectionState(std::string_view name, const codec::RespRequest& request,
                                          Pending& pending) {
  if (equalsIgnoreCase(name, "hello") && request.args.size() > 1) {
    if (request.args[1] == "3") resp3_ = true;
    else if (request.args[1] == "2") resp3_ = false;
  } else if (equalsIgnoreCase(name, "reset")) {
    // Replies to what follows have slots again; the upstream relays what RESET's +RESET follows.
    resp3_ = subscribed_ = false;
    pending.resets = true;
    tracking_ = false;
    if (pinned_ != nullptr) pending.epoch = pinned_->subscriptions();
    tracking_filter_.clear();
  }
  trackTransaction(name, pending);
}

// Redis queues every command between MULTI and EXEC except these, which run at once; EXEC's reply
// then has one element per queued command, whose keys are restored by that command's rule.
void RedisClientConn::trackTransaction(std::string_view name, Pending& pending) {
  if (equalsIgnoreCase(name, "multi")) {
    if (!in_multi_) queued_.clear();  // a nested MULTI is refused and changes nothing
    in_multi_ = true;
    return;
  }
  if (!in_multi_) return;
  const bool exec = equalsIgnoreCase(name, "exec");
  if (exec || equalsIgnoreCase(name, "discard") || equalsIgnoreCase(name, "reset")) {
    if (exec) pending.queued = std::move(queued_);
    pending.exec = exec;
    queued_.clear();
    in_multi_ = multi_dirty_ = false;
    if (!exec) flush_in_multi_ = false;
    return;
  }
  if (equalsIgnoreCase(name, "watch")) return;  // refused inside MULTI, not queued
  queued_.push_back({pending.command, pending.pattern});
}

// Right behind the flush on the same connection (database 0, where the store lives): HSETNX the
// versions in use, so flushing data does not also mint new versions; an invalidation made
// meanwhile by another sidecar wins. Caches in bypass (or not loaded yet) wait for the next fetch.
void RedisClientConn::restoreVersionsAfterFlush(Upstream& upstream) {
  const route::VersionTable& versions = worker_.rewriter().versions();
  const std::string versions_key = route::versionsHashKey(versions.namespaceName());
  const std::string modes_key = route::modesHashKey(versions.namespaceName());
  const auto hsetnx = [&upstream](const std::string& key, std::string_view field, std::string_view value) {
    const std::string_view args[] = {"HSETNX", key, field, value};
    codec::appendRespCommand(args, upstream.output());
    upstream.push(std::make_shared<Pending>());  // no client: its reply is dropped
  };
  for (const auto& cache : versions.caches()) {
    if (cache.mode == route::CacheMode::kBypass) continue;
    hsetnx(versions_key, cache.name, cache.version);
    if (cache.mode != route::CacheMode::kNormal) hsetnx(modes_key, cache.name, route::modeName(cache.mode));
  }
}

// Versions the keys at the positions the command table gives; KEYS and SCAN MATCH patterns are
// widened so that versioned keys match too (their replies are filtered by the client's pattern).
bool RedisClientConn::rewriteArgs(const codec::RespRequest& request, const codec::RedisCommand& command,
                                  std::string& pattern) {
  const route::Rewriter& rewriter = worker_.rewriter();
  storage_.clear();
  storage_.reserve(request.args.size());  // views into storage_ must stay valid
  key_slots_.clear();
  count_reads_ = false;
  if (codec::findKeyPositions(command, request.args, positions_)) {
    for (const uint32_t position : positions_) {
      std::string& out = storage_.emplace_back();
      uint32_t cache = route::Matcher::kNoCache;
      const auto status = rewriter.rewrite(request.args[position], SIZE_MAX, out, &cache);
      if (status == route::RewriteStatus::kReserved) {
        refuse("-ERR key starts with the reserved prefix " + std::string(route::kReservedMarker) + "\r\n");
        return false;
      }
      countKeys(command, status == route::RewriteStatus::kRewritten ? &rewriter.versions().at(cache) : nullptr);
      if (status != route::RewriteStatus::kRewritten) continue;
      if (!applyMode(command, rewriter.versions().at(cache), request.args[position], out)) return false;
      args_[position] = out;
    }
  }
  if (!rewritePatterns(request, command)) return false;
  if (command.reply_keys == codec::RedisReplyKeys::kEachElement && equalsIgnoreCase(command.name, "keys") &&
      request.args.size() == 2) {
    pattern = request.args[1];
    args_[1] = storage_.emplace_back(widenedPattern(pattern));
  } else if (command.reply_keys == codec::RedisReplyKeys::kScan) {
    for (size_t i = 2; i + 1 < request.args.size(); ++i) {
      if (!equalsIgnoreCase(request.args[i], "match")) continue;
      pattern = request.args[i + 1];
      args_[i + 1] = storage_.emplace_back(widenedPattern(pattern));
    }
  }
  return true;
}

// SORT BY/GET patterns and CLIENT TRACKING prefixes name keys too (redis_key_patterns.h).
bool RedisClientConn::rewritePatterns(const codec::RespRequest& request, const codec::RedisCommand& command) {
  if (command.isSpecial(codec::kSpecialKeyPrefix)) return rewriteTracking(request);
  const bool sort = command.key_proc == codec::RedisKeyProc::kSort || command.key_proc == codec::RedisKeyProc::kSortRo;
  if (!sort || !codec::findSortPatterns(request.args, positions_)) return true;
  for (const uint32_t position : positions_) {
    const std::string_view arg = request.args[position];
    if (arg.find(route::kReservedMarker) != std::string_view::npos) {
      refuse("-ERR SORT pattern names the reserved prefix " + std::string(route::kReservedMarker) + "\r\n");
      return false;
    }
    std::string& out = storage_.emplace_back();
    if (const std::string error = rewriteSortPattern(arg, worker_.rewriter(), out); !error.empty()) {
      refuse(error);
      return false;
    }
    args_[position] = out;
  }
  return true;
}

// CLIENT TRACKING ON ... PREFIX p...: the prefixes are replaced by what covers the client's keys
// in the backend, and the client's own prefixes filter the invalidations it gets.
bool RedisClientConn::rewriteTracking(const codec::RespRequest& request) {
  const auto& args = request.args;
  tracking_filter_.clear();
  if (args.size() >= 3) tracking_ = equalsIgnoreCase(args[2], "on");
  if (!tracking_) return true;
  std::vector<std::string_view> options, prefixes;
  for (size_t i = 3; i < args.size(); ++i) {
    const bool valued = equalsIgnoreCase(args[i], "prefix") || equalsIgnoreCase(args[i], "redirect");
    if (valued && i + 1 < args.size() && equalsIgnoreCase(args[i], "prefix")) {
      prefixes.push_back(args[++i]);
      continue;
    }
    options.push_back(args[i]);
    if (valued && i + 1 < args.size()) options.push_back(args[++i]);
  }
  if (prefixes.empty()) return true;
  if (const std::string error = trackingPrefixes(prefixes, worker_.rewriter(), tracking_storage_); !error.empty()) {
    refuse(error);
    return false;
  }
  tracking_filter_.assign(prefixes.begin(), prefixes.end());
  args_.assign(args.begin(), args.begin() + 3);
  args_.insert(args_.end(), options.begin(), options.end());
  for (const std::string& prefix : tracking_storage_) {
    args_.push_back("PREFIX");
    args_.push_back(prefix);
  }
  return true;
}

// Reads and writes per cache at request time; the hits when the reply comes (countHits). Reads
// inside MULTI are not counted: their values come back inside EXEC's reply.
void RedisClientConn::countKeys(const codec::RedisCommand& command, const route::CacheVersion* cache) {
  const RedisCount kind = redisCountKind(command);
  if (kind == RedisCount::kNone || (kind == RedisCount::kRead && in_multi_)) return;
  count_reads_ = kind == RedisCount::kRead;
  const uint32_t slot = cache != nullptr ? cache->stats_slot : route::Matcher::kNoCache;
  if (count_reads_) key_slots_.push_back(slot);
  CacheCounters* counters = worker_.cacheCounters(slot);
  if (counters == nullptr) return;
  if (kind == RedisCount::kRead) counters->reads.add();
  else counters->writes.add();
}

void RedisClientConn::noteCounting(Pending& pending) const {
  if (!count_reads_) return;
  pending.count_hits = true;
  if (key_slots_.size() == 1) pending.cache_id = key_slots_[0];
  else pending.key_slots = key_slots_;
}

void RedisClientConn::countHits(const Pending& pending, std::string_view reply) {
  forEachRedisHit(reply, [&](size_t i) {
    const bool one = pending.key_slots.empty();
    const uint32_t slot = one ? (i == 0 ? pending.cache_id : route::Matcher::kNoCache)
                              : (i < pending.key_slots.size() ? pending.key_slots[i] : route::Matcher::kNoCache);
    if (CacheCounters* counters = worker_.cacheCounters(slot)) counters->hits.add();
  });
}

// A cache in bypass or write-only mode (or every cache, before versions are loaded and while the
// store is unreachable for too long) must never serve its keys: a command that only reads gets a
// key that cannot exist, so every read command misses in its own way; a command that may write
// is stored for write-only, and refused for bypass (nothing is written under a version nobody owns).
bool RedisClientConn::applyMode(const codec::RedisCommand& command, const route::CacheVersion& cache,
                                std::string_view key, std::string& versioned) {
  if (cache.mode == route::CacheMode::kNormal) return true;
  if (command.hasFlag(codec::kCmdReadonly)) {
    versioned = route::absentKey(worker_.rewriter().versions().namespaceName(), key);
    return true;
  }
  if (cache.mode == route::CacheMode::kWriteOnly) return true;
  refuse("-ERR cache " + cache.name + " is bypassed (its mode, or versions unavailable): the write is not stored\r\n");
  return false;
}

RedisUpstream* RedisClientConn::upstreamFor(const codec::RedisCommand* command, const codec::RespRequest& request) {
  if (pinned_ == nullptr && command != nullptr && needsOwnConnection(*command)) {
    UpstreamOptions options = listener_.upstreamOptions();
    options.timeout_ms = 0;  // blocking commands and subscriptions wait as long as they need
    Worker& worker = worker_;
    pinned_ = new RedisUpstream(
        worker.loop(), options, worker.scratch(), [&worker]() -> const route::Rewriter& { return worker.rewriter(); },
        RedisUpstream::Credentials{listener_.spec().backend_username, listener_.spec().backend_password});
    pinned_->pinTo(this);
    pinned_->start();
  }
  if (pinned_ != nullptr && command != nullptr && command->isSpecial(codec::kSpecialKeyPrefix)) {
    pinned_->setTrackingPrefixes(tracking_filter_);
  }
  if (pinned_ != nullptr && !resp3_ && startsSubscription(request.args[0])) {
    subscribed_ = true;
    pinned_->setSubscribed([this] { subscribed_ = false; });
  }
  return pinned_ != nullptr ? pinned_ : static_cast<RedisUpstream*>(listener_.pickUpstream());
}

void RedisClientConn::onVersionsChanged() {
  if (!tracking_ || !resp3_ || closed()) return;
  auto push = std::make_shared<Pending>();
  push->reply = ">2\r\n$10\r\ninvalidate\r\n_\r\n";  // a null list: every key, as after FLUSHALL
  onUnsolicited(std::move(push), nullptr);
}

void RedisClientConn::onClosing() {
  if (pinned_ == nullptr) return;
  pinned_->pinTo(nullptr);
  pinned_->release();  // deletes itself once its handles are closed
  pinned_ = nullptr;
}

}  // namespace vcproxy::net
