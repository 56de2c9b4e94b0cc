// Keeps this sidecar's versions in step with the shared store and hands every change to the
// data path as a new immutable snapshot. Runs on the control loop's thread.
//
// Never stale data:
//  - until the first versions are loaded, every versioned key is bypassed (reads miss, writes
//    are not stored);
//  - when the store has been unreachable for longer than `max_staleness_ms`, the same policy
//    applies until it answers again (another sidecar may have invalidated meanwhile);
//  - a fetch that started before one of our own writes is discarded, so an invalidation can
//    never be undone locally by an older read.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/route/rewriter.h"
#include "proxy/versions/version_store.h"

namespace vcproxy::versions {

struct ManagedCache {
  std::string name;
  std::vector<std::string> patterns;
};

struct ManagerOptions {
  std::string name_space;
  std::vector<ManagedCache> caches;
  uint32_t refresh_interval_ms = 1000;
  uint32_t max_staleness_ms = 10000;
};

struct CacheState {
  std::string name;
  std::string version;
  std::string mode;  // as stored: normal, bypass, write-only
  uint32_t stats_slot = 0;
  std::vector<std::string> patterns;
  double version_age_seconds = 0;
};

struct VersionChange {
  std::string name;
  std::string version;
  std::string previous;
};

class VersionManager {
 public:
  using Publish = std::function<void(std::shared_ptr<const route::Rewriter>)>;

  VersionManager(uv_loop_t* loop, VersionStore& store, ManagerOptions options, Publish publish);
  VersionManager(const VersionManager&) = delete;
  VersionManager& operator=(const VersionManager&) = delete;

  void start();
  // Stops polling; `done` once the timer is closed.
  void stop(std::function<void()> done);

  // The snapshot the data path uses now (bypassing everything until loaded).
  std::shared_ptr<const route::Rewriter> current() const { return rewriter_; }
  std::vector<CacheState> caches() const;
  bool hasCache(const std::string& name) const;
  bool loaded() const { return loaded_; }
  bool degraded() const { return degraded_; }  // store unreachable for too long
  const std::string& storeError() const { return store_error_; }
  double secondsSinceStoreAnswered() const;
  uint64_t invalidations(const std::string& name) const;

  // New versions for `names` (known caches): written to the store and published to the other
  // sidecars first, then applied here. On error nothing changed.
  using InvalidateDone = std::function<void(std::vector<VersionChange> changes, std::string error)>;
  void invalidate(const std::vector<std::string>& names, InvalidateDone done);
  using ModeDone = std::function<void(std::string error)>;
  void setMode(const std::string& name, const std::string& mode, ModeDone done);

  // Fetches now (also what a store notification triggers).
  void refresh();

  // A reloaded config's caches (Misago's Start/StopCacheVersioning): caches that stay keep their
  // versions; new ones are bypassed until the store gave them one.
  void reconfigure(std::vector<ManagedCache> caches, uint32_t refresh_interval_ms, uint32_t max_staleness_ms);

 private:
  struct Entry {
    StoredCache stored;
    uint32_t stats_slot = 0;     // the data path's counters for this cache, stable across reloads
    uint64_t seen_at_ms = 0;     // when this sidecar first saw the version
    uint64_t invalidations = 0;  // made through this sidecar
  };

  void apply(const VersionMap& versions);
  void markUnreachable(const std::string& error);
  void publishSnapshot();
  int indexOf(const std::string& name) const;
  void reindex();

  uv_loop_t* loop_;
  VersionStore& store_;
  ManagerOptions options_;
  Publish publish_;
  std::shared_ptr<const route::Matcher> matcher_;
  std::shared_ptr<const route::Rewriter> rewriter_;
  std::vector<Entry> entries_;  // in config order, as the matcher's cache ids
  std::unordered_map<std::string, int> index_;  // cache name -> position in entries_
  uint32_t next_stats_slot_ = 0;
  uv_timer_t poll_timer_{};
  bool loaded_ = false;
  bool degraded_ = false;
  bool fetching_ = false;
  bool stopped_ = false;
  bool refetch_ = false;          // a refresh was asked for while a fetch ran
  uint64_t writes_started_ = 0;   // a fetch that saw fewer writes than this is discarded
  uint64_t last_answer_ms_ = 0;
  std::string store_error_ = "versions not loaded yet";
};

}  // namespace vcproxy::versions
