#include "proxy/net/client_conn.h"

#include <algorithm>

#include "proxy/net/listener.h"
#include "proxy/net/worker.h"

namespace vcproxy::net {

ClientConn::ClientConn(Listener& listener, bool is_unix)
    : listener_(listener),
      worker_(listener.worker()),
      io_(worker_.loop(), is_unix,
          {[this] { onData(); }, [this](int status) { onEof(status); }, [this] { delete this; },
           [this] { resumeIfDrained(); }},
          worker_.scratch()),
      counters_(listener.counters()),
      limits_(listener.spec().limits),
      last_activity_ms_(uv_now(worker_.loop())) {
  worker_.addClient(this);
  counters_.active.add(1);
}

ClientConn::~ClientConn() {
  counters_.active.add(-1);
  listener_.releaseSlot();
  worker_.removeClient(this);
}

void ClientConn::start() {
  if (io_.startReading() != 0) close();
}

void ClientConn::answer(std::string_view reply, bool close_after) {
  auto pending = std::make_shared<Pending>();
  pending->reply.assign(reply);
  pending->ready = true;
  pending->close_after = close_after;
  replies_.push_back(std::move(pending));
  markDirty();
}

void ClientConn::onReplyReady(Pending& pending) {
  pending.ready = true;
  markDirty();
}

void ClientConn::onUnsolicited(PendingPtr message, const Pending* before) {
  message->ready = true;
  auto at = replies_.end();
  if (before != nullptr) {
    at = std::find_if(replies_.begin(), replies_.end(), [before](const PendingPtr& p) { return p.get() == before; });
  }
  replies_.insert(at, std::move(message));
  markDirty();
}

void ClientConn::markDirty() {
  if (dirty_ || closed_) return;
  dirty_ = true;
  worker_.markDirty(this);
}

void ClientConn::onData() {
  last_activity_ms_ = uv_now(worker_.loop());
  decodeInput();
}

// A request still incomplete after decoding started when its first byte arrived: in this read if
// the previous request ended in it (or nothing was pending), earlier otherwise.
void ClientConn::decodeInput() {
  const size_t before = io_.input().size();
  processInput();
  const bool partial = !io_.input().empty() || midRequest();
  const bool consumed = io_.input().size() < before && !midRequest();
  if (!partial) {
    request_started_ms_ = 0;
  } else if (request_started_ms_ == 0 || consumed) {
    request_started_ms_ = uv_now(worker_.loop());
  }
}

void ClientConn::flushReplies() {
  dirty_ = false;
  if (closed_) return;
  if (!replies_.empty() && replies_.front()->ready) last_activity_ms_ = uv_now(worker_.loop());
  while (!replies_.empty() && replies_.front()->ready) {
    Pending& front = *replies_.front();
    io_.send(std::move(front.reply), std::move(front.slices));
    const bool close_after = front.close_after;
    replies_.pop_front();
    if (close_after) return finish();
  }
  if (draining_ && replies_.empty()) return finish();
  io_.flush();
  resumeIfDrained();
}

bool ClientConn::pauseIfOverloaded() {
  if (replies_.size() < limits_.max_pending_replies && io_.pendingOutput() < limits_.max_pending_bytes) return false;
  paused_ = true;
  io_.stopReading();
  return true;
}

void ClientConn::resumeIfDrained() {
  if (!paused_ || closed_ || draining_) return;
  if (replies_.size() >= (limits_.max_pending_replies + 1) / 2 || io_.pendingOutput() > limits_.max_pending_bytes / 4) {
    return;
  }
  paused_ = false;
  io_.startReading();
  decodeInput();  // requests already buffered when reading stopped
}

void ClientConn::onEof(int status) {
  if (status == UV_EOF && !replies_.empty() && drainsOnEof()) {
    draining_ = true;  // a half-closed client still gets the replies it asked for
    io_.stopReading();
    return;
  }
  close();
}

// Output is stalled when bytes wait and none has been taken by the client since the last check
// that saw them move; a slow reader that keeps taking bytes is never stalled.
bool ClientConn::writeStalled(uint64_t now) {
  if (io_.pendingOutput() == 0) {
    stall_started_ms_ = 0;
    return false;
  }
  const uint64_t sent = io_.bytesSent();
  if (stall_started_ms_ == 0 || sent != sent_at_stall_check_) {
    stall_started_ms_ = now;
    sent_at_stall_check_ = sent;
    return false;
  }
  return now - stall_started_ms_ >= limits_.write_timeout_ms;
}

void ClientConn::timeOut(Counter& counter) {
  counter.add();
  close();
}

void ClientConn::checkTimeouts(uint64_t now) {
  if (io_.closing()) return;
  // Unread replies: nothing can be sent to this client any more, so it closes without a word.
  if (limits_.write_timeout_ms != 0 && writeStalled(now)) return timeOut(counters_.write_timeouts);
  if (closed_ || draining_) return;  // already on its way out, by the rules above
  const bool mid_request = request_started_ms_ != 0 && !paused_;
  if (limits_.request_timeout_ms != 0 && mid_request && now - request_started_ms_ >= limits_.request_timeout_ms) {
    counters_.request_timeouts.add();
    request_started_ms_ = 0;
    io_.stopReading();
    io_.input().consume(io_.input().size());
    return answer(requestTimeoutReply(limits_.request_timeout_ms), true);  // earlier replies go first
  }
  // A partial request does not make a client busy: memcached's idle_timeout and Redis' timeout
  // look only at the time since it last sent something.
  const bool idle = replies_.empty() && io_.pendingOutput() == 0 && !idleExempt();
  if (limits_.idle_timeout_ms != 0 && idle && now - last_activity_ms_ >= limits_.idle_timeout_ms) {
    timeOut(counters_.idle_timeouts);  // as memcached and Redis do: closed without a message
  }
}

void ClientConn::notifyClosing() {
  if (closing_notified_) return;
  closing_notified_ = true;
  onClosing();
}

void ClientConn::detachReplies() {
  for (auto& pending : replies_) pending->client = nullptr;
  replies_.clear();
}

void ClientConn::finish() {
  closed_ = true;
  detachReplies();
  notifyClosing();
  io_.closeAfterFlush();
}

void ClientConn::close() {
  if (io_.closing()) return;
  closed_ = true;
  detachReplies();
  notifyClosing();
  io_.close();
}

}  // namespace vcproxy::net
