// Which servers of a pool take keys now: consecutive failures per server, ejection and
// readmission (twemproxy's server_failure_limit / auto_eject_hosts / server_retry_timeout), and
// the ketama continuum over the servers that are in. Pure: the caller passes the time and the
// connection events, so the rules are unit-tested without sockets.
//
//   - a failure (connect refused or timed out, connection lost, reply timeout) counts one; a
//     reply resets the count;
//   - `failure_limit` consecutive failures make the server *down*;
//   - without auto-eject, a down server keeps its keys; the caller refuses them at once with
//     the last error while no connection to it is up, and lets them through once one is (the
//     first reply then clears the count);
//   - with auto-eject, a down server is out for `retry_timeout_ms`: its keys go to the next
//     servers on the continuum, the others' keys stay where they are; it comes back once that
//     time has passed *and* a background connection to it has succeeded, so keys never move
//     back to a server that is still dead.
#pragma once

#include <cstdint>
#include <vector>

#include "proxy/pool/ketama.h"

namespace vcproxy::pool {

struct EjectPolicy {
  uint32_t failure_limit = 2;
  bool auto_eject = false;
  uint64_t retry_timeout_ms = 30000;
};

class PoolState {
 public:
  PoolState(std::vector<PoolMember> members, EjectPolicy policy);

  // The server of an (already rewritten) key; kNoServer when every server is ejected.
  uint32_t serverFor(std::string_view key, uint64_t now_ms);
  // Where a key lives when every server is in (where libmemcached clients of the pool look).
  uint32_t homeOf(std::string_view key) const { return single_ ? 0 : continuum_.serverFor(key); }
  size_t size() const { return members_.size(); }
  const PoolMember& member(uint32_t server) const { return members_[server]; }

  void onFailure(uint32_t server, uint64_t now_ms);
  void onConnected(uint32_t server, uint64_t now_ms);
  void onReply(uint32_t server);

  // Down: `failure_limit` consecutive failures and no reply since.
  bool down(uint32_t server) const { return health_[server].failures >= policy_.failure_limit; }
  bool ejected(uint32_t server) const { return health_[server].ejected; }
  uint64_t ejections() const { return ejections_; }
  // Changes whenever a server is ejected or readmitted.
  uint64_t generation() const { return generation_; }

 private:
  struct Health {
    uint32_t failures = 0;
    bool connected = false;
    bool ejected = false;
    uint64_t retry_at_ms = 0;
  };
  void readmitDue(uint64_t now_ms);
  void changed();

  std::vector<PoolMember> members_;
  EjectPolicy policy_;
  std::vector<Health> health_;
  Continuum continuum_;        // every server, as libmemcached builds it
  std::vector<bool> live_;      // not ejected
  size_t ejected_count_ = 0;
  uint64_t next_retry_ms_ = UINT64_MAX;  // earliest retry_at of an ejected server
  uint64_t ejections_ = 0;
  uint64_t generation_ = 0;
  bool single_ = false;  // one server and no ejection: no hashing needed
};

}  // namespace vcproxy::pool
