// The admin HTTP listener (ARCHITECTURE.md §5): one libuv listener on the admin loop, one
// HttpConnection per client.
//
// Everything runs on the loop's thread, Service calls included. Usage:
//   AdminServer server(loop, service, options);
//   if (!server.start(error)) ...;   // then run the loop
//   server.stop();                   // on the loop thread; run the loop until its handles close
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <unordered_set>

#include "admin/admin_api.h"
#include "admin/http_connection.h"
#include "admin/http_request.h"
#include "admin/service.h"

namespace vcproxy::admin {

class AdminServer final : private HttpConnection::Owner {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // numeric IPv4/IPv6 ("::1" or "[::1]") or a host name
    uint16_t port = 9100;            // 0: any free port, see port()
    std::string unix_path;           // non-empty: a unix socket instead of host:port
    std::string token;               // bearer token; empty = no authentication (loopback/unix only)
    HttpLimits limits;
  };

  // `loop` and `service` must outlive the server.
  AdminServer(uv_loop_t* loop, Service& service, Options options);
  // Stops if still running. Handles still closing free themselves when the loop runs again.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and listens. Refuses a non-loopback host without a token. On failure `error` says
  // why ("admin: cannot listen on 127.0.0.1:9100: address already in use") and nothing is open.
  bool start(std::string& error);
  // Closes the listener and every connection; answers still pending are dropped. Idempotent.
  void stop();

  // The bound TCP port (useful with port 0); 0 before start() or for a unix socket.
  uint16_t port() const { return bound_port_; }
  // Open client connections.
  size_t connectionCount() const { return connections_.size(); }

 private:
  struct Listener {
    union {
      uv_handle_t handle;
      uv_stream_t stream;
      uv_tcp_t tcp;
      uv_pipe_t pipe;
    };
    AdminServer* owner;
  };

  static void onConnection(uv_stream_t* server, int status);
  static void onListenerClosed(uv_handle_t* handle);
  void connectionClosed(HttpConnection* connection) override;
  void accept();
  bool listenTcp(std::string& error);
  bool listenUnix(std::string& error);
  void closeListener();
  std::string describe() const;

  uv_loop_t* loop_;
  Options options_;
  AdminApi api_;
  Listener* listener_ = nullptr;
  uint16_t bound_port_ = 0;
  bool unix_bound_ = false;  // we created options_.unix_path and remove it on stop
  std::unordered_set<HttpConnection*> connections_;
};

}  // namespace vcproxy::admin
