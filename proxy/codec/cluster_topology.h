// Which master serves which slots, read from a Redis Cluster node's reply to CLUSTER SHARDS
// (Redis 7) or CLUSTER SLOTS (older servers, and the fallback). RESP2 and RESP3 replies alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::codec {

struct NodeEndpoint {
  std::string host;  // as the cluster announces it
  uint16_t port = 0;
};

struct SlotRange {
  uint16_t first = 0;  // inclusive
  uint16_t last = 0;   // inclusive
  std::string host;    // the master's address as the cluster announces it
  uint16_t port = 0;
  std::vector<NodeEndpoint> replicas;  // the ones that can serve reads now (online, synced)
};

// False (with `ranges` empty and `error` saying why) if `reply` is not one complete reply of
// that shape, or is an error reply. A shard with no master online is left out; of its replicas
// only those CLUSTER SHARDS calls `online` are kept (`loading` ones have no data yet, `fail` ones
// are gone), as CLUSTER SLOTS itself lists them.
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

// A redirect's address with its host filled in: `-MOVED 3999 :6381` (a node that does not know
// its own address sends an empty host) means the host of `answering`, the node that said it.
std::string redirectTarget(std::string_view address, std::string_view answering);

}  // namespace vcproxy::codec
