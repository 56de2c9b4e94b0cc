// One admin client: its socket, llhttp parser, queue of parsed requests, write queue and timer.
//
// Requests are answered strictly one after another (a pipelined GET after an invalidation sees
// the new version), each answer written when its handler's `done` fires. Answers that arrive
// after the connection closed are dropped: they hold only a weak token, never the connection.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "admin/admin_api.h"
#include "admin/http_request.h"
#include "admin/http_response.h"

namespace vcproxy::admin {

class HttpConnection {
 public:
  // Told once, from the last close callback, just before the connection frees itself.
  class Owner {
   public:
    virtual void connectionClosed(HttpConnection* connection) = 0;

   protected:
    ~Owner() = default;
  };

  HttpConnection(uv_loop_t* loop, bool is_unix, const HttpLimits& limits, AdminApi& api, Owner* owner);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // The handle to pass to uv_accept.
  uv_stream_t* stream() { return &stream_.stream; }

  // After uv_accept: reads and answers requests until the client or the server closes.
  void start();
  // After uv_accept, when the server cannot take the client: answers one error and closes.
  void reject(int status, const std::string& message);
  // Closes both handles (idempotent); pending answers are dropped. The memory goes in the
  // last close callback, never earlier.
  void close();
  // The owner is going away: from now on the connection frees itself without telling it.
  void detach() { owner_ = nullptr; }

 private:
  enum class TimerMode { kNone, kRequest, kIdle };

  ~HttpConnection() = default;  // only from onClose

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onTimer(uv_timer_t* timer);
  static void onClose(uv_handle_t* handle);

  void onData(const char* data, size_t size);
  void onEof();
  void onRequestTimeout();
  void pump();
  void dispatch(HttpRequest request);
  void onResponse(uint64_t seq, HttpResponse response);
  void send(const HttpResponse& response, bool keep_alive, bool http10, bool head);
  void flush();
  void updateReading();
  void updateTimer();
  HttpResponse parseErrorResponse() const;

  union StreamHandle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  };

  StreamHandle stream_;
  uv_timer_t timer_;
  uv_write_t write_req_;
  HttpLimits limits_;
  AdminApi& api_;
  Owner* owner_;
  RequestParser parser_;
  std::unique_ptr<char[]> read_buffer_;        // taken on the first read
  std::deque<HttpRequest> requests_;           // parsed, waiting for their turn
  std::optional<HttpResponse> final_error_;    // 400/408/413/431 after the queued ones, then close
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // answers hold a weak_ptr to it
  std::string output_;                         // answers waiting for the current write to finish
  std::string writing_;                        // bytes handed to libuv, untouched until written
  uint64_t seq_ = 0;                           // the request in flight
  uint64_t timed_message_ = 0;                 // the partial request the timer is for
  TimerMode timer_mode_ = TimerMode::kNone;
  int pending_closes_ = 0;
  bool in_flight_ = false;
  bool in_flight_keep_alive_ = true;
  bool in_flight_http10_ = false;
  bool in_flight_head_ = false;
  bool reading_ = false;
  bool input_closed_ = false;                  // no further request will be read
  bool pumping_ = false;
  bool write_in_flight_ = false;
  bool close_after_flush_ = false;
  bool closing_ = false;
};

}  // namespace vcproxy::admin
