#include "proxy/app/proxy_server.h"

#include <unistd.h>

#include <thread>

#include "config/endpoint.h"
#include "proxy/log/log.h"
#include "proxy/net/address.h"

namespace vcproxy::app {
namespace {

net::Address toAddress(const config::Endpoint& endpoint) {
  return {endpoint.is_unix, endpoint.host, endpoint.port, endpoint.path, endpoint.text};
}

// Whether the listener's backends are where the memcached version store lives (by default, the
// first listener's backends, a pool included; a store URL names one server, which only counts
// when it is the listener's only backend).
bool holdsVersions(const config::Config& config, const config::Listener& listener) {
  const config::VersionStore& store = config.version_store;
  if (listener.cluster) return false;  // config refuses a store on a cluster
  if (store.url.empty()) return &listener == &config.listeners.front();
  return store.protocol == listener.protocol && store.db == 0 && listener.backends.size() == 1 &&
         config::sameAddress(store.endpoint, listener.backends.front());
}

net::ListenerSpec toSpec(const config::Config& config, const config::Listener& listener) {
  net::ListenerSpec spec;
  spec.name = listener.name;
  spec.protocol = listener.protocol == config::Protocol::kRedis ? net::Protocol::kRedis : net::Protocol::kMemcache;
  spec.listen = toAddress(listener.listen);
  for (const auto& backend : listener.backends) {
    spec.backends.push_back(toAddress(backend));
    spec.weights.push_back(backend.weight);
  }
  spec.eject = {listener.server_failure_limit, listener.auto_eject_hosts, listener.server_retry_timeout_ms};
  spec.timeout_ms = listener.timeout_ms;
  spec.connect_timeout_ms = listener.connect_timeout_ms;
  spec.max_value_bytes = listener.max_value_bytes;
  spec.backend_connections = listener.backend_connections;
  spec.backend_holds_versions = holdsVersions(config, listener);
  if (listener.password) spec.client_password = listener.password->value;
  if (listener.backend_auth) {
    spec.backend_username = listener.backend_auth->username;
    spec.backend_password = listener.backend_auth->password.value;
  }
  spec.cluster = listener.cluster;
  spec.read_from_replicas = listener.read_from_replicas;
  spec.limits = {listener.max_client_connections,  listener.client_idle_timeout_ms,
                 listener.client_request_timeout_ms, listener.client_write_timeout_ms,
                 listener.client_max_pending_replies, listener.client_max_pending_bytes};
  spec.slots = std::make_shared<net::ConnectionSlots>(listener.max_client_connections);
  return spec;
}

unsigned workerCount(const config::Config& config) {
  if (config.workers > 0) return config.workers;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

}  // namespace

ProxyServer::ProxyServer(const config::Config& config, std::shared_ptr<const route::Rewriter> rewriter)
    : config_(config), rewriter_(std::move(rewriter)) {}

ProxyServer::~ProxyServer() { stop(); }

bool ProxyServer::start(std::string& error) {
  const unsigned count = workerCount(config_);
  for (unsigned i = 0; i < count; ++i) workers_.push_back(std::make_unique<net::Worker>(i, rewriter_));
  for (const auto& listener : config_.listeners) {
    if (listener.backends.size() > 1 && listener.protocol == config::Protocol::kRedis &&
        !listener.cluster) {
      error = "listener " + listener.name + ": a redis listener takes one backend";
      return false;
    }
    const net::ListenerSpec spec = toSpec(config_, listener);
    log::addSecret(spec.client_password);  // whatever a message quotes later, never logged
    log::addSecret(spec.backend_password);
    // TCP: one SO_REUSEPORT socket per worker. Unix: one socket, shared by every worker.
    const int shared_fd = spec.listen.is_unix ? net::openListenSocket(spec.listen, error) : -1;
    if (spec.listen.is_unix && shared_fd < 0) return false;
    for (auto& worker : workers_) {
      const int fd = spec.listen.is_unix ? dup(shared_fd) : net::openListenSocket(spec.listen, error);
      if (fd < 0 || !worker->addListener(spec, fd, error)) {
        if (shared_fd >= 0) close(shared_fd);
        return false;
      }
    }
    if (shared_fd >= 0) close(shared_fd);
    const char* protocol = spec.protocol == net::Protocol::kRedis ? "redis" : "memcache";
    std::string backends;
    for (size_t i = 0; i < spec.backends.size(); ++i) {
      backends += (i > 0 ? ", " : "") + spec.backends[i].text;
      if (spec.weights[i] != 1) backends += " (weight " + std::to_string(spec.weights[i]) + ")";
    }
    const char* placement = spec.backends.size() > 1 ? " (ketama pool)" : "";
    log::info("listener " + spec.name + " (" + protocol + ") on " + spec.listen.text + " -> " + backends + placement,
              {{"listener", spec.name},
               {"protocol", protocol},
               {"listen", spec.listen.text},
               {"backends", backends},
               {"max_client_connections", std::to_string(spec.limits.max_connections)}});
  }
  for (auto& worker : workers_) worker->start();
  log::info("started " + std::to_string(count) + " worker(s)", {{"workers", std::to_string(count)}});
  return true;
}

void ProxyServer::beginDrain(uint64_t grace_ms) {
  draining_ = true;
  for (auto& worker : workers_) worker->requestDrain(grace_ms);
}

bool ProxyServer::applied(const route::Rewriter* rewriter) const {
  for (const auto& worker : workers_) {
    if (!worker->finished() && worker->applied() != rewriter) return false;
  }
  return true;
}

bool ProxyServer::drained() const {
  for (const auto& worker : workers_) {
    if (!worker->finished()) return false;
  }
  return true;
}

void ProxyServer::publish(const std::shared_ptr<const route::Rewriter>& rewriter) {
  for (auto& worker : workers_) worker->publish(rewriter);
}

void ProxyServer::stop() {
  for (auto& worker : workers_) worker->requestStop();
  for (auto& worker : workers_) worker->join();
  workers_.clear();
}

}  // namespace vcproxy::app
