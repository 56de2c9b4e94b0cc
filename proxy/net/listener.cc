#include "proxy/net/listener.h"

#include "proxy/net/mc_client.h"
#include "proxy/net/mc_upstream.h"
#include "proxy/net/redis_client.h"
#include "proxy/net/redis_cluster.h"
#include "proxy/net/redis_upstream.h"
#include "proxy/net/worker.h"

namespace vcproxy::net {
namespace {

// A connection over max_client_connections: told why, in its protocol, then closed. It is never
// read, and its few bytes always fit the socket buffer, so it closes at once.
class RefusedClient {
 public:
  RefusedClient(uv_loop_t* loop, bool is_unix)
      : io_(loop, is_unix, {[] {}, [this](int) { io_.close(); }, [this] { delete this; }, {}}) {}
  StreamIo& io() { return io_; }

 private:
  StreamIo io_;
};

// The servers' own words: memcached's when it runs out of connections, Redis' for maxclients.
constexpr std::string_view kMemcacheRefusal = "SERVER_ERROR too many connections\r\n";
constexpr std::string_view kRedisRefusal = "-ERR max number of clients reached\r\n";

}  // namespace

namespace {

std::vector<pool::PoolMember> poolMembers(const ListenerSpec& spec) {
  std::vector<pool::PoolMember> members;
  for (size_t i = 0; i < spec.backends.size(); ++i) {
    const Address& address = spec.backends[i];
    const uint32_t weight = i < spec.weights.size() ? spec.weights[i] : 1;
    members.push_back({address.is_unix ? address.path : address.host, address.is_unix ? uint16_t{0} : address.port, weight});
  }
  return members;
}

}  // namespace

Listener::Listener(Worker& worker, const ListenerSpec& spec)
    : worker_(worker),
      spec_(spec),
      decoder_(codec::McLimits{spec.max_value_bytes, 64 * 1024}),
      worker_loop_(worker.loop()),
      pool_(poolMembers(spec), spec.eject),
      next_connection_(spec.backends.size()) {
  if (spec_.cluster) {
    cluster_ = std::make_unique<RedisCluster>(worker_, spec_, upstreams_);
    return;
  }
  for (uint32_t server = 0; server < spec_.backends.size(); ++server) {
    for (uint32_t i = 0; i < spec_.backend_connections; ++i) {
      std::unique_ptr<Upstream> upstream;
      if (spec_.protocol == Protocol::kRedis) {
        upstream = std::make_unique<RedisUpstream>(
            worker_.loop(), optionsFor(server), worker_.scratch(),
            [&worker]() -> const route::Rewriter& { return worker.rewriter(); },
            RedisUpstream::Credentials{spec_.backend_username, spec_.backend_password});
      } else {
        // No scratch buffer: replies are read into the connection's own buffer, so large values
        // can be sent to clients from there (see McUpstream::deliver).
        upstream = std::make_unique<McUpstream>(worker_.loop(), optionsFor(server), std::span<char>{}, worker_);
      }
      upstream->setObserver([this, server](UpstreamEvent event) { onUpstreamEvent(server, event); });
      upstreams_.push_back(std::move(upstream));
    }
  }
}

Listener::~Listener() = default;

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
  if (cluster_) cluster_->start();
  return true;
}

void Listener::onConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status != 0) return;
  if (self->spec_.slots && !self->spec_.slots->tryAcquire()) return self->refuse(server);
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

void Listener::refuse(uv_stream_t* server) {
  counters_.refused.add();
  auto* client = new RefusedClient(worker_.loop(), spec_.listen.is_unix);
  if (uv_accept(server, client->io().stream()) != 0) return client->io().close();
  client->io().output() = spec_.protocol == Protocol::kRedis ? kRedisRefusal : kMemcacheRefusal;
  client->io().closeAfterFlush();
}

UpstreamOptions Listener::optionsFor(uint32_t server) const {
  return {spec_.backends[server], spec_.timeout_ms, spec_.connect_timeout_ms};
}

size_t Listener::nextConnection(uint32_t server) {
  const uint32_t n = spec_.backend_connections;
  const size_t index = server * n + next_connection_[server];
  next_connection_[server] = (next_connection_[server] + 1) % n;
  return index;
}

Upstream* Listener::upstreamFor(uint32_t server, std::string& error) {
  if (server == pool::kNoServer) {
    error = "no backend of the pool is in: every one is ejected after failures";
    return nullptr;
  }
  Upstream* upstream = upstreams_[nextConnection(server)].get();
  // A down backend (server_failure_limit failures in a row) is refused at once until a
  // connection to it succeeds again, rather than each request waiting for its own failure.
  if (!upstream->available() || (pool_.down(server) && !upstream->connected())) {
    upstream->counters().errors.add();
    error = upstream->lastError().empty() ? "backend " + spec_.backends[server].text + " is down" : upstream->lastError();
    return nullptr;
  }
  return upstream;
}

uint32_t Listener::serverFor(std::string_view key) {
  const uint32_t server = pool_.serverFor(key, uv_now(worker_loop_));
  if (pool_.generation() != published_generation_) publishEjections();
  return server;
}

uint32_t Listener::firstUpServer() const {
  for (uint32_t server = 0; server < spec_.backends.size(); ++server) {
    if (!pool_.ejected(server) && !pool_.down(server)) return server;
  }
  return 0;
}

void Listener::onUpstreamEvent(uint32_t server, UpstreamEvent event) {
  switch (event) {
    case UpstreamEvent::kConnected: pool_.onConnected(server, uv_now(worker_loop_)); break;
    case UpstreamEvent::kReplied: pool_.onReply(server); break;
    case UpstreamEvent::kFailed: pool_.onFailure(server, uv_now(worker_loop_)); break;
  }
  if (pool_.generation() != published_generation_) publishEjections();
}

void Listener::publishEjections() {
  published_generation_ = pool_.generation();
  const uint32_t n = spec_.backend_connections;
  for (uint32_t server = 0; server < spec_.backends.size(); ++server) {
    for (uint32_t i = 0; i < n; ++i) upstreams_[server * n + i]->counters().ejected.set(pool_.ejected(server) ? 1 : 0);
  }
}

void Listener::flushUpstreams() {
  for (auto& upstream : upstreams_) upstream->flush();
  if (cluster_) cluster_->flush();
}

void Listener::stopAccepting() {
  if (server_.handle.loop != nullptr && !uv_is_closing(&server_.handle)) uv_close(&server_.handle, nullptr);
}

void Listener::shutdown() {
  stopAccepting();
  if (cluster_) cluster_->shutdown();  // first: requests failed by the shutdown are not resent
  for (auto& upstream : upstreams_) upstream->shutdown();
}

}  // namespace vcproxy::net
