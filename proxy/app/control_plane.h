// The control plane: a thread with its own libuv loop running the admin API, the version
// manager and the version store client. The data path never waits for it: it only receives new
// snapshots through the workers' mailboxes.
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "admin/admin_server.h"
#include "config/config.h"
#include "proxy/app/admin_service.h"
#include "proxy/app/proxy_server.h"
#include "proxy/versions/version_manager.h"
#include "proxy/versions/version_store.h"

namespace vcproxy::app {

class ControlPlane {
 public:
  ControlPlane(const config::Config& config, std::string config_path);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Creates the store client and the version manager; false with `error` if the config cannot work.
  bool init(std::string& error);
  // The snapshot workers start with: every versioned key bypassed until versions are loaded.
  std::shared_ptr<const route::Rewriter> initialRewriter() const { return manager_->current(); }
  // Binds the admin port and starts the control thread; every version change goes to `server`.
  bool start(ProxyServer& server, std::string& error);
  void stop();
  // Thread-safe (SIGHUP): reload the config file on the control thread; the outcome is logged.
  void requestReload();
  // On the control thread: re-reads the file; every error, or the old config kept.
  void reload(admin::Service::ReloadDone done);
  // Thread-safe: the running config's shutdown_grace_ms (reloads included).
  uint32_t shutdownGraceMs() const { return shutdown_grace_ms_; }

 private:
  bool storeOptions(versions::StoreOptions& options, bool& redis, std::string& error) const;
  static void onStop(uv_async_t* handle);

  const config::Config& config_;  // as started; listeners and admin never change while running
  config::Config running_;        // the config in force, reloads included
  std::string config_path_;
  std::atomic<uint32_t> shutdown_grace_ms_;
  uv_async_t reload_async_{};
  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  ProxyServer* server_ = nullptr;
  std::unique_ptr<versions::VersionStore> store_;
  std::unique_ptr<versions::VersionManager> manager_;
  std::unique_ptr<AdminService> service_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::thread thread_;
};

}  // namespace vcproxy::app
