// `read_from: replica` on a Redis Cluster listener: which commands may be served by a replica, and
// which node of a shard serves one. Pure, so the choice is tested without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace vcproxy::codec {
struct RedisCommand;
}

namespace vcproxy::net {

// A single read-only command (GET, MGET, HGETALL, EVAL_RO...): a replica that has sent READONLY
// answers it. Writes, transactions, TOUCH and commands the table does not know go to the master.
bool readableOnReplica(const codec::RedisCommand* command);

// The next replica in turn (from `turn`, which advances) whose connection takes requests now;
// `master` when the shard has none, or none is usable.
int32_t chooseReadNode(int32_t master, std::span<const int32_t> replicas, size_t& turn,
                       const std::function<bool(int32_t)>& usable);

}  // namespace vcproxy::net
