#include "proxy/net/cluster_reads.h"

#include "proxy/codec/redis_commands.h"

namespace vcproxy::net {

bool readableOnReplica(const codec::RedisCommand* command) {
  // TOUCH is flagged readonly but exists to update the key's access time: the master's counts.
  return command != nullptr && command->hasFlag(codec::kCmdReadonly) && !command->hasFlag(codec::kCmdWrite) &&
         command->name != "touch";
}

int32_t chooseReadNode(int32_t master, std::span<const int32_t> replicas, size_t& turn,
                       const std::function<bool(int32_t)>& usable) {
  for (size_t tries = 0; tries < replicas.size(); ++tries) {
    const int32_t replica = replicas[turn++ % replicas.size()];
    if (usable(replica)) return replica;
  }
  return master;
}

}  // namespace vcproxy::net
