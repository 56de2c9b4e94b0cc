// One listener inside one worker: its listening socket and the worker's upstream connections to
// the listener's backend; it makes a client connection of the listener's protocol per accept.
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

class Worker;

class Listener {
 public:
  Listener(Worker& worker, const ListenerSpec& spec);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Adopts a bound, listening socket and starts accepting on this worker's loop.
  bool listen(int fd, std::string& error);
  void stopAccepting();
  void shutdown();

  Worker& worker() { return worker_; }
  const ListenerSpec& spec() const { return spec_; }
  const codec::McRequestDecoder& decoder() const { return decoder_; }
  Upstream* pickUpstream();
  // Options for one more connection to the backend (a client's own, for Redis state).
  UpstreamOptions upstreamOptions() const;
  ListenerCounters& counters() { return counters_; }
  const std::vector<std::unique_ptr<Upstream>>& upstreams() const { return upstreams_; }
  void flushUpstreams();

 private:
  static void onConnection(uv_stream_t* server, int status);

  Worker& worker_;
  ListenerSpec spec_;
  codec::McRequestDecoder decoder_;
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } server_{};
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  size_t next_upstream_ = 0;
  ListenerCounters counters_;
};

}  // namespace vcproxy::net
