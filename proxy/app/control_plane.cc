#include "proxy/app/control_plane.h"

#include "admin/auth.h"
#include "config/loader.h"
#include "proxy/app/config_diff.h"
#include "proxy/log/log.h"

namespace vcproxy::app {

ControlPlane::ControlPlane(const config::Config& config, std::string config_path)
    : config_(config), running_(config), config_path_(std::move(config_path)),
      shutdown_grace_ms_(config.shutdown_grace_ms) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_async_, &ControlPlane::onStop);
  stop_async_.data = this;
  uv_async_init(&loop_, &reload_async_, [](uv_async_t* handle) {
    static_cast<ControlPlane*>(handle->data)->reload([](std::vector<std::string> errors) {
      if (errors.empty()) log::info("reload: config applied");
      for (const auto& error : errors) log::error("reload refused: " + error);
    });
  });
  reload_async_.data = this;
}

void ControlPlane::requestReload() { uv_async_send(&reload_async_); }

void ControlPlane::reload(admin::Service::ReloadDone done) {
  const auto loaded = config::loadFile(config_path_);
  std::vector<std::string> errors;
  for (const auto& error : loaded.errors) errors.push_back(error.toString());
  if (errors.empty()) errors = restartOnlyChanges(running_, *loaded.config);
  if (!errors.empty()) return done(std::move(errors));
  running_ = *loaded.config;
  shutdown_grace_ms_ = running_.shutdown_grace_ms;
  std::vector<versions::ManagedCache> caches;
  for (const auto& cache : running_.caches) caches.push_back({cache.name, cache.patterns});
  manager_->reconfigure(std::move(caches), running_.version_store.refresh_interval_ms,
                        running_.version_store.max_staleness_ms);
  done({});
}

ControlPlane::~ControlPlane() {
  stop();
  if (!thread_.joinable() && !uv_is_closing(reinterpret_cast<uv_handle_t*>(&stop_async_))) {
    onStop(&stop_async_);  // never started: release the handles here
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop_);
}

// The store is `version_store.url`, or by default the first listener's first backend.
bool ControlPlane::storeOptions(versions::StoreOptions& options, bool& redis, std::string& error) const {
  const config::VersionStore& store = config_.version_store;
  const bool from_url = !store.url.empty();
  const config::Endpoint& endpoint = from_url ? store.endpoint : config_.listeners.front().backends.front();
  redis = from_url ? store.protocol == config::Protocol::kRedis
                   : config_.listeners.front().protocol == config::Protocol::kRedis;
  if (endpoint.is_unix) {
    error = "version store " + endpoint.text + ": unix sockets are not supported; set version_store.url";
    return false;
  }
  options.host = endpoint.host;
  options.port = endpoint.port;
  options.weight = endpoint.weight;
  options.db = static_cast<int>(store.db);
  // The default memcached store is the first listener's pool: every backend, same placement.
  const auto& backends = config_.listeners.front().backends;
  for (size_t i = 1; !from_url && !redis && i < backends.size(); ++i) {
    if (backends[i].is_unix) {
      error = "version store " + backends[i].text + ": unix sockets are not supported; set version_store.url";
      return false;
    }
    options.more_servers.push_back({backends[i].host, backends[i].port, backends[i].weight});
  }
  options.name_space = config_.namespace_name;
  // The default store is the first listener's backend: it takes that listener's credentials.
  const auto& auth = config_.listeners.front().backend_auth;
  if (!from_url && auth) {
    options.username = auth->username;
    options.password = auth->password.value;
  }
  return true;
}

bool ControlPlane::init(std::string& error) {
  versions::StoreOptions options;
  bool redis = false;
  if (!storeOptions(options, redis, error)) return false;
  store_ = redis ? versions::makeRedisStore(&loop_, options) : versions::makeMemcacheStore(&loop_, options);
  versions::ManagerOptions manager_options;
  manager_options.name_space = config_.namespace_name;
  for (const auto& cache : config_.caches) manager_options.caches.push_back({cache.name, cache.patterns});
  manager_options.refresh_interval_ms = config_.version_store.refresh_interval_ms;
  manager_options.max_staleness_ms = config_.version_store.max_staleness_ms;
  manager_ = std::make_unique<versions::VersionManager>(&loop_, *store_, std::move(manager_options),
                                                        [this](std::shared_ptr<const route::Rewriter> rewriter) {
                                                          if (server_ != nullptr) server_->publish(rewriter);
                                                        });
  return true;
}

bool ControlPlane::start(ProxyServer& server, std::string& error) {
  server_ = &server;
  admin::AdminServer::Options options;
  const config::Endpoint& listen = config_.admin.listen;
  if (listen.is_unix) options.unix_path = listen.path;
  options.host = listen.host;
  options.port = listen.port;
  if (!config_.admin.token_file.empty() && !admin::readTokenFile(config_.admin.token_file, options.token, error)) {
    error = "admin.token_file: " + error;
    return false;
  }
  log::addSecret(options.token);  // whatever a message quotes later, the token is never logged
  service_ = std::make_unique<AdminService>(&loop_, config_, *manager_, *store_, server,
                                            [this](admin::Service::ReloadDone done) { reload(std::move(done)); });
  admin_ = std::make_unique<admin::AdminServer>(&loop_, *service_, std::move(options));
  if (!admin_->start(error)) return false;
  manager_->start();
  log::info("admin API on " + listen.text + "; versions from " + store_->describe());
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  return true;
}

void ControlPlane::stop() {
  if (!thread_.joinable()) return;
  uv_async_send(&stop_async_);
  thread_.join();
}

// On the control thread: close the admin port, stop polling, close the store, then the loop ends.
void ControlPlane::onStop(uv_async_t* handle) {
  auto* self = static_cast<ControlPlane*>(handle->data);
  if (self->admin_) self->admin_->stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->reload_async_), nullptr);
  if (!self->manager_) return;
  self->manager_->stop([self] {
    self->store_->close([] {});
  });
}

}  // namespace vcproxy::app
