#include "proxy/versions/redis_connection.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cassert>
#include <utility>

#include "proxy/versions/hiredis_uv.h"
#include "proxy/versions/store_common.h"

namespace vcproxy::versions {
namespace {

// Reconnect backoff: quick after a blip, at most a second apart while the server is away.
constexpr uint64_t kMinBackoffMs = 50;
constexpr uint64_t kMaxBackoffMs = 1000;

// hiredis puts a connect error in the inner context before copying it to the outer one.
const char* contextError(const redisAsyncContext* context) {
  if (context->c.err != 0) {
    return context->c.errstr;
  }
  return context->err != 0 ? context->errstr : nullptr;
}

}  // namespace

RedisConnection::RedisConnection(uv_loop_t* loop, std::string label, std::string host, int port,
                                 int db, int timeout_ms)
    : loop_(loop),
      label_(std::move(label)),
      host_(std::move(host)),
      port_(port),
      db_(db),
      timeout_ms_(static_cast<uint64_t>(std::max(timeout_ms, 1))),
      backoff_ms_(kMinBackoffMs) {
  uv_timer_init(loop_, &due_timer_);
  due_timer_.data = this;
  uv_timer_init(loop_, &retry_timer_);
  retry_timer_.data = this;
}

RedisConnection::~RedisConnection() { assert(state_ == State::kClosed); }

uint64_t RedisConnection::now() const {
  uv_update_time(loop_);
  return uv_now(loop_);
}

std::string RedisConnection::errorText(std::string_view what) const {
  return label_ + ": " + std::string(what);
}

void RedisConnection::command(const std::vector<std::string>& args, uint64_t deadline,
                              ReplyFn done) {
  if (state_ == State::kClosing || state_ == State::kClosed) {
    failure_maybe_sent_ = false;
    done(nullptr, errorText("store closed"));
    return;
  }
  if (state_ == State::kIdle) {
    connect();
  }
  if (context_ == nullptr) {  // down: fail fast with the reason, as the next poll will retry
    fail(std::move(done), last_error_);
    return;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto it = pending_.emplace(pending_.end());
  it->connection = this;
  it->deadline = deadline;
  it->done = std::move(done);
  it->self = it;
  if (redisAsyncCommandArgv(context_, onReply, &*it, static_cast<int>(argv.size()), argv.data(),
                            lengths.data()) != REDIS_OK) {
    ReplyFn refused = std::move(it->done);
    pending_.erase(it);
    fail(std::move(refused), errorText("connection is closing"));
    return;
  }
  armDeadline(deadline);
}

void RedisConnection::fail(ReplyFn done, std::string error) {
  post([this, done = std::move(done), error = std::move(error)] {
    failure_maybe_sent_ = false;
    done(nullptr, error);
  });
}

void RedisConnection::subscribe(std::string channel, PushFn on_push) {
  if (state_ == State::kClosing || state_ == State::kClosed) {
    return;
  }
  bool first = channel_.empty();
  channel_ = std::move(channel);
  on_push_ = std::move(on_push);
  if (!first) {
    return;  // already subscribed (or will be on reconnection)
  }
  if (state_ == State::kIdle) {
    connect();  // sends SUBSCRIBE
  } else if (context_ != nullptr) {
    sendSubscribe();
  }  // kDown: the next connection subscribes
}

void RedisConnection::post(std::function<void()> fn) {
  if (state_ == State::kClosing || state_ == State::kClosed) {
    fn();  // the timer is gone; close() answers everything before it returns anyway
    return;
  }
  posted_.push_back(std::move(fn));
  due_at_ = now();
  uv_timer_start(&due_timer_, onDueTimer, 0, 0);
}

void RedisConnection::connect() {
  reason_.clear();
  redisAsyncContext* context = redisAsyncConnect(host_.c_str(), port_);
  if (context == nullptr) {
    goDown(errorText("out of memory"));
    return;
  }
  if (context->err != 0) {
    std::string error = errorText(context->errstr);
    redisAsyncFree(context);
    goDown(std::move(error));
    return;
  }
  context->data = this;
  if (attachToLoop(context, loop_) != REDIS_OK) {
    redisAsyncFree(context);
    goDown(errorText("cannot watch the socket"));
    return;
  }
  redisEnableKeepAlive(&context->c);  // notices a peer that vanished without a FIN
  redisAsyncSetConnectCallback(context, onConnect);
  redisAsyncSetDisconnectCallback(context, onDisconnect);
  context_ = context;
  state_ = State::kConnecting;
  // A blackholed address would otherwise hold a subscriber that has no command deadlines.
  connect_deadline_ = now() + timeout_ms_;
  armDeadline(connect_deadline_);
  if (!auth_password_.empty()) {
    sendAuth();  // first in the FIFO: nothing runs unauthenticated
  }
  if (db_ != 0) {
    sendSelect();  // before anything else, so nothing runs on the wrong database
  }
  if (!channel_.empty()) {
    sendSubscribe();
  }
}

void RedisConnection::sendSelect() {
  command({"SELECT", std::to_string(db_)}, now() + timeout_ms_,
          [this](const redisReply* reply, const std::string& error) {
            if (!error.empty()) {
              return;  // the connection is already failing
            }
            if (reply->type == REDIS_REPLY_ERROR) {
              failConnection(errorText("SELECT " + std::to_string(db_) + ": " + reply->str));
              return;
            }
            backoff_ms_ = kMinBackoffMs;
          });
}

void RedisConnection::sendAuth() {
  std::vector<std::string> args{"AUTH"};
  if (!auth_username_.empty()) args.push_back(auth_username_);
  args.push_back(auth_password_);
  command(args, now() + timeout_ms_, [this](const redisReply* reply, const std::string& error) {
    if (!error.empty()) {
      return;  // the connection is already failing
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      failConnection(errorText(std::string("AUTH refused: ") + reply->str));  // names no secret
    }
  });
}

void RedisConnection::sendSubscribe() {
  // Not a pending command: its callback stays registered for every message.
  redisAsyncCommand(context_, onPush, this, "SUBSCRIBE %b", channel_.data(), channel_.size());
}

void RedisConnection::goDown(std::string error) {
  state_ = State::kDown;
  last_error_ = std::move(error);
  uv_timer_start(&retry_timer_, onRetryTimer, backoff_ms_, 0);
  backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
}

// The first sign that hiredis is freeing `context` (a null reply, a failed connect, a
// disconnect): forget it at once so nothing is sent on it any more.
void RedisConnection::markDead(const redisAsyncContext* context, const std::string& error) {
  if (context != context_) {
    return;  // one we dropped ourselves, or an old one
  }
  context_ = nullptr;
  goDown(error);
}

void RedisConnection::failConnection(std::string reason) {
  redisAsyncContext* context = context_;
  if (context == nullptr) {
    return;
  }
  context_ = nullptr;
  reason_ = reason;
  goDown(std::move(reason));
  // Runs every pending callback with a null reply (answered with reason_); deferred by hiredis
  // until the current callback returns when called from one.
  redisAsyncFree(context);
}

std::string RedisConnection::lostReason(const redisAsyncContext* context) const {
  if (const char* error = contextError(context)) {
    return errorText(error);
  }
  return reason_.empty() ? errorText("connection lost") : reason_;
}

void RedisConnection::armDeadline(uint64_t deadline) {
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&due_timer_)) && due_at_ <= deadline) {
    return;
  }
  due_at_ = deadline;
  uint64_t current = now();
  uv_timer_start(&due_timer_, onDueTimer, deadline > current ? deadline - current : 0, 0);
}

void RedisConnection::checkDeadlines() {
  if (context_ == nullptr) {
    return;
  }
  uint64_t current = now();
  if (state_ == State::kConnecting && connect_deadline_ <= current) {
    failConnection(errorText("connect timed out after " + std::to_string(timeout_ms_) + " ms"));
    return;
  }
  uint64_t earliest = state_ == State::kConnecting ? connect_deadline_ : UINT64_MAX;
  for (const Pending& pending : pending_) {
    earliest = std::min(earliest, pending.deadline);
  }
  if (earliest <= current) {
    failConnection(errorText("timed out after " + std::to_string(timeout_ms_) + " ms"));
  } else if (earliest != UINT64_MAX) {
    armDeadline(earliest);
  }
}

void RedisConnection::runPosted() {
  std::vector<std::function<void()>> ready;
  ready.swap(posted_);
  for (auto& fn : ready) {
    runGuarded("redis store callback", fn);
  }
}

void RedisConnection::close(std::function<void()> done) {
  assert(state_ != State::kClosing && state_ != State::kClosed);
  close_done_ = std::move(done);
  state_ = State::kClosing;
  reason_ = errorText("store closed");
  // Our timers are closed before the context is freed: libuv runs the close callbacks of one
  // pass newest first, so hiredis' poll handle is released before our last callback reports.
  uv_close(reinterpret_cast<uv_handle_t*>(&due_timer_), onTimerClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&retry_timer_), onTimerClosed);
  if (redisAsyncContext* context = context_) {
    context_ = nullptr;
    redisAsyncFree(context);  // null replies: every pending command answers "store closed"
  }
  runPosted();
}

void RedisConnection::onReply(redisAsyncContext* context, void* reply, void* privdata) {
  auto* pending = static_cast<Pending*>(privdata);
  RedisConnection* self = pending->connection;
  ReplyFn done = std::move(pending->done);
  self->pending_.erase(pending->self);
  auto* r = static_cast<redisReply*>(reply);
  std::string error;
  if (r == nullptr) {
    error = self->lostReason(context);
    self->failure_maybe_sent_ = (context->c.flags & REDIS_CONNECTED) != 0;
    self->markDead(context, error);
  }
  runGuarded("redis reply", [&] { done(r, error); });
}

void RedisConnection::onPush(redisAsyncContext* context, void* reply, void* privdata) {
  auto* self = static_cast<RedisConnection*>(privdata);
  if (reply == nullptr) {
    self->markDead(context, self->lostReason(context));
    return;
  }
  if (self->on_push_ && self->state_ != State::kClosing && self->state_ != State::kClosed) {
    runGuarded("redis push", [&] { self->on_push_(static_cast<redisReply*>(reply)); });
  }
}

void RedisConnection::onConnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  if (context != self->context_) {
    return;
  }
  if (status != REDIS_OK) {
    self->markDead(context, self->lostReason(context));  // hiredis frees it after we return
    return;
  }
  self->state_ = State::kConnected;
  if (self->db_ == 0) {
    self->backoff_ms_ = kMinBackoffMs;
  }
}

void RedisConnection::onDisconnect(const redisAsyncContext* context, int /*status*/) {
  auto* self = static_cast<RedisConnection*>(context->data);
  self->markDead(context, self->lostReason(context));
}

void RedisConnection::onDueTimer(uv_timer_t* timer) {
  auto* self = static_cast<RedisConnection*>(timer->data);
  self->runPosted();
  if (self->state_ == State::kConnecting || self->state_ == State::kConnected) {
    self->checkDeadlines();
  }
}

void RedisConnection::onRetryTimer(uv_timer_t* timer) {
  auto* self = static_cast<RedisConnection*>(timer->data);
  if (self->state_ == State::kDown) {
    self->connect();
  }
}

void RedisConnection::onTimerClosed(uv_handle_t* handle) {
  auto* self = static_cast<RedisConnection*>(handle->data);
  if (--self->open_timers_ > 0) {
    return;
  }
  self->state_ = State::kClosed;
  std::function<void()> done = std::move(self->close_done_);
  if (done) {
    runGuarded("redis close callback", done);  // may destroy *self: touch nothing after
  }
}

}  // namespace vcproxy::versions
