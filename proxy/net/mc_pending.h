// One memcached request waiting for its reply, shared by the client's in-order reply queue and
// the upstream connection's FIFO of requests in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "proxy/codec/mc_verb.h"

namespace vcproxy::net {

class McClientConn;

struct McPending {
  codec::McVerb verb = codec::McVerb::kGet;
  bool noreply = false;       // text noreply / meta q: hide the nominal reply
  bool base64_keys = false;   // meta b
  bool keys_rewritten = false;
  bool ready = false;
  bool close_after = false;   // quit: close the client once this slot is sent
  uint32_t cache_id = UINT32_MAX;  // stats slot of the first key's cache, for hit counting (UINT32_MAX: none)
  uint64_t started_ms = 0;    // loop time when sent, for the request timeout
  uint64_t started_ns = 0;    // for the latency histogram
  std::string reply;          // what the client receives (may be empty: hidden)
  McClientConn* client = nullptr;  // null once the client has gone away
};

using McPendingPtr = std::shared_ptr<McPending>;

}  // namespace vcproxy::net
