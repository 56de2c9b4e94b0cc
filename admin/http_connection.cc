#include "admin/http_connection.h"

#include <exception>

namespace vcproxy::admin {
namespace {

constexpr size_t kReadBufferSize = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A client that pipelines without reading its answers is not read from beyond this.
constexpr size_t kMaxUnsentBytes = 256 * 1024;

HttpConnection* owner(uv_handle_t* handle) { return static_cast<HttpConnection*>(handle->data); }

}  // namespace

HttpConnection::HttpConnection(uv_loop_t* loop, bool is_unix, const HttpLimits& limits, AdminApi& api,
                               Owner* owner)
    : limits_(limits), api_(api), owner_(owner), parser_(limits) {
  if (is_unix) {
    uv_pipe_init(loop, &stream_.pipe, 0);
  } else {
    uv_tcp_init(loop, &stream_.tcp);
  }
  uv_timer_init(loop, &timer_);
  stream_.handle.data = this;
  timer_.data = this;
  write_req_.data = this;
}

void HttpConnection::start() {
  if (stream_.handle.type == UV_TCP) uv_tcp_nodelay(&stream_.tcp, 1);  // small answers, sent at once
  updateReading();
  updateTimer();
}

void HttpConnection::reject(int status, const std::string& message) {
  input_closed_ = true;
  final_error_ = errorResponse(status, message);
  pump();
}

void HttpConnection::close() {
  if (closing_) return;
  closing_ = true;
  alive_.reset();  // answers still to come are dropped from now on
  pending_closes_ = 2;
  uv_close(&stream_.handle, &HttpConnection::onClose);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &HttpConnection::onClose);
}

void HttpConnection::onClose(uv_handle_t* handle) {
  HttpConnection* self = owner(handle);
  if (--self->pending_closes_ > 0) return;
  if (self->owner_) self->owner_->connectionClosed(self);
  delete self;
}

void HttpConnection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  HttpConnection* self = owner(handle);
  // The parser copies what it keeps, so one fixed buffer per connection is enough.
  if (!self->read_buffer_) self->read_buffer_ = std::make_unique_for_overwrite<char[]>(kReadBufferSize);
  *buf = uv_buf_init(self->read_buffer_.get(), kReadBufferSize);
}

void HttpConnection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  HttpConnection* self = owner(reinterpret_cast<uv_handle_t*>(stream));
  try {
    if (nread > 0) {
      self->onData(buf->base, static_cast<size_t>(nread));
    } else if (nread == UV_EOF) {
      self->onEof();
    } else if (nread < 0) {
      self->close();  // reset by the client: nobody is left to answer
    }
  } catch (...) {
    self->close();  // out of memory or a bug: never let it escape into libuv
  }
}

void HttpConnection::onData(const char* data, size_t size) {
  if (input_closed_) return;
  if (timer_mode_ == TimerMode::kIdle) {  // activity: the idle clock starts again afterwards
    uv_timer_stop(&timer_);
    timer_mode_ = TimerMode::kNone;
  }
  parser_.feed(std::string_view(data, size), requests_);
  if (parser_.status() != RequestParser::Status::kOk) final_error_ = parseErrorResponse();
  if (parser_.stopped()) input_closed_ = true;
  // The client waits for "100 Continue" before sending a body; only said when nothing is
  // queued before it, so it cannot overtake an earlier answer.
  if (parser_.takeExpectContinue() && requests_.empty() && !in_flight_) {
    output_ += kContinue;
    flush();
  }
  pump();
}

void HttpConnection::onEof() {
  // A half-closed client still gets the answers to the requests it completed; a partial
  // request is dropped.
  input_closed_ = true;
  pump();
}

HttpResponse HttpConnection::parseErrorResponse() const {
  switch (parser_.status()) {
    case RequestParser::Status::kHeadersTooLarge: return errorResponse(431, parser_.error());
    case RequestParser::Status::kBodyTooLarge: return errorResponse(413, parser_.error());
    default: return errorResponse(400, parser_.error());
  }
}

void HttpConnection::pump() {
  if (pumping_ || closing_) return;
  pumping_ = true;
  // A handler may answer at once, inside dispatch(): the loop then goes on to the next request
  // instead of recursing.
  while (!closing_ && !in_flight_ && !close_after_flush_) {
    if (!requests_.empty()) {
      HttpRequest request = std::move(requests_.front());
      requests_.pop_front();
      dispatch(std::move(request));
    } else if (final_error_) {
      HttpResponse error = std::move(*final_error_);
      final_error_.reset();
      send(error, false, false, false);
    } else {
      if (input_closed_) {
        close_after_flush_ = true;
        flush();
      }
      break;
    }
  }
  pumping_ = false;
  updateReading();
  updateTimer();
}

void HttpConnection::dispatch(HttpRequest request) {
  in_flight_ = true;
  in_flight_keep_alive_ = request.keep_alive;
  in_flight_http10_ = request.http10;
  in_flight_head_ = request.method == "HEAD";
  const uint64_t seq = ++seq_;
  std::weak_ptr<char> alive = alive_;
  Respond respond = [this, alive, seq](HttpResponse response) {
    if (alive.expired()) return;  // the client left (or the server stopped): drop the answer
    try {
      onResponse(seq, std::move(response));
    } catch (...) {
      close();
    }
  };
  api_.handle(request, respond);
}

void HttpConnection::onResponse(uint64_t seq, HttpResponse response) {
  if (!in_flight_ || seq != seq_) return;  // a second answer to the same request
  in_flight_ = false;
  send(response, in_flight_keep_alive_, in_flight_http10_, in_flight_head_);
  pump();
}

void HttpConnection::send(const HttpResponse& response, bool keep_alive, bool http10, bool head) {
  output_ += serializeResponse(response, keep_alive, http10, head);
  if (!keep_alive) {
    // Requests read after this one are never answered: the client asked to close.
    requests_.clear();
    final_error_.reset();
    input_closed_ = true;
    close_after_flush_ = true;
  }
  flush();
}

void HttpConnection::flush() {
  if (closing_ || write_in_flight_) return;
  if (output_.empty()) {
    if (close_after_flush_) close();
    return;
  }
  writing_.swap(output_);
  uv_buf_t buf = uv_buf_init(writing_.data(), static_cast<unsigned>(writing_.size()));
  write_in_flight_ = true;
  if (uv_write(&write_req_, &stream_.stream, &buf, 1, &HttpConnection::onWrite) != 0) {
    write_in_flight_ = false;
    close();
  }
}

void HttpConnection::onWrite(uv_write_t* req, int status) {
  auto* self = static_cast<HttpConnection*>(req->data);
  self->write_in_flight_ = false;
  self->writing_.clear();
  if (self->closing_) return;
  if (status < 0) {
    self->close();
    return;
  }
  self->flush();
  self->updateReading();
  self->updateTimer();
}

void HttpConnection::updateReading() {
  if (closing_) return;
  const bool want = !input_closed_ && requests_.size() < limits_.max_pipelined &&
                    output_.size() + writing_.size() < kMaxUnsentBytes;
  if (want && !reading_) {
    if (uv_read_start(&stream_.stream, &HttpConnection::onAlloc, &HttpConnection::onRead) != 0) {
      close();
      return;
    }
    reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(&stream_.stream);
    reading_ = false;
  }
}

void HttpConnection::updateTimer() {
  if (closing_) return;
  // While we do not read (queue full), a partial request is not the client's fault: its clock
  // starts again when reading resumes.
  const bool partial = reading_ && parser_.midMessage();
  if (partial && limits_.request_timeout_ms > 0) {
    // Armed once per request, from the read that brought its first byte.
    if (timer_mode_ != TimerMode::kRequest || timed_message_ != parser_.messagesBegun()) {
      uv_timer_start(&timer_, &HttpConnection::onTimer, limits_.request_timeout_ms, 0);
      timer_mode_ = TimerMode::kRequest;
      timed_message_ = parser_.messagesBegun();
    }
    return;
  }
  // Nothing for us to do: waiting for the client to send, or to read what we wrote.
  const bool idle = !partial && requests_.empty() && !in_flight_ && !final_error_;
  if (idle && limits_.idle_timeout_ms > 0) {
    if (timer_mode_ != TimerMode::kIdle) {
      uv_timer_start(&timer_, &HttpConnection::onTimer, limits_.idle_timeout_ms, 0);
      timer_mode_ = TimerMode::kIdle;
    }
    return;
  }
  if (timer_mode_ != TimerMode::kNone) {
    uv_timer_stop(&timer_);
    timer_mode_ = TimerMode::kNone;
  }
}

void HttpConnection::onTimer(uv_timer_t* timer) {
  HttpConnection* self = owner(reinterpret_cast<uv_handle_t*>(timer));
  const TimerMode mode = self->timer_mode_;
  self->timer_mode_ = TimerMode::kNone;
  try {
    if (mode == TimerMode::kRequest) {
      self->onRequestTimeout();
    } else if (mode == TimerMode::kIdle) {
      self->close();
    }
  } catch (...) {
    self->close();
  }
}

void HttpConnection::onRequestTimeout() {
  // The slow request is answered after those before it, then the connection closes.
  input_closed_ = true;
  if (!final_error_) {
    final_error_ = errorResponse(408, "request not complete within " + std::to_string(limits_.request_timeout_ms) +
                                          " ms");
  }
  pump();
}

}  // namespace vcproxy::admin
