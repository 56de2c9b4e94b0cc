#include "proxy/net/upstream.h"

#include <algorithm>


namespace vcproxy::net {

Upstream::Upstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch)
    : loop_(loop), options_(std::move(options)), scratch_(scratch), backoff_ms_(options_.backoff_min_ms) {
  uv_timer_init(loop_, &tick_);
  uv_timer_init(loop_, &backoff_timer_);
  tick_.data = this;
  backoff_timer_.data = this;
}

std::string& Upstream::output() { return state_ == State::kConnected ? io_->output() : queued_; }

void Upstream::sendSlice(std::string_view bytes, std::shared_ptr<const void> keep) {
  if (state_ == State::kConnected) {
    io_->appendSlice(bytes, std::move(keep));
  } else {
    queued_.append(bytes);  // still connecting: the queue is one text
  }
}

void Upstream::push(PendingPtr pending) {
  pending->started_ms = uv_now(loop_);
  pending->started_ns = uv_hrtime();
  counters_.requests.add();
  inflight_.push_back(std::move(pending));
  if (state_ == State::kIdle) connect();
  armTick();
}

void Upstream::flush() {
  if (state_ == State::kConnected) io_->flush();
}

void Upstream::connect() {
  state_ = State::kConnecting;
  connect_started_ms_ = uv_now(loop_);
  io_ = new StreamIo(loop_, options_.address.is_unix,
                     {[this] { onData(); }, [this](int status) {
                       fail(status == UV_EOF ? "closed the connection" : std::string("connection error: ") + uv_strerror(status));
                     }, {}, {}},
                     scratch_);
  StreamIo* io = io_;
  io->setOnClosed([io] { delete io; });
  connect_req_ = new uv_connect_t;
  connect_req_->data = this;
  int rc = 0;
  if (options_.address.is_unix) {
    uv_pipe_connect(connect_req_, reinterpret_cast<uv_pipe_t*>(io->stream()), options_.address.path.c_str(),
                    &Upstream::onConnect);
  } else {
    sockaddr_storage addr{};
    std::string error;
    if (!resolve(options_.address, addr, error)) {
      rc = UV_EAI_NONAME;
    } else {
      rc = uv_tcp_connect(connect_req_, reinterpret_cast<uv_tcp_t*>(io->stream()),
                          reinterpret_cast<const sockaddr*>(&addr), &Upstream::onConnect);
    }
  }
  if (rc != 0) {
    delete connect_req_;
    connect_req_ = nullptr;
    fail(std::string("connect: ") + uv_strerror(rc));
  }
  armTick();
}

void Upstream::onConnect(uv_connect_t* req, int status) {
  auto* self = static_cast<Upstream*>(req->data);
  delete req;
  if (self == nullptr) return;  // the attempt was abandoned (timeout or shutdown)
  self->connect_req_ = nullptr;
  self->onConnected(status);
}

void Upstream::onConnected(int status) {
  if (status != 0) {
    fail(std::string("connect: ") + uv_strerror(status));
    return;
  }
  if (!options_.address.is_unix) uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(io_->stream()), 1);
  state_ = State::kConnected;
  counters_.connected.set(1);
  backoff_ms_ = options_.backoff_min_ms;
  std::deque<PendingPtr> greeting;
  greet(io_->output(), greeting);
  io_->output() += queued_;
  queued_.clear();
  for (auto it = greeting.rbegin(); it != greeting.rend(); ++it) {
    (*it)->started_ms = uv_now(loop_);
    (*it)->started_ns = uv_hrtime();
    inflight_.push_front(std::move(*it));
  }
  io_->startReading();
  io_->flush();  // what was queued while connecting
  notify(UpstreamEvent::kConnected);
}

void Upstream::onData() {
  IoBuffer& in = io_->input();
  bool replied = false;
  while (!in.empty()) {
    if (const auto taken = takeUnsolicited(in.readable(), inflight_.empty() ? nullptr : inflight_.front().get())) {
      if (*taken == 0) break;  // the rest of it is still to come
      in.consume(*taken);
      continue;
    }
    if (inflight_.empty()) {
      fail("backend sent a reply nobody asked for");
      return;
    }
    const Frame frame = frameReply(*inflight_.front(), in.readable());
    if (frame.status == FrameStatus::kNeedMore) {
      // Room for the whole value now: later reads land in place instead of moving it as it grows
      // (up to a bound: the size is the backend's word).
      constexpr size_t kMaxPresize = 64 * 1024 * 1024;
      if (frame.size > 0) in.ensureCapacity(std::min(frame.size, kMaxPresize));
      break;
    }
    if (frame.status == FrameStatus::kInvalid) {
      fail("backend sent a reply that does not follow the protocol");
      return;
    }
    Pending& front = *inflight_.front();
    counters_.latency.observe(uv_hrtime() - front.started_ns);
    if (std::string problem = deliver(front, in.readable().substr(0, frame.size)); !problem.empty()) {
      fail(problem);
      return;
    }
    if (front.client != nullptr) front.client->onReplyReady(front);
    in.consume(frame.size);
    inflight_.pop_front();
    replied = true;
  }
  armTick();
  if (replied) notify(UpstreamEvent::kReplied);
}

void Upstream::fail(const std::string& reason) {
  last_error_ = "backend " + options_.address.text + " " + reason;
  const std::string reply = errorReply(last_error_);
  auto failed = std::move(inflight_);
  inflight_.clear();
  counters_.errors.add(failed.size());
  counters_.connected.set(0);
  queued_.clear();
  resetFraming();
  if (connect_req_ != nullptr) {
    connect_req_->data = nullptr;  // its callback will only free it
    connect_req_ = nullptr;
  }
  if (io_ != nullptr) {
    io_->close();
    io_ = nullptr;
  }
  uv_timer_stop(&tick_);
  if (!shut_down_) {
    state_ = State::kBackoff;
    uv_timer_start(&backoff_timer_, [](uv_timer_t* t) {
      auto* self = static_cast<Upstream*>(t->data);
      self->state_ = State::kIdle;
      self->connect();  // reconnect eagerly, so service resumes without waiting for a request
    }, backoff_ms_, 0);
    backoff_ms_ = std::min(backoff_ms_ * 2, options_.backoff_max_ms);
  }
  for (auto& pending : failed) {
    if (pending->client == nullptr) continue;
    pending->reply = silentOnError(*pending) ? std::string() : reply;
    pending->slices.clear();
    pending->client->onReplyReady(*pending);
  }
  notify(UpstreamEvent::kFailed);
}

void Upstream::armTick() {
  // timeout_ms 0: requests may wait for ever (a client's own connection, blocking commands).
  const bool timed = options_.timeout_ms > 0;
  const bool waiting = state_ == State::kConnecting || (timed && !inflight_.empty());
  if (!waiting || shut_down_) {
    uv_timer_stop(&tick_);
    return;
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&tick_))) return;
  const uint32_t shortest = timed ? std::min(options_.timeout_ms, options_.connect_timeout_ms) : options_.connect_timeout_ms;
  const uint64_t period = std::max<uint64_t>(5, shortest / 4);
  uv_timer_start(&tick_, [](uv_timer_t* t) { static_cast<Upstream*>(t->data)->onTick(); }, period, period);
}

void Upstream::onTick() {
  const uint64_t now = uv_now(loop_);
  if (state_ == State::kConnecting && now - connect_started_ms_ >= options_.connect_timeout_ms) {
    fail("connect timed out after " + std::to_string(options_.connect_timeout_ms) + " ms");
  } else if (state_ == State::kConnected && options_.timeout_ms > 0 && !inflight_.empty() &&
             now - inflight_.front()->started_ms >= options_.timeout_ms) {
    fail("timed out after " + std::to_string(options_.timeout_ms) + " ms");
  } else {
    armTick();
  }
}

void Upstream::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  fail("is shutting down");
  uv_timer_stop(&backoff_timer_);
  const auto closed = [](uv_handle_t* handle) {
    auto* self = static_cast<Upstream*>(handle->data);
    if (--self->open_timers_ == 0 && self->delete_when_closed_) delete self;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&backoff_timer_), closed);
}

void Upstream::release() {
  delete_when_closed_ = true;
  shutdown();
}

}  // namespace vcproxy::net
