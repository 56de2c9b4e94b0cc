// A Service for the HTTP layer's tests: a few caches in memory, answers through `done` after a
// uv timer (or held until released), failures on demand. Loop thread only.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "admin/service.h"

namespace vcproxy::admin::testing {

class FakeService : public Service {
 public:
  static constexpr int kHold = -1;  // async_delay_ms: answer only on releaseHeld()

  explicit FakeService(uv_loop_t* loop);
  ~FakeService() override;

  // Configuration, set before the server starts or on the loop thread.
  std::vector<CacheInfo> caches_;                                   // "bans" and "acl" at first
  std::map<std::string, std::set<std::string>> keys_;               // listener → keys present
  int async_delay_ms_ = 1;                                          // 0: `done` before returning
  bool store_down_ = false;                                         // async calls fail with 503
  std::vector<std::string> reload_errors_;
  bool answer_twice_ = false;                                       // a buggy Service: `done` twice
  bool throw_ = false;                                              // caches() and reload() throw
  Health liveness_;
  Health readiness_;
  std::string metrics_ = "# TYPE vcproxy_hits_total counter\nvcproxy_hits_total{cache=\"bans\"} 3\n";

  // What the server asked.
  std::vector<std::vector<std::string>> invalidate_calls_;
  std::vector<bool> invalidate_all_flags_;
  std::vector<std::pair<std::string, std::string>> delete_calls_;
  int reloads_ = 0;
  int dones_fired_ = 0;   // completions delivered (including to clients that left)
  size_t held() const { return pending_.size(); }

  // Delivers every held completion now.
  void releaseHeld();
  // Drops pending completions without calling them and closes their timers (before stopping the loop).
  void closeAll();

  std::vector<CacheInfo> caches() const override;
  std::optional<CacheInfo> cache(const std::string& name) const override;
  ExplainResult explain(const std::string& key) const override;
  void invalidate(std::vector<std::string> names, bool all, InvalidateDone done) override;
  void setMode(const std::string& name, const std::string& mode, CacheDone done) override;
  void deleteKey(const std::string& listener, const std::string& key, DeleteDone done) override;
  void reload(ReloadDone done) override;
  Health liveness() const override { return liveness_; }
  Health readiness() const override { return readiness_; }
  std::string metrics() const override { return metrics_; }

 private:
  struct Pending {
    uv_timer_t timer;
    FakeService* owner;
    std::function<void()> fire;
  };
  void later(std::function<void()> fire);
  void firePending(Pending* pending);
  static void onTimer(uv_timer_t* timer);
  static void onClosed(uv_handle_t* handle);
  CacheInfo* find(const std::string& name);
  std::string nextVersion();

  uv_loop_t* loop_;
  std::set<Pending*> pending_;
  int versions_made_ = 0;
};

}  // namespace vcproxy::admin::testing
