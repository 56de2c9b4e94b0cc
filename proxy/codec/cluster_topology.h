// Which master serves which slots, read from a Redis Cluster node's reply to CLUSTER SHARDS
// (Redis 7) or CLUSTER SLOTS (older servers, and the fallback). RESP2 and RESP3 replies alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::codec {

struct SlotRange {
  uint16_t first = 0;  // inclusive
  uint16_t last = 0;   // inclusive
  std::string host;    // the master's address as the cluster announces it
  uint16_t port = 0;
};

// False (with `ranges` empty and `error` saying why) if `reply` is not one complete reply of
// that shape, or is an error reply. Replicas are left out; a shard with no master online too.
bool parseClusterShards(std::string_view reply, std::vector<SlotRange>& ranges, std::string& error);
bool parseClusterSlots(std::string_view reply, std::vector<SlotRange>& ranges, std::string& error);

// `-MOVED <slot> <host:port>` (the slot lives there now) and `-ASK <slot> <host:port>` (this one
// key is being migrated there: ask once, behind ASKING).
struct Redirect {
  bool ask = false;
  uint16_t slot = 0;
  std::string_view address;  // into the reply
};
std::optional<Redirect> parseRedirect(std::string_view reply);

}  // namespace vcproxy::codec
