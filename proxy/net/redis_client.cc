#include "proxy/net/redis_client.h"

#include <array>

#include "proxy/codec/redis_commands.h"
#include "proxy/codec/resp_encode.h"
#include "proxy/codec/resp_text.h"
#include "proxy/net/listener.h"
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

// State that lives in the connection (a transaction, a blocking wait, a database, a protocol
// version, a subscription) must not leak to other clients: such a client gets its own.
bool needsOwnConnection(const codec::RedisCommand& command) {
  return command.isSpecial(codec::kSpecialConnectionState) || command.hasFlag(codec::kCmdBlocking);
}

}  // namespace

RedisClientConn::RedisClientConn(Listener& listener, bool is_unix)
    : ClientConn(listener.worker(), listener.counters(), is_unix), listener_(listener) {}

void RedisClientConn::processInput() {
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
        handleRequest(request_);
        in.consume(result.consumed);
        break;
    }
  }
}

void RedisClientConn::handleRequest(const codec::RespRequest& request) {
  const std::string_view name = request.args[0];
  if (equalsIgnoreCase(name, "quit")) return answer("+OK\r\n", true);
  if (const auto why = refusal(name); !why.empty()) {
    return answer("-ERR " + std::string(name) + " is not supported through vcproxy: " + std::string(why) + "\r\n");
  }
  const codec::RedisCommand* command =
      codec::findRedisCommand(name, request.args.size() > 1 ? request.args[1] : std::string_view{});
  std::string pattern = "*";
  args_.assign(request.args.begin(), request.args.end());
  if (command != nullptr && !rewriteArgs(request, *command, pattern)) return;
  RedisUpstream* upstream = upstreamFor(command, request);
  if (!upstream->available()) return answer(upstream->errorReply(upstream->lastError()));
  codec::appendRespCommand(args_, upstream->output());
  if (subscribed_) return upstream->flush();  // pub/sub: what comes back is relayed as messages
  auto pending = std::make_shared<Pending>();
  pending->command = command;
  pending->pattern = std::move(pattern);
  pending->client = this;
  expectReply(pending);
  upstream->push(std::move(pending));
  if (upstream == pinned_) return pinned_->flush();  // the worker flushes only the shared connections
  const bool flush = equalsIgnoreCase(name, "flushall") || equalsIgnoreCase(name, "flushdb");
  if (flush && listener_.spec().backend_holds_versions) restoreVersionsAfterFlush(*upstream);
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
  if (codec::findKeyPositions(command, request.args, positions_)) {
    for (const uint32_t position : positions_) {
      std::string& out = storage_.emplace_back();
      uint32_t cache = route::Matcher::kNoCache;
      const auto status = rewriter.rewrite(request.args[position], SIZE_MAX, out, &cache);
      if (status == route::RewriteStatus::kReserved) {
        answer("-ERR key starts with the reserved prefix " + std::string(route::kReservedMarker) + "\r\n");
        return false;
      }
      if (status != route::RewriteStatus::kRewritten) continue;
      if (!applyMode(command, rewriter.versions().at(cache), request.args[position], out)) return false;
      args_[position] = out;
    }
  }
  const bool sort = command.key_proc == codec::RedisKeyProc::kSort || command.key_proc == codec::RedisKeyProc::kSortRo;
  if (sort && codec::findSortPatterns(request.args, positions_)) {
    for (const uint32_t position : positions_) {
      if (request.args[position].find(route::kReservedMarker) == std::string_view::npos) continue;
      answer("-ERR SORT pattern names the reserved prefix " + std::string(route::kReservedMarker) + "\r\n");
      return false;
    }
  }
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
  answer("-ERR cache " + cache.name + " is bypassed (its mode, or versions unavailable): the write is not stored\r\n");
  return false;
}

RedisUpstream* RedisClientConn::upstreamFor(const codec::RedisCommand* command, const codec::RespRequest& request) {
  if (pinned_ == nullptr && command != nullptr && needsOwnConnection(*command)) {
    UpstreamOptions options = listener_.upstreamOptions();
    options.timeout_ms = 0;  // blocking commands and subscriptions wait as long as they need
    Worker& worker = worker_;
    pinned_ = new RedisUpstream(worker.loop(), options, worker.scratch(),
                                [&worker]() -> const route::Rewriter& { return worker.rewriter(); });
    pinned_->pinTo(this);
    pinned_->start();
  }
  if (pinned_ != nullptr && startsSubscription(request.args[0])) {
    subscribed_ = true;
    pinned_->setSubscribed([this] { subscribed_ = false; });
  }
  return pinned_ != nullptr ? pinned_ : static_cast<RedisUpstream*>(listener_.pickUpstream());
}

void RedisClientConn::onClosing() {
  if (pinned_ == nullptr) return;
  pinned_->pinTo(nullptr);
  pinned_->release();  // deletes itself once its handles are closed
  pinned_ = nullptr;
}

}  // namespace vcproxy::net
