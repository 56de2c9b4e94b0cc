#include "proxy/net/mc_listener.h"

#include "proxy/net/mc_client.h"
#include "proxy/net/worker.h"

namespace vcproxy::net {

McListener::McListener(Worker& worker, const ListenerSpec& spec)
    : worker_(worker), spec_(spec), decoder_(codec::McLimits{spec.max_value_bytes, 64 * 1024}) {
  for (const Address& backend : spec_.backends) {
    for (uint32_t i = 0; i < spec_.backend_connections; ++i) {
      UpstreamOptions options{backend, spec_.timeout_ms, spec_.connect_timeout_ms};
      upstreams_.push_back(std::make_unique<McUpstream>(worker_.loop(), options, worker_.scratch()));
    }
  }
}

bool McListener::listen(int fd, std::string& error) {
  int rc = 0;
  if (spec_.listen.is_unix) {
    uv_pipe_init(worker_.loop(), &server_.pipe, 0);
    rc = uv_pipe_open(&server_.pipe, fd);
  } else {
    uv_tcp_init(worker_.loop(), &server_.tcp);
    rc = uv_tcp_open(&server_.tcp, fd);
  }
  server_.handle.data = this;
  if (rc == 0) rc = uv_listen(&server_.stream, 1024, &McListener::onConnection);
  if (rc != 0) {
    error = spec_.listen.text + ": listen: " + uv_strerror(rc);
    return false;
  }
  for (auto& upstream : upstreams_) upstream->start();
  return true;
}

void McListener::onConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<McListener*>(server->data);
  if (status != 0) return;
  auto* client = new McClientConn(*self, self->spec_.listen.is_unix);
  self->counters_.accepted.add();
  if (uv_accept(server, client->io().stream()) != 0) {
    client->close();
    return;
  }
  if (!self->spec_.listen.is_unix) uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(client->io().stream()), 1);
  client->start();
}

McUpstream* McListener::pickUpstream() {
  // One backend for now: spread requests over this worker's connections to it.
  McUpstream* upstream = upstreams_[next_upstream_].get();
  next_upstream_ = (next_upstream_ + 1) % upstreams_.size();
  return upstream;
}

void McListener::flushUpstreams() {
  for (auto& upstream : upstreams_) upstream->flush();
}

void McListener::shutdown() {
  if (server_.handle.loop != nullptr) uv_close(&server_.handle, nullptr);
  for (auto& upstream : upstreams_) upstream->shutdown();
}

}  // namespace vcproxy::net
