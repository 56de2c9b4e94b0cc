// One request waiting for its reply, shared by the client's in-order reply queue and the
// upstream connection's FIFO of requests in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/codec/mc_verb.h"
#include "proxy/net/slice.h"

namespace vcproxy::codec {
struct RedisCommand;
}

namespace vcproxy::net {

struct Pending;

// A client connection, as upstream connections see it.
class ReplySink {
 public:
  virtual void onReplyReady(Pending& pending) = 0;
  // A ready reply that answers no request (a pushed message). It goes right before `before`
  // (the slot of the oldest request its upstream has not answered yet: the message reached the
  // wire before that reply), or behind every reply when `before` is null or not this client's.
  virtual void onUnsolicited(std::shared_ptr<Pending> message, const Pending* before) = 0;

 protected:
  ~ReplySink() = default;
};

// Redis: how the keys in the reply to one command are restored (also per command queued in a
// transaction, for the matching element of EXEC's reply).
struct RedisReplyRule {
  const codec::RedisCommand* command = nullptr;  // null: a command the table does not know
  std::string pattern;                           // the client's KEYS / SCAN MATCH pattern
};

struct Pending {
  bool ready = false;
  bool close_after = false;       // quit: close the client once this slot is sent
  bool noreply = false;           // memcached noreply / meta q: hide the nominal reply
  bool keys_rewritten = false;    // keys in the reply must be restored
  uint64_t started_ms = 0;        // loop time when sent, for the request timeout
  uint64_t started_ns = 0;        // for the latency histogram
  std::string reply;              // what the client receives (may be empty: hidden)
  std::vector<Slice> slices;      // large values spliced into `reply`, sent from the backend's buffer
  bool may_slice = false;         // the client sends the reply as it is (no fan-out merges it)
  ReplySink* client = nullptr;    // null once the client has gone away (or for the proxy's own requests)
  std::shared_ptr<void> keep_alive;  // what `client` points to when it is not a client (a fan-out)

  codec::McVerb verb = codec::McVerb::kGet;  // memcached: the request's command
  uint32_t cache_id = UINT32_MAX;            // memcached: stats slot of the first key's cache
  bool one_cache = true;                     // memcached: every versioned key is in that cache
  const codec::RedisCommand* command = nullptr;  // redis: the command (reply keys, KEYS/SCAN filtering)
  std::string pattern;                           // redis: the client's KEYS / SCAN MATCH pattern
  bool exec = false;                             // redis EXEC: `queued` applies to its elements
  bool resets = false;                           // redis RESET: its +RESET ends a subscription
  uint32_t epoch = 0;                            // redis RESET: subscriptions started before it
  std::vector<RedisReplyRule> queued;            // redis EXEC: one rule per queued command
  bool count_hits = false;                       // redis GET family / MGET: count hits per cache
  std::vector<uint32_t> key_slots;               // redis MGET: stats slot of each key (else cache_id)
};

using PendingPtr = std::shared_ptr<Pending>;

}  // namespace vcproxy::net
