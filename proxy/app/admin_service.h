// The admin API's view of this sidecar: versions from the VersionManager, counters from the
// data path, one-shot requests to backends. Runs on the control loop's thread.
#pragma once

#include <uv.h>

#include <string>

#include "admin/service.h"
#include "config/config.h"
#include "proxy/app/proxy_server.h"
#include "proxy/versions/version_manager.h"
#include "proxy/versions/version_store.h"

namespace vcproxy::app {

class AdminService final : public admin::Service {
 public:
  using Reload = std::function<void(ReloadDone)>;
  AdminService(uv_loop_t* loop, const config::Config& config, versions::VersionManager& manager,
               const versions::VersionStore& store, const ProxyServer& server, Reload reload);

  std::vector<admin::CacheInfo> caches() const override;
  std::optional<admin::CacheInfo> cache(const std::string& name) const override;
  admin::ExplainResult explain(const std::string& key) const override;
  void invalidate(std::vector<std::string> names, bool all, InvalidateDone done) override;
  void setMode(const std::string& name, const std::string& mode, CacheDone done) override;
  void deleteKey(const std::string& listener, const std::string& key, DeleteDone done) override;
  void reload(ReloadDone done) override;
  admin::Health liveness() const override;
  admin::Health readiness() const override;
  std::string metrics() const override;

 private:
  void whenApplied(std::function<void()> then);

  uv_loop_t* loop_;
  const config::Config& config_;
  versions::VersionManager& manager_;
  const versions::VersionStore& store_;
  const ProxyServer& server_;
  Reload reload_;
};

}  // namespace vcproxy::app
