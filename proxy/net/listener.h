// One listener inside one worker: its listening socket and the worker's upstream connections to
// the listener's backends; it makes a client connection of the listener's protocol per accept.
// Several backends make a pool: keys are placed by ketama over the backends that are in, and each
// backend's failures are counted (per worker) to refuse or eject it (see pool/pool_state.h).
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/codec/mc_request.h"
#include "proxy/net/listener_spec.h"
#include "proxy/net/upstream.h"
#include "proxy/net/metrics.h"

namespace vcproxy::net {

class RedisCluster;
class Worker;

class Listener {
 public:
  Listener(Worker& worker, const ListenerSpec& spec);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Adopts a bound, listening socket and starts accepting on this worker's loop.
  bool listen(int fd, std::string& error);
  void stopAccepting();
  void shutdown();

  Worker& worker() { return worker_; }
  const ListenerSpec& spec() const { return spec_; }
  const codec::McRequestDecoder& decoder() const { return decoder_; }
  // A connection to the first backend (Redis has exactly one).
  Upstream* pickUpstream() { return upstreams_[nextConnection(0)].get(); }
  // Options for one more connection to the first backend (a client's own, for Redis state).
  UpstreamOptions upstreamOptions() const { return optionsFor(0); }

  size_t serverCount() const { return spec_.backends.size(); }
  // The backend of a rewritten key; pool::kNoServer when every backend is ejected.
  uint32_t serverFor(std::string_view key);
  // A connection to `server` that takes requests now; null when the backend is down or backing
  // off, with `error` set to why ("backend 10.0.0.2:11211 connect: connection refused").
  Upstream* upstreamFor(uint32_t server, std::string& error);
  bool ejected(uint32_t server) const { return pool_.ejected(server); }
  // The first backend that is neither ejected nor down (for version, stats, mn); 0 if none is.
  uint32_t firstUpServer() const;
  // Where a key lives with every backend in (the version store's placement).
  uint32_t homeOf(std::string_view key) const { return pool_.homeOf(key); }

  ListenerCounters& counters() { return counters_; }
  // A client of this listener has gone: its connection slot is free again.
  void releaseSlot() {
    if (spec_.slots) spec_.slots->release();
  }
  // Every connection of every backend (backend i owns [i * n, i * n + n), n = backend_connections).
  const std::vector<std::unique_ptr<Upstream>>& upstreams() const { return upstreams_; }
  // Set for a Redis Cluster listener (upstreams() then holds the seed nodes' connections).
  RedisCluster* cluster() { return cluster_.get(); }
  const RedisCluster* cluster() const { return cluster_.get(); }
  void flushUpstreams();

 private:
  static void onConnection(uv_stream_t* server, int status);
  UpstreamOptions optionsFor(uint32_t server) const;
  size_t nextConnection(uint32_t server);
  void onUpstreamEvent(uint32_t server, UpstreamEvent event);
  void publishEjections();
  void refuse(uv_stream_t* server);

  Worker& worker_;
  ListenerSpec spec_;
  codec::McRequestDecoder decoder_;
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } server_{};
  uv_loop_t* worker_loop_;
  pool::PoolState pool_;  // before the connections: their observers use it until they are gone
  std::vector<uint32_t> next_connection_;  // per backend, round robin over its connections
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  uint64_t published_generation_ = 0;  // the pool generation the `ejected` gauges show
  std::unique_ptr<RedisCluster> cluster_;
  ListenerCounters counters_;
};

}  // namespace vcproxy::net
