#include "proxy/net/redis_reply_keys.h"

#include <algorithm>
#include <array>
#include <vector>

#include "proxy/codec/redis_glob.h"
#include "proxy/codec/resp_encode.h"
#include "proxy/codec/resp_reply.h"
#include "proxy/route/key_format.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::net {
namespace {

// The bulk strings of a flat array reply (KEYS), or of the array at `inner` (SCAN's element 1).
bool readKeyArray(std::string_view reply, size_t& pos, std::vector<std::string_view>& keys) {
  codec::RespItem item;
  size_t needed = 0;
  if (codec::readRespItem(reply, pos, item, needed) != codec::RespReplyStatus::kComplete) return false;
  if (item.type != codec::RespType::kArray && item.type != codec::RespType::kSet) return false;
  pos += item.size;
  for (int64_t i = 0; i < item.count; ++i) {
    codec::RespItem element;
    if (codec::readRespItem(reply, pos, element, needed) != codec::RespReplyStatus::kComplete) return false;
    if (element.type != codec::RespType::kBulkString) return false;
    keys.push_back(element.data);
    pos += element.size;
  }
  return true;
}

void appendVisibleKeys(const std::vector<std::string_view>& keys, std::string_view pattern,
                       const route::Rewriter& snapshot, std::string& out) {
  std::vector<std::string_view> visible;
  for (const auto key : keys) {
    const auto shown = visibleKey(key, snapshot);
    if (shown && codec::redisGlobMatch(pattern, *shown)) visible.push_back(*shown);
  }
  out += "*" + std::to_string(visible.size()) + "\r\n";
  for (const auto key : visible) codec::appendRespBulkString(key, out);
}

bool restoreKeyList(const codec::RedisCommand& command, std::string_view pattern, std::string_view reply,
                    const route::Rewriter& snapshot, std::string& out) {
  std::vector<std::string_view> keys;
  size_t pos = 0;
  if (command.reply_keys == codec::RedisReplyKeys::kScan) {
    codec::RespItem outer, cursor;
    size_t needed = 0;
    if (codec::readRespItem(reply, pos, outer, needed) != codec::RespReplyStatus::kComplete || outer.count != 2) return false;
    pos += outer.size;
    if (codec::readRespItem(reply, pos, cursor, needed) != codec::RespReplyStatus::kComplete) return false;
    pos += cursor.size;
    if (!readKeyArray(reply, pos, keys)) return false;
    out += "*2\r\n";
    out.append(reply.substr(outer.size, cursor.size));
  } else if (!readKeyArray(reply, pos, keys)) {
    return false;
  }
  appendVisibleKeys(keys, pattern, snapshot, out);
  return true;
}

}  // namespace

std::optional<std::string_view> visibleKey(std::string_view stored, const route::Rewriter& snapshot) {
  const route::VersionTable& versions = snapshot.versions();
  if (!route::hasReservedMarker(stored)) {
    if (snapshot.matcher().match(stored) != route::Matcher::kNoCache) return std::nullopt;
    return stored;
  }
  const auto parsed = route::parseVersionedKey(stored);
  if (!parsed || parsed->ns != versions.namespaceName()) return std::nullopt;  // the store's keys
  const auto id = versions.find(parsed->cache);
  if (!id || versions.at(*id).version != parsed->version) return std::nullopt;  // an old version
  return parsed->key;
}

std::string widenedPattern(std::string_view pattern) { return "*" + std::string(pattern); }

bool restoreRedisReply(const codec::RedisCommand& command, std::string_view pattern, std::string_view reply,
                       const route::Rewriter& snapshot, std::string& out) {
  using codec::RedisReplyKeys;
  const size_t start = out.size();
  bool ok = true;
  if (codec::isRespError(reply) || command.reply_keys == RedisReplyKeys::kNone) {
    out.append(reply);
  } else if (command.reply_keys == RedisReplyKeys::kScan ||
             (command.reply_keys == RedisReplyKeys::kEachElement && command.isSpecial(codec::kSpecialWholeKeyspace))) {
    // Keys of the whole keyspace (KEYS, SCAN, CLUSTER GETKEYSINSLOT) are filtered too; COMMAND
    // GETKEYS only lists the client's own arguments.
    ok = restoreKeyList(command, pattern, reply, snapshot, out);
  } else if (command.reply_keys == RedisReplyKeys::kWhole && reply.starts_with("$") && !reply.starts_with("$-1")) {
    const auto shown = visibleKey(reply.substr(reply.find('\n') + 1, reply.size() - reply.find('\n') - 3), snapshot);
    if (shown) codec::appendRespBulkString(*shown, out);
    else out.append("$-1\r\n");  // RANDOMKEY drew a key the client must not see: as if none
  } else {
    const auto restore = [&](codec::RespPath path, std::string_view value) -> std::optional<std::string_view> {
      if (!codec::isReplyKeyPath(command.reply_keys, path)) return std::nullopt;
      return route::Rewriter::restore(value);
    };
    std::string rewritten;
    ok = codec::rewriteBulkStrings(reply, restore, rewritten).ok;
    out.append(rewritten.empty() ? reply : std::string_view(rewritten));
  }
  if (!ok) {
    out.resize(start);
    out.append(reply);
  }
  return ok;
}

void restoreExecReply(std::span<const RedisReplyRule> queued, std::string_view reply, const route::Rewriter& snapshot,
                      std::string& out) {
  codec::RespItem outer;
  size_t needed = 0;
  const bool array = codec::readRespItem(reply, 0, outer, needed) == codec::RespReplyStatus::kComplete &&
                     outer.type == codec::RespType::kArray;
  if (!array || outer.count != static_cast<int64_t>(queued.size())) {
    out.append(reply);
    return;
  }
  const size_t start = out.size();
  out.append(reply.substr(0, outer.size));
  size_t pos = outer.size;
  for (const RedisReplyRule& rule : queued) {
    const auto frame = codec::frameRespReply(reply.substr(pos));
    if (frame.status != codec::RespReplyStatus::kComplete) {
      out.resize(start);
      out.append(reply);
      return;
    }
    const std::string_view element = reply.substr(pos, frame.size);
    if (rule.command == nullptr) out.append(element);
    else restoreRedisReply(*rule.command, rule.pattern, element, snapshot, out);
    pos += frame.size;
  }
}

namespace {

// The frame heads before the key list of an invalidation: the RESP3 tracking push, and the
// message of the __redis__:invalidate channel a REDIRECT target subscribes to (RESP2 and RESP3).
constexpr std::array<std::string_view, 3> kInvalidationHeads = {
    ">2\r\n$10\r\ninvalidate\r\n",
    "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n",
    ">3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n",
};

}  // namespace

bool restoreInvalidation(std::string_view push, std::span<const std::string> prefixes, std::string& out) {
  const auto head = std::find_if(kInvalidationHeads.begin(), kInvalidationHeads.end(),
                                 [push](std::string_view h) { return push.starts_with(h); });
  if (head == kInvalidationHeads.end()) return false;
  const std::string_view head_bytes = *head;
  size_t pos = head_bytes.size();
  if (push.substr(pos).starts_with("*-1\r\n")) return false;  // RESP2's null list: everything
  std::vector<std::string_view> keys;
  if (!readKeyArray(push, pos, keys)) return false;  // RESP3's null list: everything, passed as is
  std::vector<std::string_view> kept;
  for (const auto stored : keys) {
    if (route::hasReservedMarker(stored) && !route::parseVersionedKey(stored)) continue;  // the store's
    const std::string_view key = route::Rewriter::restore(stored);
    const bool wanted = prefixes.empty() || std::any_of(prefixes.begin(), prefixes.end(),
                                                        [key](const std::string& p) { return key.starts_with(p); });
    if (wanted) kept.push_back(key);
  }
  if (kept.empty()) return true;
  out.append(head_bytes);
  out += "*" + std::to_string(kept.size()) + "\r\n";
  for (const auto key : kept) codec::appendRespBulkString(key, out);
  return true;
}

}  // namespace vcproxy::net
