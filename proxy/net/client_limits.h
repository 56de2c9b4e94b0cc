// What one application connection may hold, per listener (config: listeners[].max_client_*,
// client_*): how many connections, how long idle, how long a request may take to arrive, how
// long its replies may wait unread, and how much it may have in flight before reading pauses.
#pragma once

#include <atomic>
#include <cstdint>

namespace vcproxy::net {

struct ClientLimits {
  uint32_t max_connections = 10000;  // 0 = no limit
  uint32_t idle_timeout_ms = 0;      // 0 = off
  uint32_t request_timeout_ms = 30000;
  uint32_t write_timeout_ms = 30000;
  uint32_t max_pending_replies = 4096;
  uint32_t max_pending_bytes = 4 * 1024 * 1024;

  // The shortest timeout that is on, 0 if none is: how often connections must be checked.
  uint32_t shortestTimeoutMs() const {
    uint32_t shortest = 0;
    for (const uint32_t ms : {idle_timeout_ms, request_timeout_ms, write_timeout_ms}) {
      if (ms != 0 && (shortest == 0 || ms < shortest)) shortest = ms;
    }
    return shortest;
  }
};

// The open connections of one listener, counted across every worker. Each worker accepts on
// its own SO_REUSEPORT socket and the kernel spreads connections by a hash of their addresses,
// not evenly: a fixed share per worker would refuse clients while other workers still had room.
// One shared atomic gives the exact limit; it is touched once per accept and once per close,
// never per request.
class ConnectionSlots {
 public:
  explicit ConnectionSlots(uint32_t limit) : limit_(limit) {}

  // False (and nothing taken) when the limit is reached.
  bool tryAcquire() {
    const uint32_t before = open_.fetch_add(1, std::memory_order_relaxed);
    if (limit_ == 0 || before < limit_) return true;
    open_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  void release() { open_.fetch_sub(1, std::memory_order_relaxed); }
  uint32_t open() const { return open_.load(std::memory_order_relaxed); }

 private:
  const uint32_t limit_;
  std::atomic<uint32_t> open_{0};
};

}  // namespace vcproxy::net
