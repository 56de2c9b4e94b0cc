// Keys in Redis replies: restored to the client's keys, and, where the reply lists keys of the
// whole keyspace (KEYS, SCAN, RANDOMKEY), left out when the client must not see them: keys of a
// cache's old versions (garbage waiting to expire), the version store's own keys, and keys that
// do not match the client's pattern (the backend was asked with a wider one).
// Pure functions over a reply, so they are unit-tested without sockets.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proxy/codec/redis_commands.h"
#include "proxy/net/pending.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::net {

// The key a client sees for `stored`, or nullopt if it must stay hidden: old versions, the
// store's own keys, and raw keys that belong to a cache (the proxy would never reach them).
std::optional<std::string_view> visibleKey(std::string_view stored, const route::Rewriter& snapshot);

// Appends `reply` (one complete reply to `command`) to `out` with its keys restored. `pattern`:
// the client's KEYS / SCAN MATCH pattern ("*" when none). False if the reply is not well formed
// (then `out` holds the reply unchanged).
bool restoreRedisReply(const codec::RedisCommand& command, std::string_view pattern, std::string_view reply,
                       const route::Rewriter& snapshot, std::string& out);

// EXEC's reply: each element restored by the rule of the command queued at its place. A nil
// (aborted) EXEC, an error, or an array of another length is appended unchanged.
void restoreExecReply(std::span<const RedisReplyRule> queued, std::string_view reply, const route::Rewriter& snapshot,
                      std::string& out);

// A client tracking push (`>2 invalidate [keys]`), or a message of the __redis__:invalidate
// channel (tracking with REDIRECT, RESP2 or RESP3): keys restored, keys the client must not see
// (the store's own) left out, and with `prefixes` (broadcast tracking) only keys starting with
// one of them kept. Appends nothing when no key is left (the push is dropped); a null key list
// (everything invalidated) passes unchanged. False if `push` is not an invalidation.
bool restoreInvalidation(std::string_view push, std::span<const std::string> prefixes, std::string& out);

// The pattern the backend is asked with for a client's KEYS / SCAN MATCH pattern: a versioned
// key is a prefix plus the client's key, so `*` + pattern finds both forms; results are then
// filtered by the client's own pattern.
std::string widenedPattern(std::string_view pattern);

}  // namespace vcproxy::net
