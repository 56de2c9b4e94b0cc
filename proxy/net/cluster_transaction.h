// MULTI ... EXEC of a client of a Redis Cluster listener. The commands are queued in the proxy
// (answered +QUEUED) and sent at EXEC as one batch — MULTI, the commands, EXEC — to the master of
// their slot over a shared connection: written in one piece, the batch cannot interleave with
// other clients' commands, so no connection is pinned. Keys in several slots get CROSSSLOT while
// queueing and EXEC then aborts, as Redis Cluster does.
#pragma once

#include <cstdint>
#include <string>

namespace vcproxy::net {

struct ClusterTransaction {
  static constexpr int32_t kNoSlot = -1;
  std::string bytes = "*1\r\n$5\r\nMULTI\r\n";  // MULTI, then each queued command, encoded
  uint32_t commands = 0;
  int32_t slot = kNoSlot;  // the slot every keyed command so far hashes to
  bool dirty = false;      // a command was refused while queueing: EXEC aborts
};

}  // namespace vcproxy::net
