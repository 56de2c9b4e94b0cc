#include "tests/unit/admin/fake_service.h"

#include <cstdio>
#include <stdexcept>

namespace vcproxy::admin::testing {

FakeService::FakeService(uv_loop_t* loop) : loop_(loop) {
  caches_.push_back(CacheInfo{"bans", "AAAAAAAA", {"misago:bans:*", ":1:bans:*"}, "normal", 12.5});
  caches_.push_back(CacheInfo{"acl", "BBBBBBBB", {"acl:*"}, "normal", 3});
  keys_["memcache"] = {"acl:user:1", "a/b c%&+\xc3\xa9"};
}

FakeService::~FakeService() { closeAll(); }

CacheInfo* FakeService::find(const std::string& name) {
  for (CacheInfo& info : caches_) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::optional<CacheInfo> FakeService::cache(const std::string& name) const {
  for (const CacheInfo& info : caches_) {
    if (info.name == name) return info;
  }
  return std::nullopt;
}

std::string FakeService::nextVersion() {
  char text[16];
  std::snprintf(text, sizeof text, "NEW%05d", ++versions_made_);
  return text;
}

ExplainResult FakeService::explain(const std::string& key) const {
  ExplainResult result;
  result.key = key;
  result.rewritten = key;
  if (key.rfind("vc:", 0) == 0) {
    result.error = "keys starting with \"vc:\" are reserved";
    return result;
  }
  for (const CacheInfo& info : caches_) {
    for (const std::string& pattern : info.patterns) {
      const std::string prefix = pattern.substr(0, pattern.size() - 1);  // patterns end with '*'
      if (key.rfind(prefix, 0) == 0) {
        result.cache = info.name;
        result.rewritten = "vc:" + info.name + ":" + info.version + ":" + key;
        return result;
      }
    }
  }
  return result;
}

void FakeService::invalidate(std::vector<std::string> names, bool all, InvalidateDone done) {
  invalidate_calls_.push_back(names);
  invalidate_all_flags_.push_back(all);
  later([this, names = std::move(names), all, done = std::move(done)] {
    if (store_down_) return done({}, Failure{503, "version store unreachable"});
    std::vector<Invalidation> result;
    for (CacheInfo& info : caches_) {
      bool wanted = all;
      for (const std::string& name : names) wanted = wanted || name == info.name;
      if (!wanted) continue;
      Invalidation one{info.name, nextVersion(), info.version};
      info.version = one.version;
      result.push_back(one);
    }
    done(std::move(result), Failure{});
  });
}

void FakeService::setMode(const std::string& name, const std::string& mode, CacheDone done) {
  later([this, name, mode, done = std::move(done)] {
    if (store_down_) return done(std::nullopt, Failure{503, "version store unreachable"});
    CacheInfo* info = find(name);
    if (!info) return done(std::nullopt, Failure{404, "unknown cache \"" + name + "\""});
    info->mode = mode;
    done(*info, Failure{});
  });
}

void FakeService::deleteKey(const std::string& listener, const std::string& key, DeleteDone done) {
  delete_calls_.emplace_back(listener, key);
  later([this, listener, key, done = std::move(done)] {
    if (store_down_) return done(false, Failure{503, "backend unreachable"});
    auto it = keys_.find(listener);
    if (it == keys_.end()) return done(false, Failure{404, "unknown listener \"" + listener + "\""});
    done(it->second.erase(key) > 0, Failure{});
  });
}

std::vector<CacheInfo> FakeService::caches() const {
  if (throw_) throw std::runtime_error("boom");
  return caches_;
}

void FakeService::reload(ReloadDone done) {
  if (throw_) throw std::runtime_error("reload exploded");
  ++reloads_;
  later([this, done = std::move(done)] { done(reload_errors_); });
}

void FakeService::later(std::function<void()> fire) {
  if (answer_twice_) fire = [once = std::move(fire)] {
    once();
    once();
  };
  if (async_delay_ms_ == 0) {
    ++dones_fired_;
    fire();
    return;
  }
  auto* pending = new Pending{{}, this, std::move(fire)};
  uv_timer_init(loop_, &pending->timer);
  pending->timer.data = pending;
  pending_.insert(pending);
  if (async_delay_ms_ > 0) uv_timer_start(&pending->timer, &FakeService::onTimer, async_delay_ms_, 0);
}

void FakeService::onTimer(uv_timer_t* timer) {
  auto* pending = static_cast<Pending*>(timer->data);
  pending->owner->firePending(pending);
}

void FakeService::firePending(Pending* pending) {
  pending_.erase(pending);
  std::function<void()> fire = std::move(pending->fire);
  uv_close(reinterpret_cast<uv_handle_t*>(&pending->timer), &FakeService::onClosed);
  ++dones_fired_;
  fire();
}

void FakeService::onClosed(uv_handle_t* handle) { delete static_cast<Pending*>(handle->data); }

void FakeService::releaseHeld() {
  const std::set<Pending*> all = pending_;
  for (Pending* pending : all) firePending(pending);
}

void FakeService::closeAll() {
  for (Pending* pending : pending_) {
    uv_timer_stop(&pending->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&pending->timer), &FakeService::onClosed);
  }
  pending_.clear();
}

}  // namespace vcproxy::admin::testing
