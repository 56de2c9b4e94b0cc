#include "proxy/net/client_conn.h"

#include <algorithm>

#include "proxy/net/worker.h"

namespace vcproxy::net {
namespace {
// Backpressure: a client whose replies pile up stops being read until they drain.
constexpr size_t kMaxQueuedReplies = 4096;
constexpr size_t kHighWaterBytes = 4 * 1024 * 1024;
constexpr size_t kLowWaterBytes = 1024 * 1024;
}  // namespace

ClientConn::ClientConn(Worker& worker, ListenerCounters& counters, bool is_unix)
    : worker_(worker),
      io_(worker.loop(), is_unix,
          {[this] { processInput(); }, [this](int status) { onEof(status); }, [this] { delete this; },
           [this] { resumeIfDrained(); }},
          worker.scratch()),
      counters_(counters) {
  worker_.addClient(this);
  counters_.active.add(1);
}

ClientConn::~ClientConn() {
  counters_.active.add(-1);
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

void ClientConn::flushReplies() {
  dirty_ = false;
  if (closed_) return;
  std::string& out = io_.output();
  while (!replies_.empty() && replies_.front()->ready) {
    Pending& front = *replies_.front();
    out.append(front.reply);
    const bool close_after = front.close_after;
    replies_.pop_front();
    if (close_after) return finish();
  }
  if (draining_ && replies_.empty()) return finish();
  io_.flush();
  resumeIfDrained();
}

bool ClientConn::pauseIfOverloaded() {
  if (replies_.size() < kMaxQueuedReplies && io_.pendingOutput() < kHighWaterBytes) return false;
  paused_ = true;
  io_.stopReading();
  return true;
}

void ClientConn::resumeIfDrained() {
  if (!paused_ || closed_ || draining_) return;
  if (replies_.size() >= kMaxQueuedReplies / 2 || io_.pendingOutput() > kLowWaterBytes) return;
  paused_ = false;
  io_.startReading();
  processInput();  // requests already buffered when reading stopped
}

void ClientConn::onEof(int status) {
  if (status == UV_EOF && !replies_.empty() && drainsOnEof()) {
    draining_ = true;  // a half-closed client still gets the replies it asked for
    io_.stopReading();
    return;
  }
  close();
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
