#include "proxy/versions/version_manager.h"

#include "proxy/route/version.h"

namespace vcproxy::versions {
namespace {
// Stands in for a version not loaded yet; its keys are never used (the cache is bypassed).
constexpr std::string_view kPlaceholderVersion = "00000000";
}  // namespace

VersionManager::VersionManager(uv_loop_t* loop, VersionStore& store, ManagerOptions options, Publish publish)
    : loop_(loop), store_(store), options_(std::move(options)), publish_(std::move(publish)) {
  std::vector<std::vector<std::string>> patterns;
  for (const auto& cache : options_.caches) patterns.push_back(cache.patterns);
  matcher_ = std::make_shared<const route::Matcher>(patterns);
  entries_.resize(options_.caches.size());
  for (Entry& entry : entries_) entry.stats_slot = next_stats_slot_++;
  reindex();
  uv_timer_init(loop_, &poll_timer_);
  poll_timer_.data = this;
  publishSnapshot();  // nothing versioned is served before the first load
}

void VersionManager::start() {
  store_.subscribe([this] { refresh(); });
  refresh();
  uv_timer_start(&poll_timer_, [](uv_timer_t* t) { static_cast<VersionManager*>(t->data)->refresh(); },
                 options_.refresh_interval_ms, options_.refresh_interval_ms);
}

void VersionManager::stop(std::function<void()> done) {
  stopped_ = true;
  uv_timer_stop(&poll_timer_);
  poll_timer_.data = new std::function<void()>(std::move(done));
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_timer_), [](uv_handle_t* h) {
    auto* callback = static_cast<std::function<void()>*>(h->data);
    (*callback)();
    delete callback;
  });
}

void VersionManager::refresh() {
  if (stopped_) return;
  if (fetching_) {
    refetch_ = true;
    return;
  }
  fetching_ = true;
  std::vector<std::string> names;
  for (const auto& cache : options_.caches) names.push_back(cache.name);
  const uint64_t writes_before = writes_started_;
  store_.fetch(names, [this, writes_before](VersionMap versions, std::string error) {
    fetching_ = false;
    if (!error.empty()) {
      markUnreachable(error);
      return;
    }
    // An answer read before one of our writes may predate it: take the next one instead.
    if (writes_before != writes_started_) refetch_ = true;
    else apply(versions);
    if (refetch_) {
      refetch_ = false;
      refresh();
    }
  });
}

void VersionManager::apply(const VersionMap& versions) {
  const uint64_t now = uv_now(loop_);
  bool changed = !loaded_ || degraded_;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto it = versions.find(options_.caches[i].name);
    if (it == versions.end() || !route::isValidVersion(it->second.version)) {
      markUnreachable("the store has no valid version for cache " + options_.caches[i].name);
      return;
    }
    Entry& entry = entries_[i];
    if (entry.stored.version != it->second.version) {
      entry.stored.version = it->second.version;
      entry.seen_at_ms = now;
      changed = true;
    }
    const std::string mode = it->second.mode.empty() ? "normal" : it->second.mode;
    changed = changed || entry.stored.mode != mode;
    entry.stored.mode = mode;
  }
  last_answer_ms_ = now;
  store_error_.clear();
  loaded_ = true;
  degraded_ = false;
  if (changed) publishSnapshot();
}

void VersionManager::markUnreachable(const std::string& error) {
  store_error_ = error;
  const bool too_long = uv_now(loop_) - last_answer_ms_ > options_.max_staleness_ms;
  if (loaded_ && !degraded_ && too_long) {
    degraded_ = true;  // another sidecar may have invalidated meanwhile: stop serving versions
    publishSnapshot();
  }
}

void VersionManager::publishSnapshot() {
  const bool serving = loaded_ && !degraded_;
  std::vector<route::CacheVersion> caches;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const StoredCache& stored = entries_[i].stored;
    route::CacheVersion cache{options_.caches[i].name, std::string(kPlaceholderVersion), route::CacheMode::kBypass,
                              entries_[i].stats_slot};
    if (serving && !stored.version.empty()) {  // a cache added by a reload waits for its version
      cache.version = stored.version;
      cache.mode = route::parseMode(stored.mode).value_or(route::CacheMode::kNormal);
    }
    caches.push_back(std::move(cache));
  }
  auto table = std::make_shared<const route::VersionTable>(options_.name_space, std::move(caches));
  rewriter_ = std::make_shared<const route::Rewriter>(matcher_, std::move(table));
  publish_(rewriter_);
}

void VersionManager::invalidate(const std::vector<std::string>& names, InvalidateDone done) {
  VersionMap changes;
  std::vector<VersionChange> result;
  for (const std::string& name : names) {
    const int i = indexOf(name);
    if (i < 0 || changes.count(name)) continue;
    const std::string version = route::newVersion();
    changes[name] = StoredCache{version, ""};  // the mode stays as it is
    result.push_back({name, version, entries_[i].stored.version});
  }
  ++writes_started_;
  store_.write(changes, [this, changes, result = std::move(result), done = std::move(done)](std::string error) {
    if (!error.empty()) {
      done({}, error);
      return;
    }
    const uint64_t now = uv_now(loop_);
    for (const auto& [name, stored] : changes) {
      Entry& entry = entries_[indexOf(name)];
      entry.stored.version = stored.version;
      entry.seen_at_ms = now;
      ++entry.invalidations;
    }
    last_answer_ms_ = now;
    if (loaded_) publishSnapshot();
    done(result, "");
  });
}

void VersionManager::setMode(const std::string& name, const std::string& mode, ModeDone done) {
  VersionMap changes{{name, StoredCache{"", mode}}};  // the version stays as it is
  ++writes_started_;
  store_.write(changes, [this, name, mode, done = std::move(done)](std::string error) {
    if (error.empty()) {
      entries_[indexOf(name)].stored.mode = mode;
      last_answer_ms_ = uv_now(loop_);
      if (loaded_) publishSnapshot();
    }
    done(error);
  });
}

void VersionManager::reconfigure(std::vector<ManagedCache> caches, uint32_t refresh_interval_ms,
                                 uint32_t max_staleness_ms) {
  std::vector<Entry> entries(caches.size());
  std::vector<std::vector<std::string>> patterns;
  for (size_t i = 0; i < caches.size(); ++i) {
    const int old = indexOf(caches[i].name);
    if (old >= 0) entries[i] = entries_[old];
    else entries[i].stats_slot = next_stats_slot_++;  // a new cache counts from zero
    patterns.push_back(caches[i].patterns);
  }
  options_.caches = std::move(caches);
  reindex();
  options_.refresh_interval_ms = refresh_interval_ms;
  options_.max_staleness_ms = max_staleness_ms;
  entries_ = std::move(entries);
  matcher_ = std::make_shared<const route::Matcher>(patterns);
  ++writes_started_;  // a fetch in flight asked for the old list of caches: take the next one
  publishSnapshot();
  if (!stopped_) {
    uv_timer_start(&poll_timer_, [](uv_timer_t* t) { static_cast<VersionManager*>(t->data)->refresh(); },
                   refresh_interval_ms, refresh_interval_ms);
  }
  refresh();
}

std::vector<CacheState> VersionManager::caches() const {
  const uint64_t now = uv_now(loop_);
  std::vector<CacheState> states;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    states.push_back({options_.caches[i].name, entry.stored.version,
                      entry.stored.mode.empty() ? "normal" : entry.stored.mode, entry.stats_slot,
                      options_.caches[i].patterns,
                      entry.stored.version.empty() ? 0.0 : static_cast<double>(now - entry.seen_at_ms) / 1000.0});
  }
  return states;
}

bool VersionManager::hasCache(const std::string& name) const { return indexOf(name) >= 0; }

double VersionManager::secondsSinceStoreAnswered() const {
  return last_answer_ms_ == 0 ? -1.0 : static_cast<double>(uv_now(loop_) - last_answer_ms_) / 1000.0;
}

uint64_t VersionManager::invalidations(const std::string& name) const {
  const int i = indexOf(name);
  return i < 0 ? 0 : entries_[i].invalidations;
}

int VersionManager::indexOf(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

void VersionManager::reindex() {
  index_.clear();
  for (size_t i = 0; i < options_.caches.size(); ++i) index_.emplace(options_.caches[i].name, static_cast<int>(i));
}

}  // namespace vcproxy::versions
