// Per-cache counters on the Redis path, as the memcached path keeps them: keys read by the
// GET family and MGET (hits: the reply holds a value for the key), keys written by the SET
// family and MSET. Other commands are served, not counted.
#pragma once

#include <cstddef>
#include <string_view>

#include "proxy/codec/redis_commands.h"

namespace vcproxy::net {

enum class RedisCount : uint8_t { kNone, kRead, kWrite };

// GET GETEX GETDEL MGET read; SET SETEX PSETEX SETNX GETSET MSET MSETNX write.
RedisCount redisCountKind(const codec::RedisCommand& command);

// Calls `hit(context, i)` for every key i of a read command's reply that was found: a bulk
// string (GET family) or a non-null element of MGET's array. Errors and nulls are misses.
bool readRedisHits(std::string_view reply, void (*hit)(void* context, size_t index), void* context);

template <typename Fn>
void forEachRedisHit(std::string_view reply, Fn&& hit) {
  readRedisHits(reply, [](void* context, size_t index) { (*static_cast<Fn*>(context))(index); }, &hit);
}

}  // namespace vcproxy::net
