#include "proxy/app/config_diff.h"

namespace vcproxy::app {
namespace {

std::vector<std::string> texts(const std::vector<config::Endpoint>& endpoints) {
  std::vector<std::string> out;
  for (const auto& endpoint : endpoints) out.push_back(endpoint.text + "*" + std::to_string(endpoint.weight));
  return out;
}

std::string secretOf(const std::optional<config::Secret>& secret) { return secret ? secret->value : std::string(); }

bool sameAuth(const config::Listener& a, const config::Listener& b) {
  const auto& x = a.backend_auth;
  const auto& y = b.backend_auth;
  const bool same_backend = x.has_value() == y.has_value() &&
                            (!x || (x->username == y->username && x->password.value == y->password.value));
  return same_backend && secretOf(a.password) == secretOf(b.password);
}

bool sameListener(const config::Listener& a, const config::Listener& b) {
  return a.name == b.name && a.protocol == b.protocol && a.listen.text == b.listen.text &&
         texts(a.backends) == texts(b.backends) && a.timeout_ms == b.timeout_ms &&
         a.connect_timeout_ms == b.connect_timeout_ms && a.max_value_bytes == b.max_value_bytes &&
         a.backend_connections == b.backend_connections && a.server_failure_limit == b.server_failure_limit &&
         a.auto_eject_hosts == b.auto_eject_hosts && a.server_retry_timeout_ms == b.server_retry_timeout_ms &&
         sameAuth(a, b) && a.cluster == b.cluster && a.read_from_replicas == b.read_from_replicas &&
         a.max_client_connections == b.max_client_connections &&
         a.client_idle_timeout_ms == b.client_idle_timeout_ms &&
         a.client_request_timeout_ms == b.client_request_timeout_ms &&
         a.client_write_timeout_ms == b.client_write_timeout_ms &&
         a.client_max_pending_replies == b.client_max_pending_replies &&
         a.client_max_pending_bytes == b.client_max_pending_bytes;
}

}  // namespace

std::vector<std::string> restartOnlyChanges(const config::Config& running, const config::Config& next) {
  std::vector<std::string> changes;
  const auto needs_restart = [&changes](const std::string& what) {
    changes.push_back(what + " changed: restart vcproxy to apply it; the running config stays");
  };
  if (running.namespace_name != next.namespace_name) needs_restart("namespace");
  if (running.workers != next.workers) needs_restart("workers");
  bool listeners_same = running.listeners.size() == next.listeners.size();
  for (size_t i = 0; listeners_same && i < running.listeners.size(); ++i) {
    listeners_same = sameListener(running.listeners[i], next.listeners[i]);
  }
  if (!listeners_same) needs_restart("listeners");
  if (running.admin.listen.text != next.admin.listen.text || running.admin.token_file != next.admin.token_file) {
    needs_restart("admin");
  }
  if (running.version_store.url != next.version_store.url) needs_restart("version_store.url");
  return changes;
}

}  // namespace vcproxy::app
