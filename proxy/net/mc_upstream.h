// One connection to a memcached backend, shared by many clients: requests are pipelined and
// their replies matched in FIFO order. On any failure every request in flight gets a
// SERVER_ERROR, the connection is dropped and re-established with backoff.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <string>

#include "proxy/net/address.h"
#include "proxy/net/mc_pending.h"
#include "proxy/net/metrics.h"
#include "proxy/net/stream_io.h"

namespace vcproxy::net {

struct UpstreamOptions {
  Address address;
  uint32_t timeout_ms = 1000;          // a reply slower than this fails the connection
  uint32_t connect_timeout_ms = 1000;
  uint32_t backoff_min_ms = 50;        // first retry delay after a failure, doubled up to max
  uint32_t backoff_max_ms = 500;       // bounds how long service takes to resume after recovery
};

class McUpstream {
 public:
  McUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch);
  McUpstream(const McUpstream&) = delete;
  McUpstream& operator=(const McUpstream&) = delete;

  // False while backing off after a failure: callers answer at once instead of queueing.
  bool available() const { return state_ != State::kBackoff; }
  const std::string& lastError() const { return last_error_; }
  const Address& address() const { return options_.address; }
  BackendCounters& counters() { return counters_; }
  const BackendCounters& counters() const { return counters_; }

  // Append an encoded request to output(), then push() its pending slot.
  // Connects now rather than on the first request, so readiness reflects the backend.
  void start() {
    if (state_ == State::kIdle) connect();
  }
  std::string& output();
  void push(McPendingPtr pending);
  void flush();  // sends what output() holds (the worker calls it once per loop iteration)
  // Closes the connection and timers for good (worker shutdown); pending requests fail.
  void shutdown();

 private:
  enum class State { kIdle, kConnecting, kConnected, kBackoff };

  void connect();
  void onConnected(int status);
  void onData();
  void fail(const std::string& reason);
  void deliver(McPending& pending, std::string_view reply);
  void armTick();
  void onTick();
  static void onConnect(uv_connect_t* req, int status);

  uv_loop_t* loop_;
  UpstreamOptions options_;
  std::span<char> scratch_;
  State state_ = State::kIdle;
  StreamIo* io_ = nullptr;            // owned: deletes itself once closed
  uv_connect_t* connect_req_ = nullptr;
  std::string queued_;                // requests written while not connected yet
  std::deque<McPendingPtr> inflight_;
  uv_timer_t tick_{};                 // request and connect timeouts
  uv_timer_t backoff_timer_{};
  uint32_t backoff_ms_;
  uint64_t connect_started_ms_ = 0;
  std::string last_error_;
  bool shut_down_ = false;
  BackendCounters counters_;
};

}  // namespace vcproxy::net
