#include "proxy/versions/memcache_store.h"

#include <exception>
#include <utility>

#include "proxy/versions/store_common.h"

namespace vcproxy::versions {
namespace {

// "h1:p1,h2:p2" for a pool, the one host:port otherwise.
std::string serverList(const StoreOptions& options) {
  std::string out = hostPort(options.host, options.port);
  for (const StoreServer& server : options.more_servers) out += "," + hostPort(server.host, server.port);
  return out;
}

}  // namespace

struct MemcacheStore::Op {
  bool is_fetch = true;
  std::vector<std::string> names;  // fetch
  VersionMap changes;              // write
  FetchDone fetch_done;
  WriteDone write_done;
  uint64_t deadline = 0;                       // uv_now() time, for the loop's timer
  MemcacheClient::Clock::time_point clock_deadline;  // the same, for the worker thread
  bool answered = false;
  // Written by the worker thread, read on the loop after the work returns.
  VersionMap result;
  std::string error;
};

MemcacheStore::MemcacheStore(uv_loop_t* loop, StoreOptions options)
    : loop_(loop),
      options_(std::move(options)),
      label_("memcache " + serverList(options_)),
      client_(options_) {
  work_.data = this;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

MemcacheStore::~MemcacheStore() = default;

std::string MemcacheStore::describe() const {
  return "memcache://" + serverList(options_);
}

void MemcacheStore::fetch(const std::vector<std::string>& names, FetchDone done) {
  auto op = std::make_unique<Op>();
  op->names = names;
  op->fetch_done = std::move(done);
  enqueue(std::move(op));
}

void MemcacheStore::write(const VersionMap& changes, WriteDone done) {
  auto op = std::make_unique<Op>();
  op->is_fetch = false;
  op->changes = changes;
  op->write_done = std::move(done);
  enqueue(std::move(op));
}

void MemcacheStore::subscribe(std::function<void()> on_change) {
  on_change_ = std::move(on_change);  // polling only: memcached cannot announce changes
}

void MemcacheStore::enqueue(std::unique_ptr<Op> op) {
  if (closing_) {
    answer(*op, label_ + ": store closed");  // no timer left to defer on
    return;
  }
  auto timeout = static_cast<uint64_t>(options_.timeout_ms);
  uv_update_time(loop_);  // the cached loop time may be old after a long callback
  op->deadline = uv_now(loop_) + timeout;
  op->clock_deadline = MemcacheClient::Clock::now() + std::chrono::milliseconds(timeout);
  queue_.push_back(std::move(op));
  startNext();
  armTimer();
}

void MemcacheStore::startNext() {
  if (running_ || closing_ || queue_.empty()) {
    return;
  }
  running_ = true;
  running_op_ = queue_.front().get();
  if (uv_queue_work(loop_, &work_, runWork, afterWork) != 0) {
    running_ = false;  // cannot happen with valid arguments; fail rather than hang
    auto op = std::move(queue_.front());
    queue_.pop_front();
    answer(*op, label_ + ": cannot queue work");
  }
}

void MemcacheStore::runWork(uv_work_t* work) {
  auto* self = static_cast<MemcacheStore*>(work->data);
  // Never queue_ itself: the loop thread may append to it meanwhile. The loop writes only
  // `answered` and the callbacks of this op while it runs; we write only result and error.
  Op& op = *self->running_op_;
  try {
    op.error = op.is_fetch ? self->client_.fetch(op.names, op.clock_deadline, &op.result)
                           : self->client_.write(op.changes, op.clock_deadline);
  } catch (const std::exception& e) {
    op.error = std::string("unexpected error: ") + e.what();
    op.result.clear();
  }
}

void MemcacheStore::afterWork(uv_work_t* work, int /*status*/) {
  auto* self = static_cast<MemcacheStore*>(work->data);
  std::unique_ptr<Op> op = std::move(self->queue_.front());
  self->queue_.pop_front();
  self->running_ = false;
  self->running_op_ = nullptr;
  if (!op->answered) {
    self->answer(*op, op->error.empty() ? "" : self->label_ + ": " + op->error);
  }
  if (self->closing_) {
    self->finishClose();
    return;
  }
  self->startNext();
  self->armTimer();
}

void MemcacheStore::answer(Op& op, std::string error) {
  op.answered = true;
  if (op.is_fetch) {
    FetchDone done = std::move(op.fetch_done);
    VersionMap result = error.empty() ? std::move(op.result) : VersionMap{};
    runGuarded("memcache fetch callback", [&] { done(std::move(result), std::move(error)); });
  } else {
    WriteDone done = std::move(op.write_done);
    runGuarded("memcache write callback", [&] { done(std::move(error)); });
  }
}

// Deadlines grow in queue order (one timeout, arrival order), so the first unanswered
// operation has the earliest one.
void MemcacheStore::armTimer() {
  for (const auto& op : queue_) {
    if (!op->answered) {
      uint64_t now = uv_now(loop_);
      uv_timer_start(&timer_, onTimer, op->deadline > now ? op->deadline - now : 0, 0);
      return;
    }
  }
  uv_timer_stop(&timer_);
}

// Answers every unanswered operation whose deadline is `now` or earlier (all of them when
// closing). Waiting ones leave the queue; the running one stays until its work returns.
void MemcacheStore::expire(uint64_t now, const std::string& error) {
  std::vector<std::unique_ptr<Op>> expired;
  Op* running = nullptr;
  size_t first_waiting = running_ ? 1 : 0;
  if (running_ && !queue_.front()->answered && queue_.front()->deadline <= now) {
    running = queue_.front().get();
  }
  while (queue_.size() > first_waiting && queue_[first_waiting]->deadline <= now) {
    expired.push_back(std::move(queue_[first_waiting]));
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(first_waiting));
  }
  // Callbacks last: they may queue more work, which must not disturb the loops above.
  if (running != nullptr) {
    answer(*running, error);  // stays valid: only afterWork, on a later turn, frees it
  }
  for (auto& op : expired) {
    answer(*op, error);
  }
}

void MemcacheStore::onTimer(uv_timer_t* timer) {
  auto* self = static_cast<MemcacheStore*>(timer->data);
  self->expire(uv_now(self->loop_),
               self->label_ + ": timed out after " + std::to_string(self->options_.timeout_ms) +
                   " ms");
  if (!self->closing_) {
    self->startNext();
    self->armTimer();
  }
}

void MemcacheStore::close(std::function<void()> done) {
  if (closing_) {
    return;
  }
  closing_ = true;
  close_done_ = std::move(done);
  uv_timer_stop(&timer_);
  expire(UINT64_MAX, label_ + ": store closed");
  finishClose();
}

// Releases everything once no work item runs (a running one cannot be cancelled: its
// afterWork calls here again).
void MemcacheStore::finishClose() {
  if (running_ || uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) {
    return;
  }
  client_.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), onTimerClosed);
}

void MemcacheStore::onTimerClosed(uv_handle_t* handle) {
  auto* self = static_cast<MemcacheStore*>(handle->data);
  std::function<void()> done = std::move(self->close_done_);
  if (done) {
    runGuarded("memcache close callback", done);  // may destroy *self: touch nothing after
  }
}

std::unique_ptr<VersionStore> makeMemcacheStore(uv_loop_t* loop, StoreOptions options) {
  return std::make_unique<MemcacheStore>(loop, std::move(options));
}

}  // namespace vcproxy::versions
