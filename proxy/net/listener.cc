#include "proxy/net/listener.h"

#include "proxy/net/mc_client.h"
#include "proxy/net/mc_upstream.h"
#include "proxy/net/redis_client.h"
#include "proxy/net/redis_upstream.h"
#include "proxy/net/worker.h"

namespace vcproxy::net {

Listener::Listener(Worker& worker, const ListenerSpec& spec)
    : worker_(worker), spec_(spec), decoder_(codec::McLimits{spec.max_value_bytes, 64 * 1024}) {
  for (uint32_t i = 0; i < spec_.backend_connections; ++i) {
    if (spec_.protocol == Protocol::kRedis) {
      upstreams_.push_back(std::make_unique<RedisUpstream>(
          worker_.loop(), upstreamOptions(), worker_.scratch(),
          [&worker]() -> const route::Rewriter& { return worker.rewriter(); },
          RedisUpstream::Credentials{spec_.backend_username, spec_.backend_password}));
    } else {
      upstreams_.push_back(std::make_unique<McUpstream>(worker_.loop(), upstreamOptions(), worker_.scratch()));
    }
  }
}

bool Listener::listen(int fd, std::string& error) {
  int rc = 0;
  if (spec_.listen.is_unix) {
    uv_pipe_init(worker_.loop(), &server_.pipe, 0);
    rc = uv_pipe_open(&server_.pipe, fd);
  } else {
    uv_tcp_init(worker_.loop(), &server_.tcp);
    rc = uv_tcp_open(&server_.tcp, fd);
  }
  server_.handle.data = this;
  if (rc == 0) rc = uv_listen(&server_.stream, 1024, &Listener::onConnection);
  if (rc != 0) {
    error = spec_.listen.text + ": listen: " + uv_strerror(rc);
    return false;
  }
  for (auto& upstream : upstreams_) upstream->start();
  return true;
}

void Listener::onConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status != 0) return;
  const bool is_unix = self->spec_.listen.is_unix;
  ClientConn* client = self->spec_.protocol == Protocol::kRedis
                           ? static_cast<ClientConn*>(new RedisClientConn(*self, is_unix))
                           : new McClientConn(*self, is_unix);
  self->counters_.accepted.add();
  if (uv_accept(server, client->io().stream()) != 0) {
    client->close();
    return;
  }
  if (!self->spec_.listen.is_unix) uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(client->io().stream()), 1);
  client->start();
}

UpstreamOptions Listener::upstreamOptions() const {
  return {spec_.backends.front(), spec_.timeout_ms, spec_.connect_timeout_ms};
}

Upstream* Listener::pickUpstream() {
  // One backend for now: spread requests over this worker's connections to it.
  Upstream* upstream = upstreams_[next_upstream_].get();
  next_upstream_ = (next_upstream_ + 1) % upstreams_.size();
  return upstream;
}

void Listener::flushUpstreams() {
  for (auto& upstream : upstreams_) upstream->flush();
}

void Listener::stopAccepting() {
  if (server_.handle.loop != nullptr && !uv_is_closing(&server_.handle)) uv_close(&server_.handle, nullptr);
}

void Listener::shutdown() {
  stopAccepting();
  for (auto& upstream : upstreams_) upstream->shutdown();
}

}  // namespace vcproxy::net
