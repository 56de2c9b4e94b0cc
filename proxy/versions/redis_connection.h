// One hiredis async connection on a libuv loop that reconnects by itself (internal to
// proxy/versions; RedisStore uses two: commands, and pub/sub which can run nothing else).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>

struct redisAsyncContext;
struct redisReply;

namespace vcproxy::versions {

// Connects on first use and again, with backoff, whenever the connection drops. Every command
// gets exactly one answer: its reply, or an error once the connection is down, drops, misses
// the command's deadline, or is closed. Replies come in order, so a command that misses its
// deadline means the connection is presumed dead: it is dropped, failing everything queued on
// it (mcmc's failure function), and reconnected.
class RedisConnection {
 public:
  // `reply` is valid during the call only (it may be a Redis error reply); it is null exactly
  // when `error` is set.
  using ReplyFn = std::function<void(const redisReply* reply, const std::string& error)>;
  using PushFn = std::function<void(const redisReply* push)>;

  // `label` starts every error ("redis 127.0.0.1:6379"); `db` != 0 is SELECTed on every
  // connection; `timeout_ms` bounds connecting and names the deadline in errors.
  RedisConnection(uv_loop_t* loop, std::string label, std::string host, int port, int db,
                  int timeout_ms);
  ~RedisConnection();  // only after close() has called back
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // `done` runs exactly once, on a later loop iteration or from a hiredis callback, never
  // inside command() (after close(): at once, with an error). `deadline` is in uv_now() time.
  void command(const std::vector<std::string>& args, uint64_t deadline, ReplyFn done);

  // AUTH on every connection, before anything else (call before the first command). Never logged.
  void setAuth(std::string username, std::string password) {
    auth_username_ = std::move(username);
    auth_password_ = std::move(password);
  }

  // SUBSCRIBEs `channel` now and on every reconnection; `on_push` sees each confirmation
  // ("subscribe") and each "message". One channel per connection.
  void subscribe(std::string channel, PushFn on_push);

  // Runs `fn` on a later loop iteration (answers that must not re-enter the caller).
  void post(std::function<void()> fn);

  // Inside a ReplyFn called with an error: whether the command may have reached the server
  // (the connection was up when it was lost), i.e. whether its effect is unknown.
  bool failureMaybeSent() const { return failure_maybe_sent_; }
  // The loop's time, refreshed: the cached one may be old after a long callback.
  uint64_t now() const;
  std::string errorText(std::string_view what) const;

  // Fails every pending command ("store closed"), frees the hiredis context and closes the
  // timers; `done` runs once the last handle is closed.
  void close(std::function<void()> done);

 private:
  enum class State { kIdle, kConnecting, kConnected, kDown, kClosing, kClosed };

  struct Pending {
    RedisConnection* connection = nullptr;
    uint64_t deadline = 0;
    ReplyFn done;
    std::list<Pending>::iterator self;
  };

  void fail(ReplyFn done, std::string error);  // answers `done` with `error` on a later tick
  void connect();
  void sendSelect();
  void sendAuth();
  void sendSubscribe();
  void goDown(std::string error);
  void markDead(const redisAsyncContext* context, const std::string& error);
  void failConnection(std::string reason);
  std::string lostReason(const redisAsyncContext* context) const;
  void armDeadline(uint64_t deadline);
  void checkDeadlines();
  void runPosted();

  static void onReply(redisAsyncContext* context, void* reply, void* privdata);
  static void onPush(redisAsyncContext* context, void* reply, void* privdata);
  static void onConnect(const redisAsyncContext* context, int status);
  static void onDisconnect(const redisAsyncContext* context, int status);
  static void onDueTimer(uv_timer_t* timer);
  static void onRetryTimer(uv_timer_t* timer);
  static void onTimerClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  std::string label_;
  std::string host_;
  int port_;
  int db_;
  std::string auth_username_;
  std::string auth_password_;
  uint64_t timeout_ms_;

  State state_ = State::kIdle;
  redisAsyncContext* context_ = nullptr;  // the live connection, if any
  std::string last_error_;                // why the connection is down (kDown)
  std::string reason_;                    // why we dropped it ourselves: timeout, SELECT, close
  uint64_t connect_deadline_ = 0;
  bool failure_maybe_sent_ = false;
  uint64_t backoff_ms_;

  std::list<Pending> pending_;  // sent, waiting for their reply
  std::vector<std::function<void()>> posted_;
  std::string channel_;
  PushFn on_push_;

  uv_timer_t due_timer_;    // deadlines and posted answers
  uint64_t due_at_ = 0;
  uv_timer_t retry_timer_;  // reconnect backoff
  int open_timers_ = 2;
  std::function<void()> close_done_;
};

}  // namespace vcproxy::versions
