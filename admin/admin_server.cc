#include "admin/admin_server.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "admin/auth.h"

namespace vcproxy::admin {
namespace {

constexpr int kBacklog = 128;

std::string stripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

// A socket file left by an earlier run is removed; one that still answers is somebody's.
bool removeStaleSocket(const std::string& path, std::string& error) {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return true;  // nothing there
  if (!S_ISSOCK(st.st_mode)) {
    error = path + " exists and is not a socket";
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool live = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) ::close(fd);
  if (live) {
    error = path + " is in use by a running process";
    return false;
  }
  unlink(path.c_str());
  return true;
}

}  // namespace

AdminServer::AdminServer(uv_loop_t* loop, Service& service, Options options)
    : loop_(loop), options_(std::move(options)), api_(service, options_.token) {}

AdminServer::~AdminServer() { stop(); }

std::string AdminServer::describe() const {
  if (!options_.unix_path.empty()) return "unix:" + options_.unix_path;
  const std::string& host = options_.host;
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(options_.port);
}

bool AdminServer::start(std::string& error) {
  if (listener_) {
    error = "admin: already started";
    return false;
  }
  if (options_.unix_path.empty() && options_.token.empty() && !isLoopback(options_.host)) {
    error = "admin: refusing to listen on " + describe() +
            " without a token; off loopback the admin API needs one (admin.token_file)";
    return false;
  }
  listener_ = new Listener;
  listener_->owner = this;
  const bool ok = options_.unix_path.empty() ? listenTcp(error) : listenUnix(error);
  if (!ok) {
    error = "admin: cannot listen on " + describe() + ": " + error;
    closeListener();
  }
  return ok;
}

bool AdminServer::listenTcp(std::string& error) {
  uv_tcp_init(loop_, &listener_->tcp);
  listener_->handle.data = listener_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  const int rc = getaddrinfo(stripBrackets(options_.host).c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || !found) {
    error = std::string("cannot resolve host: ") + gai_strerror(rc);
    return false;
  }
  int status = uv_tcp_bind(&listener_->tcp, found->ai_addr, 0);
  freeaddrinfo(found);
  if (status == 0) status = uv_listen(&listener_->stream, kBacklog, &AdminServer::onConnection);
  if (status != 0) {
    error = uv_strerror(status);
    return false;
  }
  sockaddr_storage bound{};
  int length = sizeof bound;
  uv_tcp_getsockname(&listener_->tcp, reinterpret_cast<sockaddr*>(&bound), &length);
  bound_port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                  : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return true;
}

bool AdminServer::listenUnix(std::string& error) {
  uv_pipe_init(loop_, &listener_->pipe, 0);
  listener_->handle.data = listener_;
  if (options_.unix_path.size() >= sizeof(sockaddr_un::sun_path)) {
    error = "unix socket path too long";
    return false;
  }
  if (!removeStaleSocket(options_.unix_path, error)) return false;
  int status = uv_pipe_bind(&listener_->pipe, options_.unix_path.c_str());
  if (status == 0) {
    unix_bound_ = true;
    status = uv_listen(&listener_->stream, kBacklog, &AdminServer::onConnection);
  }
  if (status != 0) {
    error = uv_strerror(status);
    return false;
  }
  return true;
}

void AdminServer::stop() {
  closeListener();
  // Connections free themselves in their close callbacks; we forget them now.
  for (HttpConnection* connection : connections_) {
    connection->detach();
    connection->close();
  }
  connections_.clear();
}

void AdminServer::closeListener() {
  if (listener_) {
    listener_->owner = nullptr;
    uv_close(&listener_->handle, &AdminServer::onListenerClosed);
    listener_ = nullptr;
  }
  if (unix_bound_) {
    unlink(options_.unix_path.c_str());
    unix_bound_ = false;
  }
  bound_port_ = 0;
}

void AdminServer::onListenerClosed(uv_handle_t* handle) { delete static_cast<Listener*>(handle->data); }

void AdminServer::onConnection(uv_stream_t* server, int status) {
  auto* listener = static_cast<Listener*>(server->data);
  if (status < 0 || !listener->owner) return;  // e.g. EMFILE: the client stays in the backlog
  try {
    listener->owner->accept();
  } catch (...) {
    // Out of memory while accepting: the client is not served; the server keeps running.
  }
}

void AdminServer::accept() {
  const bool is_unix = !options_.unix_path.empty();
  auto* connection = new HttpConnection(loop_, is_unix, options_.limits, api_, this);
  connections_.insert(connection);
  if (uv_accept(&listener_->stream, connection->stream()) != 0) {
    connection->close();
    return;
  }
  if (connections_.size() > options_.limits.max_connections) {
    connection->reject(503, "too many admin connections (limit " +
                                std::to_string(options_.limits.max_connections) + ")");
    return;
  }
  connection->start();
}

void AdminServer::connectionClosed(HttpConnection* connection) { connections_.erase(connection); }

}  // namespace vcproxy::admin
