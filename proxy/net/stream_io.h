// The libuv side of one connection: its handle, its input buffer and batched writes.
//
// Owners call `flush()` once per loop iteration (from the worker's check handle), so all the
// replies produced in one iteration leave in one write. Small replies are copied together into
// one text; large ones, and slices of other buffers, are handed to the kernel as they are, as
// further parts of the same write (writev).
#pragma once

#include <uv.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "proxy/net/io_buffer.h"
#include "proxy/net/slice.h"

namespace vcproxy::net {

class StreamIo {
 public:
  struct Callbacks {
    std::function<void()> on_data;                  // new bytes in input()
    std::function<void(int status)> on_eof;          // UV_EOF: peer closed; else a libuv error
    std::function<void()> on_closed;                // handle closed: the owner may now delete itself
    std::function<void()> on_drained;               // every queued byte has been written
  };

  // `scratch` (optional): the worker's shared read buffer, used while input() is empty. Without
  // one, reads land in the connection's own buffer, kept between reads (see IoBuffer).
  StreamIo(uv_loop_t* loop, bool is_unix, Callbacks callbacks, std::span<char> scratch = {});
  StreamIo(const StreamIo&) = delete;
  StreamIo& operator=(const StreamIo&) = delete;

  uv_stream_t* stream() { return &handle_->stream; }
  IoBuffer& input() { return input_; }
  std::string& output() { return output_; }
  // Appends `text` with `slices` spliced in; large text is moved rather than copied.
  void send(std::string&& text, std::vector<Slice>&& slices);
  // Appends bytes that stay where they are, kept valid by `keep`, until written.
  void appendSlice(std::string_view bytes, std::shared_ptr<const void> keep);
  size_t pendingOutput() const { return output_.size() + output_sliced_ + writing_size_; }
  // Bytes the kernel has taken so far (part of a write still in flight included).
  uint64_t bytesSent() const;
  void setOnClosed(std::function<void()> on_closed) { callbacks_.on_closed = std::move(on_closed); }

  int startReading();
  void stopReading();
  void flush();
  // Closes once everything in output() has been written.
  void closeAfterFlush();
  void close();
  bool closing() const { return closing_; }

 private:
  struct Handle {
    union {
      uv_handle_t handle;
      uv_stream_t stream;
      uv_tcp_t tcp;
      uv_pipe_t pipe;
    };
    StreamIo* owner;
  };
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onClose(uv_handle_t* handle);
  void takeOutput();
  void skipWritten(size_t n);
  void finishWriting();
  void writeRest();

  Handle* handle_;
  Callbacks callbacks_;
  std::span<char> scratch_;
  bool reading_into_scratch_ = false;
  IoBuffer input_;
  std::string output_;                 // replies waiting for the next write
  std::vector<Slice> output_slices_;   // spliced into output_ at their offsets
  size_t output_sliced_ = 0;           // bytes of output_slices_
  std::string writing_;                // bytes handed to libuv, untouched until the write completes
  std::vector<Slice> writing_slices_;
  size_t writing_size_ = 0;            // bytes of the write in flight, slices included
  std::vector<uv_buf_t> parts_;        // scratch: the parts of one write
  uv_write_t write_req_{};
  bool write_in_flight_ = false;
  uint64_t sent_ = 0;  // bytes of completed writes
  bool close_after_flush_ = false;
  bool closing_ = false;
};

}  // namespace vcproxy::net
