#include "proxy/net/worker.h"

#include <algorithm>

#include "proxy/net/client_conn.h"
#include "proxy/net/listener.h"

namespace vcproxy::net {

Worker::Worker(unsigned id, std::shared_ptr<const route::Rewriter> rewriter)
    : id_(id), rewriter_(std::move(rewriter)), applied_(rewriter_.get()) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &wakeup_, &Worker::onWakeup);
  wakeup_.data = this;
  uv_check_init(&loop_, &flush_check_);
  flush_check_.data = this;
  uv_check_start(&flush_check_, &Worker::onCheck);
  uv_timer_init(&loop_, &drain_timer_);
  drain_timer_.data = this;
  uv_timer_init(&loop_, &limits_timer_);
  limits_timer_.data = this;
}

Worker::~Worker() {
  if (!thread_.joinable()) {
    shutdown();  // never started (startup failed): close the handles on this thread
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  join();
  uv_loop_close(&loop_);
}

bool Worker::addListener(const ListenerSpec& spec, int fd, std::string& error) {
  auto listener = std::make_unique<Listener>(*this, spec);
  if (!listener->listen(fd, error)) return false;
  listeners_.push_back(std::move(listener));
  return true;
}

void Worker::start() {
  startLimitsTimer();
  thread_ = std::thread([this] {
    uv_run(&loop_, UV_RUN_DEFAULT);
    finished_ = true;
  });
}

// One sweep over this worker's clients every tenth of the shortest timeout (10 ms..1 s), rather
// than a timer per connection: idle connections cost no handle, and a timeout fires at most a
// tenth late.
void Worker::startLimitsTimer() {
  uint32_t shortest = 0;
  for (const auto& listener : listeners_) {
    const uint32_t ms = listener->spec().limits.shortestTimeoutMs();
    if (ms != 0 && (shortest == 0 || ms < shortest)) shortest = ms;
  }
  if (shortest == 0) return;
  const uint64_t tick = std::clamp<uint64_t>(shortest / 10, 10, 1000);
  uv_timer_start(&limits_timer_, &Worker::onLimitsTick, tick, tick);
}

void Worker::onLimitsTick(uv_timer_t* handle) {
  auto* self = static_cast<Worker*>(handle->data);
  const uint64_t now = uv_now(&self->loop_);
  // Closing a client only starts closing its handle: nothing leaves clients_ during the sweep.
  for (ClientConn* client : self->clients_) client->checkTimeouts(now);
}

void Worker::requestDrain(uint64_t grace_ms) {
  if (finished_) return;
  drain_grace_ms_ = grace_ms;
  uv_async_send(&wakeup_);
}

void Worker::startDrain() {
  draining_ = true;
  for (auto& listener : listeners_) listener->stopAccepting();
  drain_deadline_ms_ = uv_now(&loop_) + drain_grace_ms_.load();
  uv_timer_start(&drain_timer_, [](uv_timer_t* t) {
    auto* self = static_cast<Worker*>(t->data);
    if (self->clients_.empty() || uv_now(&self->loop_) >= self->drain_deadline_ms_) self->shutdown();
  }, 0, 20);
}

void Worker::requestStop() {
  if (finished_) return;  // drained already: its wakeup handle is closed
  stop_requested_ = true;
  uv_async_send(&wakeup_);
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::publish(std::shared_ptr<const route::Rewriter> rewriter) {
  {
    std::lock_guard lock(mailbox_mutex_);
    mailbox_ = std::move(rewriter);
  }
  if (!finished_) uv_async_send(&wakeup_);
}

namespace {

bool versionsDiffer(const route::VersionTable& a, const route::VersionTable& b) {
  if (a.size() != b.size()) return true;
  for (uint32_t i = 0; i < a.size(); ++i) {
    if (a.at(i).name != b.at(i).name || a.at(i).version != b.at(i).version) return true;
  }
  return false;
}

}  // namespace

void Worker::onWakeup(uv_async_t* handle) {
  auto* self = static_cast<Worker*>(handle->data);
  std::shared_ptr<const route::Rewriter> next;
  {
    std::lock_guard lock(self->mailbox_mutex_);
    next.swap(self->mailbox_);
  }
  if (next) {
    const bool changed = !self->rewriter_ || versionsDiffer(self->rewriter_->versions(), next->versions());
    self->rewriter_ = std::move(next);
    if (changed) {
      for (ClientConn* client : self->clients_) client->onVersionsChanged();
    }
    self->applied_.store(self->rewriter_.get(), std::memory_order_release);
  }
  if (self->stop_requested_) {
    self->shutdown();
  } else if (self->drain_grace_ms_ != UINT64_MAX && !self->draining_) {
    self->startDrain();
  }
}

void Worker::onCheck(uv_check_t* handle) {
  auto* self = static_cast<Worker*>(handle->data);
  for (auto& listener : self->listeners_) listener->flushUpstreams();
  // Swap first: flushing may mark clients dirty again for the next iteration.
  self->flushing_.swap(self->dirty_clients_);
  for (ClientConn* client : self->flushing_) client->flushReplies();
  self->flushing_.clear();
}

void Worker::removeClient(ClientConn* client) {
  clients_.erase(client);
  std::erase(dirty_clients_, client);
}

void Worker::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& listener : listeners_) listener->shutdown();
  std::vector<ClientConn*> clients(clients_.begin(), clients_.end());
  for (ClientConn* client : clients) client->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&wakeup_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&drain_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&limits_timer_), nullptr);
}

}  // namespace vcproxy::net
