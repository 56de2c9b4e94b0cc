#include "proxy/app/control_plane.h"

#include "admin/auth.h"
#include "proxy/log/log.h"

namespace vcproxy::app {

ControlPlane::ControlPlane(const config::Config& config) : config_(config) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_async_, &ControlPlane::onStop);
  stop_async_.data = this;
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
  options.db = static_cast<int>(store.db);
  options.name_space = config_.namespace_name;
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
  service_ = std::make_unique<AdminService>(&loop_, config_, *manager_, *store_, server);
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
  if (!self->manager_) return;
  self->manager_->stop([self] {
    self->store_->close([] {});
  });
}

}  // namespace vcproxy::app
