#include "proxy/net/redis_metrics.h"

#include <array>

#include "proxy/codec/resp_reply.h"

namespace vcproxy::net {

RedisCount redisCountKind(const codec::RedisCommand& command) {
  static constexpr std::array<std::string_view, 4> kReads = {"get", "getex", "getdel", "mget"};
  static constexpr std::array<std::string_view, 7> kWrites = {"set",    "setex", "psetex", "setnx",
                                                              "getset", "mset",  "msetnx"};
  if (!command.parent.empty()) return RedisCount::kNone;
  for (const auto name : kReads) {
    if (command.name == name) return RedisCount::kRead;
  }
  for (const auto name : kWrites) {
    if (command.name == name) return RedisCount::kWrite;
  }
  return RedisCount::kNone;
}

namespace {

bool isValue(const codec::RespItem& item) {
  return (item.type == codec::RespType::kBulkString || item.type == codec::RespType::kVerbatim) && item.count != -1;
}

}  // namespace

bool readRedisHits(std::string_view reply, void (*hit)(void* context, size_t index), void* context) {
  codec::RespItem item;
  size_t needed = 0;
  if (codec::readRespItem(reply, 0, item, needed) != codec::RespReplyStatus::kComplete) return false;
  if (item.type != codec::RespType::kArray) {
    if (isValue(item)) hit(context, 0);
    return true;
  }
  size_t pos = item.size;
  for (int64_t i = 0; i < item.count; ++i) {
    codec::RespItem element;
    if (codec::readRespItem(reply, pos, element, needed) != codec::RespReplyStatus::kComplete) return false;
    if (isValue(element)) hit(context, static_cast<size_t>(i));
    if (element.type == codec::RespType::kArray || element.type == codec::RespType::kMap) return false;  // not MGET's
    pos += element.size;
  }
  return true;
}

}  // namespace vcproxy::net
