#include "proxy/app/one_shot.h"

#include <memory>

namespace vcproxy::app {
namespace {

// Owns its handles; frees itself once both are closed.
struct OneShot {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } socket{};
  uv_timer_t timer{};
  uv_connect_t connect{};
  uv_write_t write{};
  std::string request;
  std::string reply;
  char buffer[512];
  std::function<void(std::string, std::string)> done;
  std::string describe;
  size_t skip_lines = 0;
  int open_handles = 2;

  void finish(std::string line, std::string error) {
    if (done) {
      auto callback = std::move(done);
      done = nullptr;
      callback(std::move(line), error.empty() ? error : describe + ": " + error);
    }
    if (!uv_is_closing(&socket.handle)) uv_close(&socket.handle, &OneShot::onClosed);
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&timer), &OneShot::onClosed);
    }
  }
  static OneShot* of(uv_handle_t* handle) { return static_cast<OneShot*>(handle->data); }
  static void onClosed(uv_handle_t* handle) {
    OneShot* self = of(handle);
    if (--self->open_handles == 0) delete self;
  }
};

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  OneShot* self = OneShot::of(reinterpret_cast<uv_handle_t*>(stream));
  if (nread < 0) return self->finish("", nread == UV_EOF ? "closed the connection" : uv_strerror(static_cast<int>(nread)));
  self->reply.append(self->buffer, static_cast<size_t>(nread));
  size_t start = 0;
  for (size_t line = 0;; ++line) {
    const size_t end = self->reply.find("\r\n", start);
    if (end == std::string::npos) return;
    if (line == self->skip_lines) return self->finish(self->reply.substr(start, end - start), "");
    start = end + 2;
  }
}

void onConnect(uv_connect_t* req, int status) {
  auto* self = static_cast<OneShot*>(req->data);
  if (status == UV_ECANCELED) return;
  if (status != 0) return self->finish("", uv_strerror(status));
  uv_buf_t buf = uv_buf_init(self->request.data(), static_cast<unsigned>(self->request.size()));
  uv_write(&self->write, &self->socket.stream, &buf, 1, [](uv_write_t* w, int rc) {
    if (rc != 0 && rc != UV_ECANCELED) static_cast<OneShot*>(w->data)->finish("", uv_strerror(rc));
  });
  uv_read_start(
      &self->socket.stream,
      [](uv_handle_t* h, size_t, uv_buf_t* b) { *b = uv_buf_init(OneShot::of(h)->buffer, sizeof(OneShot::buffer)); },
      &onRead);
}

}  // namespace

void sendOneRequest(uv_loop_t* loop, const net::Address& address, std::string request, uint32_t timeout_ms,
                    std::function<void(std::string line, std::string error)> done, size_t skip_lines) {
  auto* self = new OneShot;
  self->skip_lines = skip_lines;
  self->request = std::move(request);
  self->done = std::move(done);
  self->describe = "backend " + address.text;
  self->connect.data = self->write.data = self;
  uv_timer_init(loop, &self->timer);
  self->timer.data = self;
  uv_timer_start(&self->timer, [](uv_timer_t* t) { OneShot::of(reinterpret_cast<uv_handle_t*>(t))->finish("", "timed out"); },
                 timeout_ms, 0);
  int rc = 0;
  if (address.is_unix) {
    uv_pipe_init(loop, &self->socket.pipe, 0);
    self->socket.handle.data = self;
    uv_pipe_connect(&self->connect, &self->socket.pipe, address.path.c_str(), &onConnect);
  } else {
    uv_tcp_init(loop, &self->socket.tcp);
    self->socket.handle.data = self;
    sockaddr_storage addr{};
    std::string error;
    rc = net::resolve(address, addr, error) ? uv_tcp_connect(&self->connect, &self->socket.tcp,
                                                             reinterpret_cast<sockaddr*>(&addr), &onConnect)
                                            : UV_EAI_NONAME;
  }
  if (rc != 0) self->finish("", uv_strerror(rc));
}

}  // namespace vcproxy::app
