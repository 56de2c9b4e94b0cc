// One connection to a backend, shared by many clients: requests are pipelined and their replies
// matched in FIFO order. On any failure every request in flight gets an error in the protocol's
// form, the connection is dropped and re-established with backoff. Protocols plug in how a reply
// is framed and delivered.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "proxy/net/address.h"
#include "proxy/net/metrics.h"
#include "proxy/net/pending.h"
#include "proxy/net/stream_io.h"

namespace vcproxy::net {

struct UpstreamOptions {
  Address address;
  uint32_t timeout_ms = 1000;          // a reply slower than this fails the connection; 0: none
  uint32_t connect_timeout_ms = 1000;
  uint32_t backoff_min_ms = 50;        // first retry delay after a failure, doubled up to max
  uint32_t backoff_max_ms = 500;       // bounds how long service takes to resume after recovery
};

// What a pool learns from one of its connections (failure counting, ejection, probing).
enum class UpstreamEvent : uint8_t { kConnected, kReplied, kFailed };

class Upstream {
 public:
  Upstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch);
  virtual ~Upstream() = default;
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  // False while backing off after a failure: callers answer at once instead of queueing.
  bool available() const { return state_ != State::kBackoff; }
  const std::string& lastError() const { return last_error_; }
  const Address& address() const { return options_.address; }
  BackendCounters& counters() { return counters_; }
  const BackendCounters& counters() const { return counters_; }

  // Called on connects, failures and (once per read) replies; not during shutdown.
  void setObserver(std::function<void(UpstreamEvent)> observer) { observer_ = std::move(observer); }
  bool connected() const { return state_ == State::kConnected; }

  // Connects now rather than on the first request, so readiness reflects the backend.
  void start() {
    if (state_ == State::kIdle) connect();
  }
  // Append an encoded request to output(), then push() its pending slot.
  std::string& output();
  // Appends bytes to output() without copying them while `keep` holds them (a large value).
  void sendSlice(std::string_view bytes, std::shared_ptr<const void> keep);
  void push(PendingPtr pending);
  void flush();  // sends what output() holds (the worker calls it once per loop iteration)
  // Closes the connection and timers for good (worker shutdown); pending requests fail.
  void shutdown();
  // Shuts down and deletes itself once its handles are closed (a connection owned by one client).
  void release();
  // The error a client gets for `reason` ("backend 127.0.0.1:11211 timed out after 1000 ms").
  virtual std::string errorReply(const std::string& reason) const = 0;

 protected:
  enum class FrameStatus { kComplete, kNeedMore, kInvalid };
  struct Frame {
    FrameStatus status;
    size_t size;  // kComplete: the reply's size; kNeedMore: the size it will have at least (0: unknown)
  };
  // The size of the reply to `front` at the start of `input`.
  virtual Frame frameReply(const Pending& front, std::string_view input) = 0;
  // Fills pending.reply from the backend's reply (restoring keys, hiding what must be hidden).
  // A non-empty result means the connection cannot be used (say, its credentials were refused):
  // it fails with that reason, this request included.
  virtual std::string deliver(Pending& pending, std::string_view reply) = 0;
  // What a fresh connection sends before anything else (credentials, database): the bytes go to
  // `out`, one pending per request to `pendings` (their replies reach deliver() without a client).
  virtual void greet(std::string& /*out*/, std::deque<PendingPtr>& /*pendings*/) {}
  // Whether an error for this request is hidden from the client (memcached noreply).
  virtual bool silentOnError(const Pending&) const { return false; }
  virtual void resetFraming() {}
  // Bytes at the start of `input` that answer no request (RESP3 pushes, a subscribed
  // connection's messages), handled by the protocol itself. `front`: the oldest request waiting,
  // null when none is. nullopt if the next reply is the front request's; 0 if it is unsolicited
  // but incomplete.
  virtual std::optional<size_t> takeUnsolicited(std::string_view /*input*/, const Pending* /*front*/) {
    return std::nullopt;
  }
  uv_loop_t* loop() const { return loop_; }
  // The block the reply being delivered was read into, to send parts of it without copying;
  // null when it may not be kept (read into the worker's scratch buffer).
  std::shared_ptr<const char[]> inputBlock() const { return io_ != nullptr ? io_->input().share() : nullptr; }

 private:
  enum class State { kIdle, kConnecting, kConnected, kBackoff };

  void connect();
  void onConnected(int status);
  void onData();
  void fail(const std::string& reason);
  void notify(UpstreamEvent event) {
    if (observer_ && !shut_down_) observer_(event);
  }
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
  std::deque<PendingPtr> inflight_;
  uv_timer_t tick_{};                 // request and connect timeouts
  uv_timer_t backoff_timer_{};
  uint32_t backoff_ms_;
  uint64_t connect_started_ms_ = 0;
  std::string last_error_;
  bool shut_down_ = false;
  bool delete_when_closed_ = false;
  int open_timers_ = 2;
  BackendCounters counters_;
  std::function<void(UpstreamEvent)> observer_;
};

}  // namespace vcproxy::net
