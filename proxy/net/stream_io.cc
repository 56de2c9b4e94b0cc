#include "proxy/net/stream_io.h"

namespace vcproxy::net {
namespace {
constexpr size_t kReadChunk = 16 * 1024;
// A connection without a scratch buffer (a shared upstream) reads as much at once as the scratch
// buffer would take: its replies are many clients' replies, and smaller reads cost more syscalls.
constexpr size_t kOwnReadChunk = 64 * 1024;
}

StreamIo::StreamIo(uv_loop_t* loop, bool is_unix, Callbacks callbacks, std::span<char> scratch)
    : handle_(new Handle), callbacks_(std::move(callbacks)), scratch_(scratch), input_(scratch.empty()) {
  handle_->owner = this;
  if (is_unix) {
    uv_pipe_init(loop, &handle_->pipe, 0);
  } else {
    uv_tcp_init(loop, &handle_->tcp);
  }
  handle_->handle.data = handle_;
  write_req_.data = this;
}

int StreamIo::startReading() { return uv_read_start(stream(), &StreamIo::onAlloc, &StreamIo::onRead); }

void StreamIo::stopReading() {
  if (!closing_) uv_read_stop(stream());
}

void StreamIo::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Handle*>(handle->data)->owner;
  self->reading_into_scratch_ = self->input_.empty() && !self->scratch_.empty();
  if (self->reading_into_scratch_) {
    *buf = uv_buf_init(self->scratch_.data(), static_cast<unsigned>(self->scratch_.size()));
    return;
  }
  auto [data, size] = self->input_.writable(self->scratch_.empty() ? kOwnReadChunk : kReadChunk);
  *buf = uv_buf_init(data, static_cast<unsigned>(size));
}

void StreamIo::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<Handle*>(stream->data)->owner;
  if (nread > 0) {
    if (self->reading_into_scratch_) {
      self->input_.borrow(self->scratch_.data(), static_cast<size_t>(nread));
    } else {
      self->input_.commit(static_cast<size_t>(nread));
    }
    self->callbacks_.on_data();
    self->input_.keepLeftover();  // the scratch buffer is reused by the next read of any connection
  } else if (nread < 0) {
    self->callbacks_.on_eof(static_cast<int>(nread));
  }
}

void StreamIo::appendSlice(std::string_view bytes, std::shared_ptr<const void> keep) {
  if (bytes.empty()) return;
  output_slices_.push_back({output_.size(), bytes, std::move(keep)});
  output_sliced_ += bytes.size();
}

void StreamIo::send(std::string&& text, std::vector<Slice>&& slices) {
  // Large text is moved, not copied: its pieces between the slices become slices of it.
  std::shared_ptr<const std::string> moved;
  if (text.size() >= kMinSliceBytes) moved = std::make_shared<const std::string>(std::move(text));
  const std::string_view all = moved ? std::string_view(*moved) : std::string_view(text);
  const auto put = [&](std::string_view piece) {
    if (moved) {
      appendSlice(piece, moved);
    } else {
      output_.append(piece);
    }
  };
  size_t at = 0;
  for (Slice& slice : slices) {
    put(all.substr(at, slice.at - at));
    at = slice.at;
    appendSlice(slice.bytes, std::move(slice.keep));
  }
  put(all.substr(at));
}

void StreamIo::flush() {
  if (closing_ || write_in_flight_) return;
  if (!output_.empty() || !output_slices_.empty()) {
    takeOutput();
    // Most writes are taken whole at once: no write request, and no callback a loop iteration
    // later holding back the next flush of this connection.
    const int written = uv_try_write(stream(), parts_.data(), static_cast<unsigned>(parts_.size()));
    if (written > 0) skipWritten(static_cast<size_t>(written));
    if (writing_size_ > 0) return writeRest();
  }
  if (close_after_flush_) {
    close();
  } else if (callbacks_.on_drained) {
    callbacks_.on_drained();
  }
}

// Moves what is queued to the write: the text, split where the slices go.
void StreamIo::takeOutput() {
  writing_.swap(output_);
  writing_slices_.swap(output_slices_);
  writing_size_ = writing_.size() + output_sliced_;
  output_sliced_ = 0;
  parts_.clear();
  size_t at = 0;
  const auto add = [this](const char* data, size_t size) {
    parts_.push_back(uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(size)));
  };
  for (const Slice& slice : writing_slices_) {
    if (slice.at > at) add(writing_.data() + at, slice.at - at);
    add(slice.bytes.data(), slice.bytes.size());
    at = slice.at;
  }
  if (writing_.size() > at) add(writing_.data() + at, writing_.size() - at);
}

void StreamIo::skipWritten(size_t n) {
  sent_ += n;
  writing_size_ -= n;
  if (writing_size_ == 0) return finishWriting();
  size_t done = 0;
  while (n >= parts_[done].len) n -= parts_[done++].len;
  parts_.erase(parts_.begin(), parts_.begin() + static_cast<std::ptrdiff_t>(done));
  parts_.front().base += n;
  parts_.front().len -= static_cast<unsigned>(n);
}

void StreamIo::finishWriting() {
  writing_.clear();
  writing_slices_.clear();  // gives the lent blocks back
  writing_size_ = 0;
}

// What the kernel did not take at once goes as a write request; the bytes stay untouched until
// onWrite (libuv copies the array of parts).
void StreamIo::writeRest() {
  write_in_flight_ = true;
  const int rc = uv_write(&write_req_, stream(), parts_.data(), static_cast<unsigned>(parts_.size()), &StreamIo::onWrite);
  if (rc != 0) {
    write_in_flight_ = false;
    callbacks_.on_eof(rc);
  }
}

void StreamIo::onWrite(uv_write_t* req, int status) {
  auto* self = static_cast<StreamIo*>(req->data);
  self->write_in_flight_ = false;
  if (status == 0) self->sent_ += self->writing_size_;
  self->finishWriting();
  if (self->closing_) return;
  if (status != 0) {
    self->callbacks_.on_eof(status);
    return;
  }
  self->flush();
}

uint64_t StreamIo::bytesSent() const {
  if (!write_in_flight_ || closing_) return sent_;
  // libuv lowers the queue size as the kernel takes each part of the write.
  const size_t queued = uv_stream_get_write_queue_size(&handle_->stream);
  return sent_ + (writing_size_ > queued ? writing_size_ - queued : 0);
}

void StreamIo::closeAfterFlush() {
  close_after_flush_ = true;
  stopReading();
  flush();
}

void StreamIo::close() {
  if (closing_) return;
  closing_ = true;
  uv_close(&handle_->handle, &StreamIo::onClose);
}

void StreamIo::onClose(uv_handle_t* handle) {
  auto* h = static_cast<Handle*>(handle->data);
  StreamIo* self = h->owner;
  delete h;
  // A write still queued when the handle closed has been cancelled by now (its callback ran
  // with UV_ECANCELED before this one), so the owner may free everything.
  auto on_closed = std::move(self->callbacks_.on_closed);  // the owner may delete `self` in it
  on_closed();
}

}  // namespace vcproxy::net
